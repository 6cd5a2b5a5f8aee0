import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Store } from '../db/database.js';

/** Liveness, readiness and Prometheus metrics; request durations by route and status. */
export function registerOperations(
  app: FastifyInstance,
  store: Store,
  gauges: { connectedStations: () => number },
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
      this.set(gauges.connectedStations());
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
  app.get('/readyz', async (_request, reply) => {
    try {
      await store.ping();
      return { status: 'ready', database: store.dialect };
    } catch {
      return reply.status(503).send({ status: 'unavailable', database: store.dialect });
    }
  });
  app.get('/metrics', async (_request, reply) =>
    reply.type(registry.contentType).send(await registry.metrics()),
  );
  return registry;
}
