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

  describe('slow clients are closed', () => {
    it('a body trickled one byte at a time', async () => {
      const { answer } = await trickle(
        port,
        'POST /interaction/some-uid/login HTTP/1.1\r\nHost: localhost\r\n' +
          'Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nemail=',
        100,
      );
      expect(answer === '' || answer.startsWith('HTTP/1.1 408')).toBe(true);
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
