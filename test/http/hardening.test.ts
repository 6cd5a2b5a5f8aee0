import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, describeEachDialect, type TestApp } from '../helpers/test-app.js';

/** Sends text on a raw connection, then one byte every `everyMs`; resolves with what came back once closed. */
function trickle(
  port: number,
  head: string,
  everyMs: number,
): Promise<{ answer: string; closedAfterMs: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect(port, '127.0.0.1', () => socket.write(head));
    let answer = '';
    const timer = setInterval(() => {
      if (!socket.destroyed) socket.write('a');
    }, everyMs);
    const giveUp = setTimeout(() => {
      clearInterval(timer);
      socket.destroy();
      reject(new Error(`still open after 5 s; got ${JSON.stringify(answer)}`));
    }, 5000);
    socket.on('data', (chunk) => (answer += chunk.toString()));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(timer);
      clearTimeout(giveUp);
      resolve({ answer, closedAfterMs: Date.now() - started });
    });
  });
}

describeEachDialect('HTTP hardening', (dialect) => {
  let t: TestApp;
  let port: number;

  beforeAll(async () => {
    t = await createTestApp(
      dialect,
      { WITTY_HTTP_REQUEST_TIMEOUT_MS: '600', WITTY_HTTP_HEADERS_TIMEOUT_MS: '400' },
      { listen: true },
    );
    port = Number(new URL(t.wsUrl).port);
  });
  afterAll(() => t.close());

  describe('every error is problem+json', () => {
    it('414 for a path parameter over 100 characters', async () => {
      const response = await t.api('GET', `/v1/installations/${'1'.repeat(101)}`);
      expect(response.statusCode).toBe(414);
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect(response.json()).toMatchObject({ status: 414, code: 'URI_TOO_LONG' });
      expect(response.headers['x-request-id']).toEqual(expect.any(String));
    });

    it('431 for a header over 16 KB', async () => {
      const { answer } = await trickle(
        port,
        `GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'a'.repeat(17 * 1024)}\r\n\r\n`,
        10_000,
      );
      const [head, body] = answer.split('\r\n\r\n');
      expect(head).toMatch(/^HTTP\/1\.1 431 /);
      expect(head).toMatch(/content-type: application\/problem\+json/i);
      expect(JSON.parse(body!)).toMatchObject({ status: 431, code: 'HEADERS_TOO_LARGE' });
    });

    it('400 for a request that is not HTTP', async () => {
      const { answer } = await trickle(port, 'NOT HTTP AT ALL\r\n\r\n', 10_000);
      const [head, body] = answer.split('\r\n\r\n');
      expect(head).toMatch(/^HTTP\/1\.1 400 /);
      expect(JSON.parse(body!)).toMatchObject({ status: 400, code: 'MALFORMED_REQUEST' });
    });
  });

  describe('slow clients are closed', () => {
    it('a body trickled one byte at a time', async () => {
      const { answer } = await trickle(
        port,
        'POST /interaction/some-uid/login HTTP/1.1\r\nHost: localhost\r\n' +
          'Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nemail=',
        100,
      );
      expect(answer === '' || answer.startsWith('HTTP/1.1 408')).toBe(true);
      if (answer) expect(answer).toContain('"code":"REQUEST_TIMEOUT"');
    });

    it('headers trickled one byte at a time', async () => {
      const { answer } = await trickle(port, 'GET /healthz HTTP/1.1\r\nX-Slow: ', 100);
      expect(answer === '' || answer.startsWith('HTTP/1.1 408')).toBe(true);
    });

    it('while a prompt request is answered', async () => {
      const response = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(response.status).toBe(200);
    });
  });
});
