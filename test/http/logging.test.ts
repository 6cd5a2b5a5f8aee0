import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { freshDatabase } from '../helpers/test-app.js';

let app: FastifyInstance;
let drop: () => Promise<void>;
const lines: string[] = [];

beforeAll(async () => {
  const database = await freshDatabase('sqlite');
  drop = database.drop;
  app = await buildApp(loadConfig({ ...database.env, WITTY_LOG_LEVEL: 'info' }), {
    logStream: { write: (line) => lines.push(line) },
  });
});
afterAll(async () => {
  await app.close();
  await drop();
});

it('logs JSON lines with the request id, and never the credentials', async () => {
  const response = await app.inject({
    url: '/v1/installations?subscription-key=0123456789abcdef0123456789abcdef&x=1',
    headers: { authorization: 'Bearer secret-token', 'x-request-id': 'req-7' },
  });
  expect(response.statusCode).toBe(401);
  const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  const incoming = records.find((record) => record.msg === 'incoming request');
  expect(incoming).toMatchObject({
    reqId: 'req-7',
    req: { method: 'GET', url: '/v1/installations?subscription-key=[REDACTED]&x=1' },
  });
  const all = lines.join('\n');
  expect(all).not.toContain('0123456789abcdef0123456789abcdef');
  expect(all).not.toContain('secret-token');
});
