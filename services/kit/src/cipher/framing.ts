// Length-prefixed frames over a byte stream: a 4-byte big-endian body length, then
// the body. TCP delivers bytes, not messages, so a read may hold half a frame or
// several frames back to back; the decoder reassembles exactly the frames sent.

export const frameHeaderBytes = 4;

/** A declared frame length above the limit: the stream cannot be trusted past this point. */
export class FrameTooLargeError extends Error {
  readonly declaredBytes: number;
  readonly maxBytes: number;

  constructor(declaredBytes: number, maxBytes: number) {
    super(`frame of ${declaredBytes} bytes exceeds the maximum of ${maxBytes} bytes`);
    this.name = 'FrameTooLargeError';
    this.declaredBytes = declaredBytes;
    this.maxBytes = maxBytes;
  }
}

export function encodeFrame(body: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(frameHeaderBytes + body.length);
  frame.writeUInt32BE(body.length, 0);
  body.copy(frame, frameHeaderBytes);
  return frame;
}

export class FrameDecoder {
  readonly #maxBodyBytes: number;
  #chunks: Buffer[] = [];
  #buffered = 0;
  #expected: number | undefined;

  constructor(maxBodyBytes: number) {
    this.#maxBodyBytes = maxBodyBytes;
  }

  /** True while bytes of an unfinished frame are held. */
  get hasPartialFrame(): boolean {
    return this.#buffered > 0 || this.#expected !== undefined;
  }

  /**
   * Adds received bytes and returns every frame body they complete, in order.
   * Throws FrameTooLargeError as soon as a header declares too many bytes, before
   * the body is buffered.
   */
  push(chunk: Buffer): Buffer[] {
    if (chunk.length > 0) {
      this.#chunks.push(chunk);
      this.#buffered += chunk.length;
    }
    const bodies: Buffer[] = [];
    for (;;) {
      if (this.#expected === undefined) {
        if (this.#buffered < frameHeaderBytes) break;
        const declared = this.#take(frameHeaderBytes).readUInt32BE(0);
        if (declared > this.#maxBodyBytes) throw new FrameTooLargeError(declared, this.#maxBodyBytes);
        this.#expected = declared;
      }
      if (this.#buffered < this.#expected) break;
      bodies.push(this.#take(this.#expected));
      this.#expected = undefined;
    }
    return bodies;
  }

  // Joins only as many chunks as needed: byte-by-byte arrival stays linear.
  #take(bytes: number): Buffer {
    const first = this.#chunks[0];
    let out: Buffer;
    if (first !== undefined && first.length >= bytes) {
      out = first.subarray(0, bytes);
      if (first.length === bytes) this.#chunks.shift();
      else this.#chunks[0] = first.subarray(bytes);
    } else {
      out = Buffer.allocUnsafe(bytes);
      let filled = 0;
      while (filled < bytes) {
        const head = this.#chunks[0];
        if (head === undefined) throw new Error('frame decoder took more bytes than it holds');
        const n = Math.min(head.length, bytes - filled);
        head.copy(out, filled, 0, n);
        filled += n;
        if (n === head.length) this.#chunks.shift();
        else this.#chunks[0] = head.subarray(n);
      }
    }
    this.#buffered -= bytes;
    return out;
  }
}
