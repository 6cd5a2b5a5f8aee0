import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { subjectToken } from '../../src/bus/index.js';
import { ROLES, runs, type Role } from '../../src/config.js';
import type { Store } from '../../src/db/database.js';
import { registerOperations } from '../../src/http/operations.js';

describe('what each role runs', () => {
  const table: [Role, { api: boolean; gateway: boolean; worker: boolean }][] = [
    ['all', { api: true, gateway: true, worker: true }],
    ['api', { api: true, gateway: false, worker: false }],
    ['gateway', { api: false, gateway: true, worker: false }],
    ['worker', { api: false, gateway: false, worker: true }],
  ];
  it.each(table)('%s', (role, parts) => {
    expect({
      api: runs(role, 'api'),
      gateway: runs(role, 'gateway'),
      worker: runs(role, 'worker'),
    }).toEqual(parts);
  });
  it('covers every role', () => {
    expect(table.map(([role]) => role)).toEqual([...ROLES]);
  });
});

describe('a uid as a NATS subject token', () => {
  it.each([
    ['XEVFR-123_A', 'XEVFR-123_A'],
    ['a.b', 'a~2e~b'],
    ['a*b>c', 'a~2a~b~3e~c'],
    ['a b', 'a~20~b'],
    ['a~b', 'a~7e~b'],
    ['borne-é', 'borne-~e9~'],
    ['😀', '~1f600~'],
  ])('%j → %j', (uid, token) => {
    expect(subjectToken(uid)).toBe(token);
    expect(token).toMatch(/^[A-Za-z0-9_~-]+$/);
  });
  it('two uids never share a token', () => {
    const uids = ['a.b', 'a~2e~b', 'a_b', 'a-b', 'a b', 'a~20~b'];
    expect(new Set(uids.map(subjectToken)).size).toBe(uids.length);
  });
});

describe('/readyz: the database and, on a node with a bus, NATS', () => {
  it.each([
    [true, undefined, 200, 'up', 'none'],
    [true, true, 200, 'up', 'up'],
    [true, false, 503, 'up', 'down'],
    [false, undefined, 503, 'down', 'none'],
    [false, true, 503, 'down', 'up'],
    [false, false, 503, 'down', 'down'],
  ] as const)(
    'database answers %s, NATS %s → %i',
    async (databaseUp, natsUp, status, database, nats) => {
      const app = Fastify();
      const store = {
        dialect: 'postgres',
        ping: () => (databaseUp ? Promise.resolve() : Promise.reject(new Error('down'))),
      } as unknown as Store;
      registerOperations(app, store, {
        node: { id: 'node-1', role: 'api' },
        ...(natsUp === undefined ? {} : { nats: () => natsUp }),
        connectedStations: () => 0,
        metricsToken: null,
      });
      const response = await app.inject('/readyz');
      expect(response.statusCode).toBe(status);
      expect(response.json()).toEqual({
        status: status === 200 ? 'ready' : 'unavailable',
        node: 'node-1',
        role: 'api',
        database: 'postgres',
        dependencies: { database, nats },
      });
      await app.close();
    },
  );
});
