// One client connection: frames in, responses out, in order. A bad request gets a
// typed error and the connection carries on; when the byte stream itself can no
// longer be trusted (oversized or unfinished frame) the error is sent and the
// connection is closed cleanly. Nothing a client sends can throw out of here.
import type { Socket } from 'node:net';
import { SpanStatusCode } from '@opentelemetry/api';
import {
  encodeFrame,
  encodeMessage,
  FrameDecoder,
  FrameTooLargeError,
  parseRequest,
  type CipherResponse,
  type ServerErrorCode,
} from '@metrox/kit/cipher';
import type { Logger } from 'pino';
import type { KeySource } from '../keys/key-directory.ts';
import type { CipherMetrics, OpLabel } from '../observability/metrics.ts';
import { startRequestSpan } from '../observability/tracing.ts';
import { handleRequest } from './handle-request.ts';

export interface ConnectionLimits {
  maxFrameBytes: number;
  /** A connection with no traffic for this long is closed. */
  idleTimeoutMs: number;
  /** A frame must arrive completely within this long of its first byte. */
  requestTimeoutMs: number;
}

export interface ConnectionDeps {
  keys: KeySource;
  limits: ConnectionLimits;
  metrics: CipherMetrics;
  logger: Logger;
}

/** How long a closing connection waits for the peer to read its last answer. */
const closeGraceMs = 1_000;

export function serveConnection(socket: Socket, deps: ConnectionDeps): void {
  const { limits, metrics } = deps;
  const logger = deps.logger.child({ peer: `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}` });
  const decoder = new FrameDecoder(limits.maxFrameBytes);
  let frameTimer: NodeJS.Timeout | undefined;
  let closing = false;

  metrics.connections.inc();
  socket.setNoDelay(true);
  socket.setTimeout(limits.idleTimeoutMs);
  logger.debug('connection opened');

  const send = (response: CipherResponse) => {
    // A client that sends without reading must not make us buffer without bound.
    if (!socket.write(encodeFrame(encodeMessage(response))) && !socket.isPaused()) {
      socket.pause();
      socket.once('drain', () => socket.resume());
    }
  };

  const closeWith = (code: ServerErrorCode, message: string) => {
    if (closing) return;
    closing = true;
    clearTimeout(frameTimer);
    metrics.requests.inc({ op: 'unknown', outcome: code });
    logger.warn({ code }, `closing connection: ${message}`);
    send({ id: null, ok: false, error: { code, message } });
    socket.end();
    setTimeout(() => socket.destroy(), closeGraceMs).unref();
  };

  const answer = (body: Buffer) => {
    const started = process.hrtime.bigint();
    const parsed = parseRequest(body);
    let op: OpLabel = 'unknown';
    let response: CipherResponse;
    if (!parsed.ok) {
      response = { id: parsed.id, ok: false, error: { code: 'bad_request', message: parsed.message } };
      logger.warn({ code: 'bad_request' }, `bad request: ${parsed.message}`);
    } else {
      op = parsed.value.op;
      const { span, run } = startRequestSpan(parsed.value);
      response = run(() => {
        try {
          return handleRequest(parsed.value, deps.keys.current(), limits.maxFrameBytes);
        } catch (error) {
          logger.error({ err: error }, 'cipher request failed unexpectedly');
          return { id: parsed.value.id, ok: false, error: { code: 'internal', message: 'internal error' } } as const;
        }
      });
      if (!response.ok) {
        span.setAttribute('error.type', response.error.code);
        span.setStatus({ code: SpanStatusCode.ERROR, message: response.error.message });
        run(() => {
          logger.info({ op, code: response.ok ? undefined : response.error.code }, 'cipher request refused');
        });
      }
      span.end();
    }
    const outcome = response.ok ? 'ok' : response.error.code;
    metrics.requests.inc({ op, outcome });
    metrics.duration.observe({ op, outcome }, Number(process.hrtime.bigint() - started) / 1e9);
    send(response);
  };

  socket.on('data', (chunk: Buffer) => {
    try {
      receive(chunk);
    } catch (error) {
      // A bug must cost this connection, never the process and every other client.
      logger.error({ err: error }, 'cipher connection failed unexpectedly');
      closeWith('internal', 'internal error');
    }
  });

  const receive = (chunk: Buffer) => {
    if (closing) return;
    let bodies: Buffer[];
    try {
      bodies = decoder.push(chunk);
    } catch (error) {
      if (error instanceof FrameTooLargeError) closeWith('frame_too_large', error.message);
      else closeWith('internal', 'could not read the frame');
      return;
    }
    // One write for all the answers to one read: a syscall per response would cost more than the crypto.
    socket.cork();
    for (const body of bodies) answer(body);
    socket.uncork();
    if (bodies.length > 0 || !decoder.hasPartialFrame) {
      clearTimeout(frameTimer);
      frameTimer = undefined;
    }
    if (decoder.hasPartialFrame) {
      frameTimer ??= setTimeout(() => {
        closeWith('request_timeout', `frame incomplete after ${limits.requestTimeoutMs} ms`);
      }, limits.requestTimeoutMs);
    }
  };
  socket.on('timeout', () => {
    logger.debug('closing idle connection');
    closing = true;
    socket.end();
    setTimeout(() => socket.destroy(), closeGraceMs).unref();
  });
  socket.on('error', (error) => {
    // Resets and broken pipes are the client's business; the server carries on.
    logger.debug({ err: error }, 'connection error');
  });
  socket.on('close', () => {
    clearTimeout(frameTimer);
    metrics.connections.dec();
    logger.debug('connection closed');
  });
}
