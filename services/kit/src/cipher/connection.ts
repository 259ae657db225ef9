// One TCP connection to the helper, pipelining requests: each waits for the response
// carrying its id. A broken connection fails everything waiting on it as
// `unavailable`, and the pool replaces it.
import { connect, type Socket } from 'node:net';
import type { CipherAddress } from './address.ts';
import { CipherError } from './errors.ts';
import { encodeFrame, FrameDecoder, FrameTooLargeError } from './framing.ts';
import { encodeMessage, parseResponse, type CipherRequest, type CipherResponse } from './protocol.ts';

interface Waiting {
  resolve: (response: CipherResponse & { ok: true }) => void;
  reject: (error: CipherError) => void;
}

export class CipherConnection {
  readonly #socket: Socket;
  readonly #decoder: FrameDecoder;
  readonly #waiting = new Map<number, Waiting>();
  #closedBy: CipherError | undefined;
  #corked = false;

  private constructor(socket: Socket, maxFrameBytes: number) {
    this.#socket = socket;
    this.#decoder = new FrameDecoder(maxFrameBytes);
    socket.on('data', (chunk: Buffer) => {
      this.#receive(chunk);
    });
    socket.on('error', (error) => {
      this.#fail(new CipherError('unavailable', `cipher connection failed: ${error.message}`, { cause: error }));
    });
    socket.on('close', () => {
      this.#fail(new CipherError('unavailable', 'cipher connection closed by the helper'));
    });
  }

  static open(address: CipherAddress, maxFrameBytes: number, timeoutMs: number): Promise<CipherConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: address.host, port: address.port, noDelay: true });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new CipherError('unavailable', `could not connect to the cipher helper at ${address.host}:${address.port} within ${timeoutMs} ms`));
      }, Math.max(1, timeoutMs));
      const onError = (error: Error) => {
        clearTimeout(timer);
        reject(new CipherError('unavailable', `could not connect to the cipher helper at ${address.host}:${address.port}: ${error.message}`, { cause: error }));
      };
      socket.once('error', onError);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.off('error', onError);
        // Idle pooled connections must not keep a process alive; pending calls hold timers that do.
        socket.unref();
        resolve(new CipherConnection(socket, maxFrameBytes));
      });
    });
  }

  get isOpen(): boolean {
    return this.#closedBy === undefined;
  }

  get inFlight(): number {
    return this.#waiting.size;
  }

  /** Sends one request; the promise settles with its response or the connection's failure. */
  send(request: CipherRequest): Promise<CipherResponse & { ok: true }> {
    if (this.#closedBy) return Promise.reject(this.#closedBy);
    return new Promise((resolve, reject) => {
      this.#waiting.set(request.id, { resolve, reject });
      // Requests made in the same tick leave in one write.
      if (!this.#corked) {
        this.#corked = true;
        this.#socket.cork();
        process.nextTick(() => {
          this.#corked = false;
          this.#socket.uncork();
        });
      }
      this.#socket.write(encodeFrame(encodeMessage(request)));
    });
  }

  /** Forgets a request whose caller stopped waiting (deadline); a late answer is dropped. */
  abandon(id: number): void {
    this.#waiting.delete(id);
  }

  close(): void {
    this.#fail(new CipherError('client_closed', 'cipher client closed'));
  }

  #receive(chunk: Buffer): void {
    let bodies: Buffer[];
    try {
      bodies = this.#decoder.push(chunk);
    } catch (error) {
      const message = error instanceof FrameTooLargeError ? error.message : String(error);
      this.#fail(new CipherError('protocol_error', `cipher helper sent a bad frame: ${message}`));
      return;
    }
    for (const body of bodies) {
      const parsed = parseResponse(body);
      if (!parsed.ok) {
        this.#fail(new CipherError('protocol_error', `cipher helper sent a bad response: ${parsed.message}`));
        return;
      }
      const response = parsed.value;
      if (response.id === null) {
        // The helper could not tell which request failed: nothing on this connection can be trusted.
        const { code, message } = response.ok ? { code: 'protocol_error' as const, message: 'response without id' } : response.error;
        this.#fail(new CipherError(code, `cipher helper rejected a frame: ${message}`));
        return;
      }
      const waiting = this.#waiting.get(response.id);
      if (!waiting) continue;
      this.#waiting.delete(response.id);
      if (response.ok) waiting.resolve(response);
      else waiting.reject(new CipherError(response.error.code, response.error.message));
    }
  }

  #fail(error: CipherError): void {
    if (this.#closedBy) return;
    this.#closedBy = error;
    this.#socket.destroy();
    for (const waiting of this.#waiting.values()) waiting.reject(error);
    this.#waiting.clear();
  }
}
