// Keys for running the helper outside Kubernetes (`npm run local`, other services'
// tests): a directory with one generated key, kept across runs so what was encrypted
// yesterday still decrypts today. In a cluster the keys come from a Secret instead.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isKeyFileName } from './keyring.ts';

/** Creates `directory` (mode 0700) with a key `k1` (mode 0600) unless it holds keys already. */
export async function ensureDevelopmentKeys(directory: string): Promise<void> {
  await mkdir(directory, { recursive: true, mode: 0o700 });
  if ((await readdir(directory)).some(isKeyFileName)) return;
  await writeFile(join(directory, 'k1'), `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' }).catch((error: unknown) => {
    // Two starters racing: the other one wrote it.
    if ((error as { code?: string }).code !== 'EEXIST') throw error;
  });
}
