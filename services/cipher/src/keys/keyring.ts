// Keys come from files, one per key, in a directory (a mounted Kubernetes Secret):
// the file name is the key id, the content a 256-bit key as base64 or hex text.
// New data is sealed with the newest key; every key present still opens what it sealed,
// so rotation is: add a newer key, re-encrypt at leisure, then remove the old one.
import { createSecretKey, type KeyObject } from 'node:crypto';

export const keyBytes = 32;
/** Key ids appear inside ciphertexts, so they exclude the `.` separator. */
export const keyIdPattern = /^[A-Za-z0-9_-]{1,64}$/;

export interface Key {
  id: string;
  /** A KeyObject, made once: building one per call costs more than the encryption itself. */
  secret: KeyObject;
}

export function createKey(id: string, material: Buffer): Key {
  return { id, secret: createSecretKey(material) };
}

export interface Keyring {
  /** The key new data is encrypted with. */
  primary: Key;
  byId: ReadonlyMap<string, Key>;
}

/**
 * Orders key ids oldest first: numbers inside ids compare as numbers, so `k2` < `k10`
 * and dates like `2025-06-01` sort in time order.
 */
export function compareKeyIds(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true, sensitivity: 'variant' }) || (a < b ? -1 : a > b ? 1 : 0);
}

/** Decodes one key file; the message names the file so an operator can fix it. */
export function parseKeyFile(id: string, content: Buffer): Key {
  if (!keyIdPattern.test(id)) {
    throw new Error(`key file "${id}": the name is the key id and must match ${String(keyIdPattern)}`);
  }
  const text = content.toString('latin1').trim();
  let material: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(text)) material = Buffer.from(text, 'hex');
  else if (/^[A-Za-z0-9+/_-]{43}=?$/.test(text)) material = Buffer.from(text, 'base64');
  if (material?.length !== keyBytes) {
    throw new Error(`key file "${id}": expected a ${keyBytes * 8}-bit key as base64 (openssl rand -base64 32) or 64 hex digits`);
  }
  return createKey(id, material);
}

export function buildKeyring(keys: readonly Key[]): Keyring {
  const sorted = [...keys].sort((a, b) => compareKeyIds(a.id, b.id));
  const primary = sorted.at(-1);
  if (!primary) throw new Error('no keys: the key directory holds no key files');
  return { primary, byId: new Map(sorted.map((key) => [key.id, key])) };
}

/** Files of a mounted Secret that are not keys: Kubernetes' own `..data` links and hidden files. */
export function isKeyFileName(name: string): boolean {
  return !name.startsWith('.');
}
