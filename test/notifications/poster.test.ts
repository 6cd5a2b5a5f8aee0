import { once } from 'node:events';
import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createWebhookPoster,
  type ResolveAll,
  type WebhookPoster,
} from '../../src/notifications/index.js';
import { publicOnlyLookup } from '../../src/notifications/poster.js';

interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A webhook receiver on 127.0.0.1 that answers by path and counts the connections it accepts. */
async function startReceiver() {
  const received: ReceivedRequest[] = [];
  let connections = 0;
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      answer(new URL(request.url ?? '/', 'http://receiver').pathname, response);
    });
  });
  server.on('connection', () => connections++);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    received,
    connections: () => connections,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

function answer(path: string, response: http.ServerResponse) {
  switch (path) {
    case '/ok':
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{"validationResponse":"512d38b6-c7b8-40c8-89fe-f46f9e9622b6"}');
      return;
    case '/accepted-empty':
      response.writeHead(202).end();
      return;
    case '/error':
      response.writeHead(500).end('boom');
      return;
    case '/gone':
      response.writeHead(410).end();
      return;
    case '/redirect':
      response.writeHead(302, { location: '/ok' }).end('see /ok');
      return;
    case '/silent':
      return; // never answers
    case '/big':
      response.writeHead(200).end('x'.repeat(1_000_000));
      return;
    case '/endless': {
      // An answer that never ends: only a reader that stops at its limit returns.
      response.writeHead(200);
      const chunk = 'y'.repeat(16_384);
      const pump = () => {
        while (!response.destroyed && response.write(chunk));
        if (!response.destroyed) response.once('drain', pump);
      };
      pump();
      return;
    }
    case '/stalled-body':
      response.writeHead(200);
      response.write('half an ans');
      return; // the rest never comes
    case '/euro':
      response.writeHead(200).end('€€€'); // three bytes each
      return;
    default:
      response.writeHead(404).end();
  }
}

type Receiver = Awaited<ReturnType<typeof startReceiver>>;

