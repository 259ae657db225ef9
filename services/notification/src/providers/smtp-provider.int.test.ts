// The SMTP provider against a minimal SMTP server on loopback (RFC 5321 happy path):
// what a real mail server would receive.
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSmtpProvider } from './smtp-provider.ts';

interface Received {
  from: string;
  to: string[];
  data: string;
}

function startSmtpServer(received: Received[]): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => {
    let buffer = '';
    let inData = false;
    let current: Received = { from: '', to: [], data: '' };
    const reply = (line: string): void => {
      socket.write(`${line}\r\n`);
    };
    reply('220 test ESMTP');
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      for (let end = buffer.indexOf('\r\n'); end >= 0; end = buffer.indexOf('\r\n')) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (inData) {
          if (line === '.') {
            inData = false;
            received.push(current);
            current = { from: '', to: [], data: '' };
            reply('250 queued');
          } else {
            current.data += `${line.startsWith('..') ? line.slice(1) : line}\n`;
          }
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO' || verb === 'HELO') reply('250 test');
        else if (verb === 'MAIL') {
          current.from = /<([^>]*)>/.exec(line)?.[1] ?? '';
          reply('250 ok');
        } else if (verb === 'RCPT') {
          current.to.push(/<([^>]*)>/.exec(line)?.[1] ?? '');
          reply('250 ok');
        } else if (verb === 'DATA') {
          inData = true;
          reply('354 go on');
        } else if (verb === 'QUIT') {
          reply('221 bye');
          socket.end();
        } else reply('250 ok');
      }
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve({ server, port: typeof address === 'object' && address ? address.port : 0 });
    });
  });
}

const received: Received[] = [];
let smtp: { server: Server; port: number };

beforeAll(async () => {
  smtp = await startSmtpServer(received);
});

afterAll(async () => {
  await new Promise((resolve) => smtp.server.close(resolve));
});

describe('SMTP provider', () => {
  it('reaches riders with an e-mail address only', () => {
    const provider = createSmtpProvider({ url: 'smtp://127.0.0.1:1', from: 'tickets@metrox.local' });
    expect(provider.address({ riderId: 'r', email: 'asha@example.org', phone: '', displayName: '' })).toBe('asha@example.org');
    expect(provider.address({ riderId: 'r', email: '', phone: '+91', displayName: '' })).toBeUndefined();
  });

  it('delivers the message with the notification id as Message-ID', async () => {
    const provider = createSmtpProvider({ url: `smtp://127.0.0.1:${smtp.port}?ignoreTLS=true`, from: 'tickets@metrox.local' });
    try {
      const receipt = await provider.send({ notificationId: 'n-42', to: 'asha@example.org', subject: 'Your ticket', body: 'Have a good journey.' });
      expect(receipt.providerMessageId).toBe('<n-42@metrox.local>');
      expect(received).toHaveLength(1);
      expect(received[0]).toMatchObject({ from: 'tickets@metrox.local', to: ['asha@example.org'] });
      expect(received[0]?.data).toContain('Message-ID: <n-42@metrox.local>');
      expect(received[0]?.data).toContain('Subject: Your ticket');
      expect(received[0]?.data).toContain('Have a good journey.');
    } finally {
      await provider.close?.();
    }
  });
});
