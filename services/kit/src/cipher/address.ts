// Where the helper listens. It must be a loopback address: plaintext crosses this
// socket, so it may never leave the machine (in Kubernetes, the Pod).
import { isIP } from 'node:net';

export interface CipherAddress {
  host: string;
  port: number;
}

/** True for IPv4 127.0.0.0/8, IPv6 ::1 and IPv4-mapped loopback (::ffff:127.x.y.z). */
export function isLoopbackIp(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const version = isIP(bare);
  if (version === 4) return bare.split('.')[0] === '127';
  if (version === 6) {
    const lower = bare.toLowerCase();
    if (lower.startsWith('::ffff:')) return isIP(lower.slice(7)) === 4 && lower.slice(7).split('.')[0] === '127';
    // Any spelling of ::1 (0:0:0:0:0:0:0:1, ::0:1, …): all groups zero but the last, which is 1.
    const [head = '', tail = ''] = lower.split('::');
    const groups = lower.includes('::') ? [...head.split(':'), ...tail.split(':')] : lower.split(':');
    const numbers = groups.filter((group) => group !== '').map((group) => Number.parseInt(group, 16));
    return numbers.length > 0 && numbers.at(-1) === 1 && numbers.slice(0, -1).every((n) => n === 0);
  }
  return false;
}

/**
 * Parses `host:port` or `[v6]:port` (the form of CIPHER_ADDR). The host must be a
 * loopback IP or `localhost`.
 */
export function parseCipherAddress(text: string): CipherAddress {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text.trim());
  const host = match?.[1] ?? match?.[2];
  const port = Number(match?.[3]);
  if (host === undefined || !Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new Error(`cipher address "${text}" is not host:port (e.g. 127.0.0.1:7400)`);
  }
  if (host !== 'localhost' && !isLoopbackIp(host)) {
    throw new Error(`cipher address "${text}" is not on loopback: plaintext must not leave the machine`);
  }
  return { host, port };
}