describe('the webhook poster, private addresses allowed', () => {
  let receiver: Receiver;
  let poster: WebhookPoster;

  beforeAll(async () => {
    receiver = await startReceiver();
    poster = createWebhookPoster({ timeoutMs: 5_000, maxResponseBytes: 64, allowPrivate: true });
  });
  afterAll(async () => {
    await poster.close();
    await receiver.close();
  });
  afterEach(() => {
    receiver.received.length = 0;
  });

  it('posts the body and headers as sent and returns a 2xx with the start of its body', async () => {
    const body = '[{"id":"e1","eventType":"XEVFR.state_EVCS_session"}]';
    const result = await poster.post(receiver.url('/ok?code=abc'), body, {
      'aeg-event-type': 'Notification',
      'webhook-id': 'e1',
      'webhook-timestamp': '1700000000',
      'webhook-signature': 'v1,abc=',
    });
    expect(result).toEqual({
      statusCode: 200,
      error: null,
      durationMs: expect.any(Number),
      body: '{"validationResponse":"512d38b6-c7b8-40c8-89fe-f46f9e9622b6"}',
    });
    expect(receiver.received).toHaveLength(1);
    const [request] = receiver.received;
    expect(request).toMatchObject({ method: 'POST', url: '/ok?code=abc', body });
    expect(request?.headers).toMatchObject({
      'aeg-event-type': 'Notification',
      'webhook-id': 'e1',
      'webhook-timestamp': '1700000000',
      'webhook-signature': 'v1,abc=',
      'content-type': 'application/json',
      'user-agent': 'Witty-Home-Webhooks/1',
      'content-length': String(Buffer.byteLength(body)),
    });
  });

  it("keeps the caller's content type and user agent, whatever their case", async () => {
    await poster.post(receiver.url('/accepted-empty'), 'a=1', {
      'Content-Type': 'application/x-www-form-urlencoded',
      'User-Agent': 'Partner-Test/2',
    });
    const [request] = receiver.received;
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(request?.headers['user-agent']).toBe('Partner-Test/2');
    expect(request?.body).toBe('a=1');
  });

  it.each([
    ['/accepted-empty', 202, ''],
    ['/error', 500, 'boom'],
    ['/gone', 410, ''],
    ['/nowhere', 404, ''],
  ])('returns %s as its status %i with its body', async (path, statusCode, body) => {
    const result = await poster.post(receiver.url(path), '[]', {});
    expect(result).toMatchObject({ statusCode, error: null, body });
  });

  it('does not follow a redirect: the 302 is the answer', async () => {
    const result = await poster.post(receiver.url('/redirect'), '[]', {});
    expect(result).toMatchObject({ statusCode: 302, error: null, body: 'see /ok' });
    expect(receiver.received.map((request) => request.url)).toEqual(['/redirect']);
  });

  it('cuts an answer longer than maxResponseBytes, its status still counting', async () => {
    const result = await poster.post(receiver.url('/big'), '[]', {});
    expect(result).toMatchObject({ statusCode: 200, error: null, body: 'x'.repeat(64) });
  });

  it('stops reading an answer that never ends at maxResponseBytes', async () => {
    const result = await poster.post(receiver.url('/endless'), '[]', {});
    expect(result).toMatchObject({ statusCode: 200, error: null, body: 'y'.repeat(64) });
  });

  it('does not split a character at the cut', async () => {
    const small = createWebhookPoster({
      timeoutMs: 5_000,
      maxResponseBytes: 7,
      allowPrivate: true,
    });
    try {
      const result = await small.post(receiver.url('/euro'), '[]', {});
      expect(result.body).toBe('€€');
    } finally {
      await small.close();
    }
  });

  it('reuses a keep-alive connection from one post to the next', async () => {
    const single = createWebhookPoster({
      timeoutMs: 5_000,
      maxResponseBytes: 64,
      allowPrivate: true,
      connectionsPerOrigin: 1,
    });
    const before = receiver.connections();
    try {
      await single.post(receiver.url('/ok'), '[]', {});
      await Promise.all([1, 2, 3].map(() => single.post(receiver.url('/ok'), '[]', {})));
      await single.post(receiver.url('/error'), '[]', {});
    } finally {
      await single.close();
    }
    expect(receiver.received).toHaveLength(5);
    expect(receiver.connections() - before).toBe(1);
  });

  it('returns no status and a timeout error when the receiver never answers', async () => {
    const impatient = createWebhookPoster({
      timeoutMs: 200,
      maxResponseBytes: 64,
      allowPrivate: true,
    });
    try {
      const result = await impatient.post(receiver.url('/silent'), '[]', {});
      expect(result).toMatchObject({
        statusCode: null,
        error: 'timed out: no answer within 200 ms',
        body: '',
      });
    } finally {
      await impatient.close();
    }
  });

  it('keeps the status and what came of a body the deadline cut short', async () => {
    const impatient = createWebhookPoster({
      timeoutMs: 200,
      maxResponseBytes: 64,
      allowPrivate: true,
    });
    try {
      const result = await impatient.post(receiver.url('/stalled-body'), '[]', {});
      expect(result).toMatchObject({ statusCode: 200, error: null, body: 'half an ans' });
    } finally {
      await impatient.close();
    }
  });

  it('returns no status and the network error when the connection is refused', async () => {
    const closed = await startReceiver();
    await closed.close();
    const result = await poster.post(closed.url('/ok'), '[]', {});
    expect(result).toMatchObject({ statusCode: null, body: '' });
    expect(result.error).toMatch(/ECONNREFUSED/);
  });

  it.each([
    ['not a URL', 'not a url', {}, 'protocolData must be an http or https URL'],
    ['a header undici forbids', '/ok', { 'transfer-encoding': 'chunked' }, /transfer-encoding/],
  ])('never throws: %s is a failed result', async (_name, path, headers, error) => {
    const url = path.startsWith('/') ? receiver.url(path) : path;
    const result = await poster.post(url, '[]', headers);
    expect(result).toMatchObject({ statusCode: null, body: '' });
    expect(result.error).toMatch(error);
  });

  it('returns a failed result once closed', async () => {
    const closing = createWebhookPoster({
      timeoutMs: 5_000,
      maxResponseBytes: 64,
      allowPrivate: true,
    });
    await closing.close();
    const result = await closing.post(receiver.url('/ok'), '[]', {});
    expect(result.statusCode).toBeNull();
    expect(result.error).toMatch(/closed|destroyed/i);
    expect(receiver.received).toHaveLength(0);
  });
});

