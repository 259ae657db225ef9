// A thin, raw-JSON Kubernetes client on node:https. Raw JSON keeps every field
// the operator sends (client-node's typed serializer drops `x-kubernetes-*`,
// `enum`…), and a keep-alive agent keeps a thousand concurrent applies cheap.
// Connection settings come from the in-cluster ServiceAccount or a kubeconfig
// file (token or client certificate), the two ways the operator is run.
import { readFileSync } from 'node:fs';
import { Agent, request, type RequestOptions } from 'node:https';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { endRequestSpan, recordResponseStatus, startRequestSpan } from './tracing.ts';

export interface KubeConnection {
  server: string;
  ca?: Buffer | undefined;
  token?: string | undefined;
  /** Re-read on every request when set: projected ServiceAccount tokens rotate. */
  tokenFile?: string | undefined;
  cert?: Buffer | undefined;
  key?: Buffer | undefined;
  insecureSkipTlsVerify?: boolean | undefined;
}

export class KubeApiError extends Error {
  readonly status: number;
  readonly reason: string;
  constructor(status: number, reason: string, message: string) {
    super(message);
    this.name = 'KubeApiError';
    this.status = status;
    this.reason = reason;
  }
}

const inClusterDir = '/var/run/secrets/kubernetes.io/serviceaccount';

interface KubeconfigFile {
  'current-context'?: string;
  contexts?: { name: string; context: { cluster: string; user: string } }[];
  clusters?: { name: string; cluster: { server: string; 'certificate-authority-data'?: string; 'certificate-authority'?: string; 'insecure-skip-tls-verify'?: boolean } }[];
  users?: { name: string; user: { token?: string; tokenFile?: string; 'client-certificate-data'?: string; 'client-key-data'?: string; 'client-certificate'?: string; 'client-key'?: string } }[];
}

function fromBase64OrFile(data: string | undefined, file: string | undefined): Buffer | undefined {
  if (data !== undefined) return Buffer.from(data, 'base64');
  if (file !== undefined) return readFileSync(file);
  return undefined;
}

export function connectionFromKubeconfig(path: string): KubeConnection {
  const config = parse(readFileSync(path, 'utf8')) as KubeconfigFile;
  const contextName = config['current-context'];
  const context = config.contexts?.find((c) => c.name === contextName)?.context;
  if (context === undefined) throw new Error(`kubeconfig ${path} has no current context`);
  const cluster = config.clusters?.find((c) => c.name === context.cluster)?.cluster;
  const user = config.users?.find((u) => u.name === context.user)?.user ?? {};
  if (cluster === undefined) throw new Error(`kubeconfig ${path}: cluster ${context.cluster} not found`);
  return {
    server: cluster.server,
    ca: fromBase64OrFile(cluster['certificate-authority-data'], cluster['certificate-authority']),
    insecureSkipTlsVerify: cluster['insecure-skip-tls-verify'],
    token: user.token,
    tokenFile: user.tokenFile,
    cert: fromBase64OrFile(user['client-certificate-data'], user['client-certificate']),
    key: fromBase64OrFile(user['client-key-data'], user['client-key']),
  };
}

/** KUBECONFIG, then the in-cluster ServiceAccount, then ~/.kube/config. */
export function loadConnection(env: Record<string, string | undefined> = process.env): KubeConnection {
  const kubeconfig = env.KUBECONFIG;
  if (kubeconfig !== undefined && kubeconfig !== '') return connectionFromKubeconfig(kubeconfig.split(':')[0] ?? kubeconfig);
  const host = env.KUBERNETES_SERVICE_HOST;
  if (host !== undefined && host !== '') {
    const hostPart = host.includes(':') ? `[${host}]` : host;
    return {
      server: `https://${hostPart}:${env.KUBERNETES_SERVICE_PORT ?? '443'}`,
      ca: readFileSync(join(inClusterDir, 'ca.crt')),
      tokenFile: join(inClusterDir, 'token'),
    };
  }
  return connectionFromKubeconfig(join(homedir(), '.kube', 'config'));
}

/**
 * The resource a REST path addresses (`deployments`, `widgets/status`), or
 * the path itself when it addresses none (`/metrics`). Pure.
 */
export function resourceOf(path: string): string {
  const parts = (path.split('?')[0] ?? '').split('/').filter((p) => p !== '');
  let rest: string[];
  if (parts[0] === 'api') rest = parts.slice(2);
  else if (parts[0] === 'apis') rest = parts.slice(3);
  else return `/${parts.join('/')}`;
  if (rest[0] === 'namespaces' && rest.length > 2) rest = rest.slice(2);
  const [resource = '', , subresource] = rest;
  return subresource === undefined ? resource : `${resource}/${subresource}`;
}

export interface WatchEvent<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

/**
 * Asks for the answer to a write as PartialObjectMetadata: a few hundred bytes
 * instead of the whole object (a Deployment with its managed fields is kilobytes),
 * less for the API server to encode and for the operator to parse and collect.
 */
const metadataAnswer = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json';

/** What a write answered with metadataAnswer carries. */
export interface MetadataAnswer {
  metadata: { name: string; namespace?: string; uid?: string; resourceVersion?: string; generation?: number };
}

export type ContentType = 'application/json' | 'application/merge-patch+json' | 'application/json-patch+json' | 'application/apply-patch+yaml';

export class KubeClient {
  readonly #connection: KubeConnection;
  readonly #agent: Agent;
  readonly #url: URL;
  /** Write requests sent (POST, PUT, PATCH, DELETE), for the controller's own accounting. */
  writes = 0;
  /** Requests sent (watches not included), by `<METHOD> <resource>`: what a quiet controller must not do at rest. */
  readonly requests = new Map<string, number>();

