// Configuration from the environment, checked once at start-up: every bad value is
// reported together, naming its variable.
export interface CipherConfig {
  host: string;
  port: number;
  keysDir: string;
  keyReloadIntervalMs: number;
  maxFrameBytes: number;
  idleTimeoutMs: number;
  requestTimeoutMs: number;
  maxConnections: number;
  /** Metrics and health probes: reachable by the kubelet and Prometheus, so not loopback. */
  opsHost: string;
  opsPort: number;
  logLevel: string;
  shutdownTimeoutMs: number;
}

export const defaultKeysDir = '/var/run/secrets/metrox/cipher';
const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function readConfig(env: NodeJS.ProcessEnv = process.env): CipherConfig {
  const problems: string[] = [];
  const integer = (name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name}=${raw} must be an integer from ${min} to ${max}`);
      return fallback;
    }
    return value;
  };
  const config: CipherConfig = {
    host: env.CIPHER_HOST ?? '127.0.0.1',
    port: integer('CIPHER_PORT', 7400, 0, 65_535),
    keysDir: env.CIPHER_KEYS_DIR ?? defaultKeysDir,
    keyReloadIntervalMs: integer('CIPHER_KEY_RELOAD_INTERVAL_MS', 30_000, 0),
    maxFrameBytes: integer('CIPHER_MAX_FRAME_BYTES', 64 * 1024, 256, 16 * 1024 * 1024),
    idleTimeoutMs: integer('CIPHER_IDLE_TIMEOUT_MS', 300_000, 1),
    requestTimeoutMs: integer('CIPHER_REQUEST_TIMEOUT_MS', 5_000, 1),
    maxConnections: integer('CIPHER_MAX_CONNECTIONS', 1_024, 1),
    opsHost: env.CIPHER_OPS_HOST ?? '0.0.0.0',
    opsPort: integer('CIPHER_OPS_PORT', 9465, 0, 65_535),
    logLevel: env.LOG_LEVEL ?? 'info',
    shutdownTimeoutMs: integer('SHUTDOWN_TIMEOUT_MS', 10_000, 1),
  };
  if (!logLevels.includes(config.logLevel)) problems.push(`LOG_LEVEL=${config.logLevel} must be one of ${logLevels.join(', ')}`);
  if (problems.length > 0) throw new Error(`invalid cipher configuration: ${problems.join('; ')}`);
  return config;
}
