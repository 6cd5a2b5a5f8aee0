import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../errors.js';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Store } from '../db/database.js';

/** The routes every node serves, whatever its role: liveness, readiness and metrics. */
export const OPERATIONS_PATHS: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics']);

/** Liveness, readiness and Prometheus metrics; request durations by route and status. */
export function registerOperations(
  app: FastifyInstance,
  store: Store,
  options: {
    /** This node's id and role, reported by /readyz. */
    node: { id: string; role: string };
    /** Whether the NATS bus is connected; absent on a node without one. */
    nats?: () => boolean;
    connectedStations: () => number;
    metricsToken: string | null;
  },
): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'witty_' });
  const duration = new Histogram({
    name: 'witty_http_request_duration_seconds',
    help: 'HTTP request duration by method, route and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const errors = new Counter({
    name: 'witty_http_errors_total',
    help: 'HTTP responses with a status of 500 or more',
    labelNames: ['route'] as const,
    registers: [registry],
  });

  new Gauge({
    name: 'witty_ocpp_connected_stations',
    help: 'Charging stations connected to this process over OCPP',
    registers: [registry],
    collect() {
      this.set(options.connectedStations());
    },
  });

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    duration.observe(
      { method: request.method, route, status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    if (reply.statusCode >= 500) errors.inc({ route });
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  // Ready when the database answers and, on a node with a bus, NATS is connected.
  app.get('/readyz', async (_request, reply) => {
    const database = await store.ping().then(
      () => 'up',
      () => 'down',
    );
    const nats = options.nats ? (options.nats() ? 'up' : 'down') : 'none';
    const ready = database === 'up' && nats !== 'down';
    return reply.status(ready ? 200 : 503).send({
      status: ready ? 'ready' : 'unavailable',
      node: options.node.id,
      role: options.node.role,
      database: store.dialect,
      dependencies: { database, nats },
    });
  });
  const digest = (text: string) => createHash('sha256').update(text).digest();
  const expected = options.metricsToken === null ? null : digest(`Bearer ${options.metricsToken}`);
  app.get('/metrics', async (request, reply) => {
    // With WITTY_METRICS_TOKEN set, Prometheus sends it as a bearer token.
    if (expected && !timingSafeEqual(digest(request.headers.authorization ?? ''), expected)) {
      throw new ApiError(
        'ACCESS_TOKEN_INVALID',
        'Send the metrics token as "Authorization: Bearer <token>".',
        {
          headers: { 'www-authenticate': 'Bearer realm="witty-metrics"' },
        },
      );
    }
    return reply.type(registry.contentType).send(await registry.metrics());
  });
  return registry;
}
