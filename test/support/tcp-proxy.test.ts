import { describe, expect, it } from 'vitest';
import { PostgresStatementCounter } from './tcp-proxy.ts';

/** A typed frontend message: type byte, length (itself included), body. */
function message(type: string, body: string): Buffer {
  const payload = Buffer.from(`${body}\0`);
  const header = Buffer.alloc(5);
  header.write(type, 0);
  header.writeInt32BE(4 + payload.length, 1);
  return Buffer.concat([header, payload]);
}

/** An untyped opening message: length, code, body. */
function opening(code: number, body = ''): Buffer {
  const payload = Buffer.from(body);
  const header = Buffer.alloc(8);
  header.writeInt32BE(8 + payload.length, 0);
  header.writeInt32BE(code, 4);
  return Buffer.concat([header, payload]);
}

describe('PostgresStatementCounter', () => {
  const stream = Buffer.concat([
    opening(80877103), // SSLRequest, refused
    opening(196608, 'user\0postgres\0\0'), // StartupMessage, protocol 3.0
    message('p', 'secret'), // password
    message('Q', 'SELECT 1'),
    message('P', 'SELECT $1'),
    message('B', ''),
    message('E', ''),
    message('S', ''),
  ]);

  it('counts simple queries and executes, not the opening, password, parse, bind or sync messages', () => {
    const counter = new PostgresStatementCounter();
    counter.feed(stream);
    expect(counter.statements).toBe(2);
  });

  it('counts the same when the stream arrives one byte at a time', () => {
    const counter = new PostgresStatementCounter();
    for (let i = 0; i < stream.length; i++) counter.feed(stream.subarray(i, i + 1));
    expect(counter.statements).toBe(2);
  });
});
