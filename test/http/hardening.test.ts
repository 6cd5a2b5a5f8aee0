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

  describe('security headers', () => {
    it('nosniff and a referrer policy everywhere; no-store on /v1', async () => {
      for (const url of ['/healthz', '/v1/installations', '/no-such-page']) {
        const response = await t.api('GET', url);
        expect(response.headers['x-content-type-options']).toBe('nosniff');
        expect(response.headers['referrer-policy']).toBe('no-referrer');
      }
      const api = await t.api('GET', '/v1/installations');
      expect(api.headers['cache-control']).toBe('no-store');
    });

    it('the sign-in pages and the provider cannot be framed nor cached', async () => {
      for (const url of ['/interaction/unknown-uid', '/oauth2/authorize?client_id=x']) {
        const response = await fetch(`http://127.0.0.1:${port}${url}`, { redirect: 'manual' });
        expect(response.headers.get('x-frame-options')).toBe('DENY');
        expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
        expect(response.headers.get('cache-control')).toContain('no-store');
        expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      }
    });
  });

  describe('x-request-id', () => {
    it('keeps a short printable id', async () => {
      const response = await t.api('GET', '/healthz', {
        headers: { 'x-request-id': 'lb-1234.abc:def_9' },
      });
      expect(response.headers['x-request-id']).toBe('lb-1234.abc:def_9');
    });

    it.each([
      ['too long', 'a'.repeat(129)],
      ['with spaces', 'a b'],
      ['with markup', '<script>'],
      ['with a log-line lookalike', 'x","level":60'],
    ])('replaces an id %s by a generated one', async (_case, id) => {
      const response = await t.api('GET', '/healthz', { headers: { 'x-request-id': id } });
      expect(response.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
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

describeEachDialect('/metrics with WITTY_METRICS_TOKEN', (dialect) => {
  let t: TestApp;
  const token = 'metrics-token-0123456789';

  beforeAll(async () => {
    t = await createTestApp(dialect, { WITTY_METRICS_TOKEN: token });
  });
  afterAll(() => t.close());

  it.each([
    ['without a token', undefined],
    ['with a wrong token', 'Bearer metrics-token-wrong'],
  ])('answers 401 problem+json %s', async (_case, authorization) => {
    const response = await t.app.inject({
      url: '/metrics',
      headers: authorization ? { authorization } : {},
    });
    expect(response.statusCode).toBe(401);
    expect(response.headers['content-type']).toContain('application/problem+json');
  });

  it('serves the metrics with the token', async () => {
    const response = await t.app.inject({
      url: '/metrics',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('witty_http_request_duration_seconds');
  });
});
