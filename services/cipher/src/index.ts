// @metrox/cipher: the local-only encryption helper, embeddable for tests and benchmarks.
export { readConfig, defaultKeysDir } from './config.ts';
export type { CipherConfig } from './config.ts';
export { startCipherHelper } from './helper.ts';
export type { CipherHelper } from './helper.ts';
export { startCipherServer, NonLoopbackAddressError } from './server/server.ts';
export type { CipherServer, CipherServerOptions } from './server/server.ts';
export { buildKeyring, compareKeyIds, createKey, parseKeyFile, keyBytes } from './keys/keyring.ts';
export type { Key, Keyring } from './keys/keyring.ts';
export { loadKeyDirectory, openKeyDirectory, staticKeySource } from './keys/key-directory.ts';
export type { KeySource } from './keys/key-directory.ts';
export { ensureDevelopmentKeys } from './keys/development-keys.ts';
export { open, seal } from './crypto/aes-gcm.ts';
export { createCipherLogger } from './observability/logger.ts';
export { createCipherMetrics } from './observability/metrics.ts';
