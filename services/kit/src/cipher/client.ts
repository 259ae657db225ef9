// A typed client for the cipher helper: a small pool of pipelined connections, a
// deadline per call, and reconnection with backoff. Encrypt and decrypt have no side
// effects, so a call that lost its connection is retried until its deadline.
import { context, defaultTextMapSetter, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { parseCipherAddress, type CipherAddress } from './address.ts';
import { CipherConnection } from './connection.ts';
import { CipherError } from './errors.ts';
import type { CipherOp, CipherRequest } from './protocol.ts';

export const defaultMaxFrameBytes = 64 * 1024;

export interface CipherClientOptions {
  /** `host:port` on loopback, e.g. the CIPHER_ADDR the operator sets. */
  address: string;
  /** Connections kept open; calls spread over them. Default 4. */
  poolSize?: number;
  /** Deadline of a call unless the call sets its own. Default 2000 ms. */
  deadlineMs?: number;
  /** Largest frame body sent or accepted; must not exceed the helper's limit. Default 64 KiB. */
  maxFrameBytes?: number;
}

export interface CallOptions {
  /** Authenticated context the ciphertext is bound to (e.g. the payment id); decrypt needs the same. */
  context?: string;
  deadlineMs?: number;
}

export interface CipherResult {
  data: string;
  /** The key that encrypted (or decrypted) the data. */
  keyId: string;
}

export interface CipherClient {
  encrypt(plaintext: string, options?: CallOptions): Promise<string>;
  decrypt(ciphertext: string, options?: CallOptions): Promise<string>;
  call(op: CipherOp, data: string, options?: CallOptions): Promise<CipherResult>;
  close(): void;
}

const w3c = new W3CTraceContextPropagator();
const tracer = () => trace.getTracer('@metrox/kit/cipher');
const backoffMs = (failures: number) => Math.min(1_000, 25 * 2 ** Math.min(failures, 6));
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** One pool position: its open connection, the attempt to open one, and how often opening failed. */
interface Slot {
  open: CipherConnection | undefined;
  opening: Promise<CipherConnection> | undefined;
  failures: number;
  retryAt: number;
}

/** In-flight calls on a connection before the pool prefers opening another. */
const busyConnection = 8;

export function createCipherClient(options: CipherClientOptions): CipherClient {
  const address: CipherAddress = parseCipherAddress(options.address);
  const poolSize = Math.max(1, options.poolSize ?? 4);
  const defaultDeadlineMs = options.deadlineMs ?? 2_000;
  const maxFrameBytes = options.maxFrameBytes ?? defaultMaxFrameBytes;
  // A ciphertext is the plaintext in base64 plus a header: answers may be larger than requests.
  const maxResponseBytes = Math.ceil(maxFrameBytes * 1.5) + 1024;
  const slots: Slot[] = Array.from({ length: poolSize }, () => ({ open: undefined, opening: undefined, failures: 0, retryAt: 0 }));
  let nextId = 0;
  let closed = false;
  // Read through a function: `close()` may flip it while a call awaits.
  const isClosed = () => closed;

  function open(slot: Slot, deadline: number): Promise<CipherConnection> {
    if (slot.opening) return slot.opening;
    const opening = (async () => {
      await sleep(Math.min(slot.retryAt, deadline) - Date.now());
      // Other calls may share this attempt with later deadlines: theirs decides, so this stays retryable.
      if (Date.now() >= deadline) throw new CipherError('unavailable', 'gave up waiting to reconnect to the cipher helper');
      return CipherConnection.open(address, maxResponseBytes, deadline - Date.now());
    })();
    slot.opening = opening;
    opening.then(
      (connection) => {
        slot.opening = undefined;
        slot.failures = 0;
        slot.open = connection;
        if (closed) connection.close();
      },
      () => {
        slot.opening = undefined;
        slot.failures += 1;
        slot.retryAt = Date.now() + backoffMs(slot.failures);
      },
    );
    return opening;
  }

  // The least busy open connection; another is opened (lazily, up to the pool size) when all are busy.
  function pick(deadline: number): CipherConnection | Promise<CipherConnection> {
    let best: CipherConnection | undefined;
    let vacant: Slot | undefined;
    for (const slot of slots) {
      if (slot.open && !slot.open.isOpen) slot.open = undefined;
      if (slot.open) {
        if (!best || slot.open.inFlight < best.inFlight) best = slot.open;
      } else if (!vacant || (vacant.opening && !slot.opening)) {
        vacant = slot;
      }
    }
    if (best && (best.inFlight < busyConnection || !vacant)) return best;
    if (vacant) return open(vacant, deadline);
    throw new CipherError('unavailable', 'cipher client has no connection slot');
  }

  async function attemptOnce(request: CipherRequest, deadline: number): Promise<CipherResult> {
    let timer: NodeJS.Timeout | undefined;
    let sentOn: CipherConnection | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        sentOn?.abandon(request.id);
        reject(new CipherError('deadline_exceeded', `cipher ${request.op} did not complete before its deadline`));
      }, Math.max(0, deadline - Date.now()));
    });
    try {
      const connection = await Promise.race([pick(deadline), expired]);
      sentOn = connection;
      const response = await Promise.race([connection.send(request), expired]);
      return { data: response.data, keyId: response.keyId };
    } finally {
      clearTimeout(timer);
      expired.catch(() => undefined);
    }
  }

  async function call(op: CipherOp, data: string, callOptions: CallOptions = {}): Promise<CipherResult> {
    if (closed) throw new CipherError('client_closed', 'cipher client closed');
    const deadline = Date.now() + (callOptions.deadlineMs ?? defaultDeadlineMs);
    const span = tracer().startSpan(`cipher ${op}`, {
      kind: SpanKind.CLIENT,
      attributes: { 'rpc.system': 'metrox_cipher', 'rpc.method': op, 'server.address': address.host, 'server.port': address.port },
    });
    const carrier: Record<string, string> = {};
    w3c.inject(trace.setSpan(context.active(), span), carrier, defaultTextMapSetter);
    const request: CipherRequest = {
      id: 0,
      op,
      data,
      ...(callOptions.context === undefined ? {} : { context: callOptions.context }),
      ...(carrier.traceparent ? { traceparent: carrier.traceparent } : {}),
      ...(carrier.tracestate ? { tracestate: carrier.tracestate } : {}),
    };
    try {
      // The id is not final yet: leave room for its longest form.
      if (Buffer.byteLength(JSON.stringify(request)) + String(Number.MAX_SAFE_INTEGER).length > maxFrameBytes) {
        throw new CipherError('frame_too_large', `cipher ${op} request exceeds the maximum frame of ${maxFrameBytes} bytes`);
      }
      let transportError: CipherError | undefined;
      let attempts = 0;
      for (;;) {
        // A fresh id per attempt: a late answer to an abandoned attempt is never taken for this one.
        request.id = nextId = (nextId + 1) % Number.MAX_SAFE_INTEGER;
        try {
          return await attemptOnce(request, deadline);
        } catch (error) {
          if (!(error instanceof CipherError)) throw error;
          // Out of time after transport failures: "the helper is unreachable" says more than "too slow".
          if (error.code === 'deadline_exceeded' && transportError) {
            throw new CipherError('unavailable', `${transportError.message} (retried until the deadline)`, { cause: transportError });
          }
          if (!error.retryable || isClosed() || Date.now() >= deadline) throw error;
          transportError = error;
          attempts += 1;
          span.addEvent('retry', { 'error.message': error.message });
          // A helper that accepts and then drops connections must not be hammered in a tight loop.
          await sleep(Math.min(backoffMs(attempts), deadline - Date.now()));
        }
      }
    } catch (error) {
      const code = error instanceof CipherError ? error.code : 'internal';
      span.setAttribute('error.type', code);
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      throw error;
    } finally {
      span.end();
    }
  }

  return {
    call,
    encrypt: async (plaintext, callOptions) => (await call('encrypt', plaintext, callOptions)).data,
    decrypt: async (ciphertext, callOptions) => (await call('decrypt', ciphertext, callOptions)).data,
    close() {
      closed = true;
      for (const slot of slots) {
        slot.open?.close();
        slot.open = undefined;
      }
    },
  };
}

/** The client for the helper the platform wires in: CIPHER_ADDR from the environment. */
export function cipherClientFromEnv(env: NodeJS.ProcessEnv = process.env, options: Omit<CipherClientOptions, 'address'> = {}): CipherClient {
  const address = env.CIPHER_ADDR;
  if (!address) throw new Error('CIPHER_ADDR is not set: the cipher helper address (host:port on loopback) is required');
  return createCipherClient({ ...options, address });
}
