import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp as makeTemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureDevelopmentKeys } from './development-keys.ts';
import { loadKeyDirectory } from './key-directory.ts';
import { buildKeyring, compareKeyIds, createKey, parseKeyFile } from './keyring.ts';

const base64Key = () => Buffer.from(`${randomBytes(32).toString('base64')}\n`);

// Every temporary key directory a test makes is removed after it.
const made: string[] = [];
async function mkdtemp(prefix: string): Promise<string> {
  const dir = await makeTemp(prefix);
  made.push(dir);
  return dir;
}
afterEach(async () => {
  await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('keyring', () => {
  it('encrypts new data with the newest key id, numbers compared as numbers', () => {
    const key = (id: string) => createKey(id, randomBytes(32));
    expect(buildKeyring([key('k2'), key('k10'), key('k9')]).primary.id).toBe('k10');
    expect(buildKeyring([key('2025-12-01'), key('2026-01-15'), key('2025-06-30')]).primary.id).toBe('2026-01-15');
    expect(['b', 'a10', 'a9'].sort(compareKeyIds)).toEqual(['a9', 'a10', 'b']);
  });

  it('reads keys as base64 or hex text', () => {
    const material = randomBytes(32);
    expect(parseKeyFile('k1', Buffer.from(material.toString('base64'))).secret.export()).toEqual(material);
    expect(parseKeyFile('k1', Buffer.from(`${material.toString('hex')}\n`)).secret.export()).toEqual(material);
    expect(parseKeyFile('k1', Buffer.from(material.toString('base64url'))).secret.export()).toEqual(material);
  });

  it('refuses a key of the wrong size or a file name that is not a key id', () => {
    expect(() => parseKeyFile('k1', Buffer.from(randomBytes(16).toString('base64')))).toThrow(/key file "k1": expected a 256-bit key/);
    expect(() => parseKeyFile('k1', randomBytes(32))).toThrow(/expected a 256-bit key/);
    expect(() => parseKeyFile('k.1', base64Key())).toThrow(/must match/);
    expect(() => buildKeyring([])).toThrow(/no keys/);
  });

  it('loads a mounted Secret, skipping Kubernetes internals', async () => {
    // The layout the kubelet writes: a timestamped directory, `..data` pointing at it, and a symlink per key.
    const dir = await mkdtemp(join(tmpdir(), 'cipher-keys-'));
    const version = join(dir, '..2026_01_01_00_00_00.1');
    await mkdir(version);
    await writeFile(join(version, 'k1'), base64Key());
    await writeFile(join(version, 'k2'), base64Key());
    await symlink('..2026_01_01_00_00_00.1', join(dir, '..data'));
    await symlink('..data/k1', join(dir, 'k1'));
    await symlink('..data/k2', join(dir, 'k2'));
    const keyring = await loadKeyDirectory(dir);
    expect(keyring.primary.id).toBe('k2');
    expect([...keyring.byId.keys()]).toEqual(['k1', 'k2']);
  });

  it('refuses to start without keys, naming the directory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cipher-keys-'));
    await expect(loadKeyDirectory(dir)).rejects.toThrow(`no keys: the key directory ${dir} holds no key files`);
    await expect(loadKeyDirectory(join(dir, 'missing'))).rejects.toThrow(/cannot read the key directory/);
  });

  it('creates development keys once and keeps them', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'cipher-keys-')), 'local');
    await ensureDevelopmentKeys(dir);
    const first = await loadKeyDirectory(dir);
    await ensureDevelopmentKeys(dir);
    const second = await loadKeyDirectory(dir);
    expect(second.primary.id).toBe('k1');
    expect(second.primary.secret.equals(first.primary.secret)).toBe(true);
  });
});
