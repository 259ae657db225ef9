import { describe, expect, it } from 'vitest';
import { encodeFrame, FrameDecoder, FrameTooLargeError } from './framing.ts';

const frames = (...bodies: string[]) => Buffer.concat(bodies.map((body) => encodeFrame(Buffer.from(body))));
const text = (buffers: Buffer[]) => buffers.map((buffer) => buffer.toString());

describe('length-prefixed framing', () => {
  it('reassembles frames split byte by byte', () => {
    const decoder = new FrameDecoder(1024);
    const stream = frames('{"id":1}', '', 'second');
    const out: Buffer[] = [];
    for (const byte of stream) out.push(...decoder.push(Buffer.from([byte])));
    expect(text(out)).toEqual(['{"id":1}', '', 'second']);
    expect(decoder.hasPartialFrame).toBe(false);
  });

  it('separates frames merged back to back in one chunk', () => {
    const decoder = new FrameDecoder(1024);
    expect(text(decoder.push(frames('a', 'bb', 'ccc')))).toEqual(['a', 'bb', 'ccc']);
  });

  it('holds a partial frame across chunks that straddle frame boundaries', () => {
    const decoder = new FrameDecoder(1024);
    const stream = frames('first', 'second', 'third');
    expect(text(decoder.push(stream.subarray(0, 7)))).toEqual([]);
    expect(decoder.hasPartialFrame).toBe(true);
    expect(text(decoder.push(stream.subarray(7, 12)))).toEqual(['first']);
    expect(text(decoder.push(stream.subarray(12)))).toEqual(['second', 'third']);
    expect(decoder.hasPartialFrame).toBe(false);
  });

  it('counts a header without its body as a partial frame', () => {
    const decoder = new FrameDecoder(1024);
    decoder.push(encodeFrame(Buffer.from('body')).subarray(0, 4));
    expect(decoder.hasPartialFrame).toBe(true);
  });

  it('refuses an oversized frame from its header, before the body arrives', () => {
    const decoder = new FrameDecoder(16);
    const header = Buffer.alloc(4);
    header.writeUInt32BE(17);
    expect(() => decoder.push(header)).toThrow(FrameTooLargeError);
    expect(() => new FrameDecoder(16).push(encodeFrame(Buffer.alloc(16)))).not.toThrow();
  });
});