  constructor(connection: KubeConnection, options: { maxSockets?: number } = {}) {
    this.#connection = connection;
    this.#url = new URL(connection.server);
    this.#agent = new Agent({
      keepAlive: true,
      maxSockets: options.maxSockets ?? 64,
      ca: connection.ca,
      cert: connection.cert,
      key: connection.key,
      rejectUnauthorized: connection.insecureSkipTlsVerify !== true,
    });
  }

  #options(method: string, path: string, headers: Record<string, string>): RequestOptions {
    const token = this.#connection.tokenFile !== undefined ? readFileSync(this.#connection.tokenFile, 'utf8').trim() : this.#connection.token;
    const all: Record<string, string> = { accept: 'application/json', ...headers };
    if (token !== undefined) all.authorization = `Bearer ${token}`;
    const basePath = this.#url.pathname.replace(/\/$/, '');
    return { method, hostname: this.#url.hostname, port: this.#url.port, path: `${basePath}${path}`, agent: this.#agent, headers: all };
  }

  /** One request; resolves with the parsed body, rejects with a KubeApiError for non-2xx. */
  request<T = unknown>(method: string, path: string, body?: unknown, contentType: ContentType = 'application/json', timeoutMs = 30_000): Promise<T> {
    return this.#send<T>(method, path, body, contentType, timeoutMs, 'application/json');
  }

  async #send<T>(method: string, path: string, body: unknown, contentType: ContentType, timeoutMs: number, accept: string): Promise<T> {
    if (method !== 'GET') this.writes++;
    this.#count(method, path);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = { accept };
    if (payload !== undefined) {
      headers['content-type'] = contentType;
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
    const span = startRequestSpan(method, this.#url, path);
    return endRequestSpan(span, new Promise<T>((resolve, reject) => {
      const req = request(this.#options(method, path, headers), (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          recordResponseStatus(span, status);
          let parsed: unknown;
          try {
            parsed = text === '' ? undefined : JSON.parse(text);
          } catch {
            parsed = text;
          }
          if (status >= 200 && status < 300) {
            resolve(parsed as T);
            return;
          }
          const statusBody = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as { reason?: string; message?: string };
          reject(new KubeApiError(status, statusBody.reason ?? 'Unknown', `${method} ${path}: ${status} ${statusBody.message ?? text}`));
        });
      });
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${path}: no answer in ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(payload);
    }));
  }

  #count(method: string, path: string): void {
    const key = `${method} ${resourceOf(path)}`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
  }

  /** A GET whose body is returned as bytes (profiles, metrics). */
  raw(path: string, timeoutMs = 30_000): Promise<Buffer> {
    this.#count('GET', path);
    return new Promise<Buffer>((resolve, reject) => {
      const req = request(this.#options('GET', path, { accept: '*/*' }), (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve(Buffer.concat(chunks));
          else reject(new KubeApiError(status, 'Unknown', `GET ${path}: ${String(status)}`));
        });
      });
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`GET ${path}: no answer in ${String(timeoutMs)} ms`)));
      req.on('error', reject);
      req.end();
    });
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  /** Creates an object in a collection under `fieldManager`; answers with its metadata. */
  create(collection: string, object: unknown, fieldManager: string): Promise<MetadataAnswer> {
    return this.#send('POST', `${collection}?fieldManager=${encodeURIComponent(fieldManager)}`, object, 'application/json', 30_000, metadataAnswer);
  }

  /** Server-side apply of a whole object under `fieldManager`; answers with its metadata. */
  apply(path: string, object: unknown, fieldManager: string, force = true): Promise<MetadataAnswer> {
    return this.#send('PATCH', `${path}?fieldManager=${encodeURIComponent(fieldManager)}&force=${String(force)}`, object, 'application/apply-patch+yaml', 30_000, metadataAnswer);
  }

  /**
   * Streams a watch. `onEvent` is called per event; the promise settles when the
   * server closes the stream (resolve), the connection fails or `onEvent` throws
   * (reject). `abort` ends it early.
   */
  watch<T>(path: string, onEvent: (event: WatchEvent<T>) => void, signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const req = request({ ...this.#options('GET', path, {}), signal }, (res) => {
        const status = res.statusCode ?? 0;
        if (status !== 200) {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => {
            const parsed = (() => {
              try {
                return JSON.parse(text) as { reason?: string; message?: string };
              } catch {
                return {};
              }
            })();
            reject(new KubeApiError(status, parsed.reason ?? 'Unknown', `watch ${path}: ${status} ${parsed.message ?? text}`));
          });
          return;
        }
        let buffer = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let newline = buffer.indexOf('\n');
          while (newline >= 0) {
            const line = buffer.slice(0, newline).trim();
            buffer = buffer.slice(newline + 1);
            if (line !== '') {
              try {
                onEvent(JSON.parse(line) as WatchEvent<T>);
              } catch (error) {
                // A throw here would escape the stream as an uncaught exception: end the watch with it instead.
                req.destroy();
                reject(error instanceof Error ? error : new Error(String(error)));
                return;
              }
            }
            newline = buffer.indexOf('\n');
          }
        });
        res.on('end', () => {
          resolve();
        });
        res.on('error', reject);
        res.on('aborted', () => {
          reject(new Error(`watch ${path} aborted`));
        });
      });
      req.on('error', (error) => {
        if (signal.aborted) resolve();
        else reject(error);
      });
      req.end();
    });
  }

  close(): void {
    this.#agent.destroy();
  }
}
