import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { DeliveryObserver } from './delivery-worker.js';

/**
 * Webhook metrics: attempts by outcome, deliveries waiting, and the time from an event's
 * commit to its delivery. Returns the observer to give the delivery worker.
 */
export function deliveryMetrics(
  registry: Registry,
  pendingCount: () => Promise<number>,
): DeliveryObserver {
  const attempts = new Counter({
    name: 'witty_webhook_deliveries_total',
    help: 'Webhook delivery attempts by outcome (delivered, retrying, failed)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'witty_webhook_delivery_latency_seconds',
    help: 'Time from an event being committed to its delivery',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30, 300, 3600],
    registers: [registry],
  });
  new Gauge({
    name: 'witty_webhook_queue_depth',
    help: 'Webhook deliveries waiting to be delivered (retries included)',
    registers: [registry],
    async collect() {
      this.set(await pendingCount());
    },
  });
  return {
    attempted(outcome, latencyMs) {
      attempts.inc({ outcome });
      if (latencyMs !== undefined) latency.observe(latencyMs / 1000);
    },
  };
}
