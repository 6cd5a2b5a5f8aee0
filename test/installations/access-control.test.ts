import Fastify from 'fastify';
import { expect, it } from 'vitest';
import {
  registerAccessControl,
  routeKey,
  type InstallationAccess,
} from '../../src/installations/index.js';

// The access table is consulted by every /v1 route: a route it lacks cannot even be registered.
it('a /v1 route missing from the table is refused when it is registered', async () => {
  const app = Fastify();
  await app.register(
    async (api) => {
      registerAccessControl(api, {} as InstallationAccess);
      expect(() => api.get('/installations/:installationId/gadgets', () => 'x')).toThrow(
        'GET /installations/{installationId}/gadgets has no entry in ROUTE_CAPABILITIES',
      );
      // A route of the table registers, its HEAD twin with it.
      expect(() => api.get('/installations/:installationId', () => 'x')).not.toThrow();
    },
    { prefix: '/v1' },
  );
  await app.close();
});

it.each([
  ['GET', '/v1/installations/:installationId', 'GET /installations/{installationId}'],
  [
    'post',
    '/v1/installations/:installationId/users/:accountId/operators/disable',
    'POST /installations/{installationId}/users/{accountId}/operators/disable',
  ],
])('routeKey(%s, %s) is %s', (method, url, key) => {
  expect(routeKey(method, url)).toBe(key);
});
