// Reads the key directory, and re-reads it so a rotated Secret takes effect without a
// restart. A directory that fails to load leaves the last good keyring in place.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { buildKeyring, isKeyFileName, parseKeyFile, type Keyring } from './keyring.ts';

export async function loadKeyDirectory(directory: string): Promise<Keyring> {
  let names: string[];
  try {
    names = await readdir(directory);
  } catch (error) {
    throw new Error(`cannot read the key directory ${directory}: ${(error as Error).message}`, { cause: error });
  }
  const keys = [];
  for (const name of names.filter(isKeyFileName).sort()) {
    const path = join(directory, name);
    // Secret volumes hold symlinks to files; follow them, skip directories.
    if (!(await stat(path)).isFile()) continue;
    keys.push(parseKeyFile(name, await readFile(path)));
  }
  if (keys.length === 0) throw new Error(`no keys: the key directory ${directory} holds no key files`);
  return buildKeyring(keys);
}

export interface KeySource {
  current(): Keyring;
  /** Re-reads the directory; resolves to the new keyring, rejects (keeping the old one) when it is bad. */
  reload(): Promise<Keyring>;
}

export async function openKeyDirectory(directory: string): Promise<KeySource> {
  let keyring = await loadKeyDirectory(directory);
  return {
    current: () => keyring,
    async reload() {
      keyring = await loadKeyDirectory(directory);
      return keyring;
    },
  };
}

/** A fixed keyring, for embedding and benchmarks. */
export function staticKeySource(keyring: Keyring): KeySource {
  return { current: () => keyring, reload: () => Promise.resolve(keyring) };
}