describe('the webhook poster, private addresses refused', () => {
  let receiver: Receiver;
  const lookedUp: string[] = [];
  // hooks.example stands for a name whose DNS now points at the platform's own host.
  const fakeDns: ResolveAll = (hostname, _options, callback) => {
    lookedUp.push(hostname);
    callback(null, [{ address: '127.0.0.1', family: 4 }]);
  };
  let poster: WebhookPoster;

  beforeAll(async () => {
    receiver = await startReceiver();
    poster = createWebhookPoster({
      timeoutMs: 5_000,
      maxResponseBytes: 64,
      allowPrivate: false,
      resolveAll: fakeDns,
    });
  });
  afterAll(async () => {
    await poster.close();
    await receiver.close();
  });

  it.each([
    ['http://127.0.0.1:PORT/ok', 'protocolData must be an https URL'],
    ['https://127.0.0.1:PORT/ok', 'the address 127.0.0.1 is loopback'],
    ['https://10.0.0.1/', 'the address 10.0.0.1 is private'],
    ['https://169.254.169.254/latest/meta-data/', 'the address 169.254.169.254 is link-local'],
    ['https://[::1]:PORT/ok', 'the address ::1 is loopback'],
    [
      'https://[::ffff:127.0.0.1]:PORT/ok',
      'the address ::ffff:7f00:1 is loopback (it stands for 127.0.0.1)',
    ],
    ['https://hooks.example:PORT/ok', 'hooks.example resolves to 127.0.0.1, which is loopback'],
  ])('refuses %s without connecting', async (url, error) => {
    const result = await poster.post(url.replace('PORT', String(receiver.port)), '[]', {});
    expect(result).toMatchObject({ statusCode: null, error, body: '' });
    expect(receiver.connections()).toBe(0);
  });

  it('resolves the name again at each connection, so a changed record is seen', async () => {
    lookedUp.length = 0;
    const url = `https://hooks.example:${receiver.port}/ok`;
    await poster.post(url, '[]', {});
    await poster.post(url, '[]', {});
    expect(lookedUp).toEqual(['hooks.example', 'hooks.example']);
    expect(receiver.connections()).toBe(0);
  });

  it('refuses localhost, which the system resolver maps to the loopback', async () => {
    const systemDns = createWebhookPoster({
      timeoutMs: 5_000,
      maxResponseBytes: 64,
      allowPrivate: false,
    });
    try {
      const result = await systemDns.post(`https://localhost:${receiver.port}/ok`, '[]', {});
      expect(result).toMatchObject({ statusCode: null, body: '' });
      expect(result.error).toMatch(/^localhost resolves to (127\.0\.0\.1|::1), which is loopback$/);
    } finally {
      await systemDns.close();
    }
    expect(receiver.connections()).toBe(0);
  });
});

describe('publicOnlyLookup', () => {
  /** A resolver answering every name with these addresses, or this error. */
  const answering =
    (addresses: string[], error: NodeJS.ErrnoException | null = null): ResolveAll =>
    (_hostname, _options, callback) =>
      callback(
        error,
        addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
      );

  /** What net.connect would get back, with every address or one. */
  const lookUp = (resolveAll: ResolveAll, all: boolean) =>
    new Promise<{ error: NodeJS.ErrnoException | null; address: unknown; family?: number }>(
      (resolve) =>
        publicOnlyLookup(resolveAll)('hooks.example', { all }, (error, address, family) =>
          resolve({ error, address, family }),
        ),
    );

  it('hands every public address on when net races IPv4 and IPv6', async () => {
    const resolved = await lookUp(answering(['93.184.215.14', '2606:2800:21f:cb07::1']), true);
    expect(resolved.error).toBeNull();
    expect(resolved.address).toEqual([
      { address: '93.184.215.14', family: 4 },
      { address: '2606:2800:21f:cb07::1', family: 6 },
    ]);
  });

  it('hands the first public address on when net asks for one', async () => {
    const resolved = await lookUp(answering(['2606:2800:21f:cb07::1', '93.184.215.14']), false);
    expect(resolved).toEqual({ error: null, address: '2606:2800:21f:cb07::1', family: 6 });
  });

  it.each([
    [['10.1.2.3'], 'hooks.example resolves to 10.1.2.3, which is private'],
    [['93.184.215.14', '127.0.0.1'], 'hooks.example resolves to 127.0.0.1, which is loopback'],
    [['169.254.169.254'], 'hooks.example resolves to 169.254.169.254, which is link-local'],
    [['fd00:ec2::254'], 'hooks.example resolves to fd00:ec2::254, which is unique-local (private)'],
    [
      ['::ffff:10.0.0.1'],
      'hooks.example resolves to ::ffff:10.0.0.1, which is private (it stands for 10.0.0.1)',
    ],
  ])('refuses a name resolving to %j', async (addresses, message) => {
    for (const all of [true, false]) {
      const resolved = await lookUp(answering(addresses), all);
      expect(resolved.error?.message).toBe(message);
      expect(resolved.error?.code).toBe('ERR_WEBHOOK_ADDRESS_REFUSED');
    }
  });

  it('passes a resolver error on', async () => {
    const notFound: NodeJS.ErrnoException = new Error('getaddrinfo ENOTFOUND hooks.example');
    notFound.code = 'ENOTFOUND';
    expect((await lookUp(answering([], notFound), true)).error).toBe(notFound);
  });

  it('turns an empty answer into ENOTFOUND', async () => {
    const resolved = await lookUp(answering([]), false);
    expect(resolved.error?.code).toBe('ENOTFOUND');
    expect(resolved.error?.message).toBe('hooks.example has no address');
  });
});
