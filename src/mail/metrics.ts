import { Counter, Gauge, type Registry } from 'prom-client';
import type { MailObserver } from './worker.js';

/** Mail metrics: attempts by outcome and mails waiting. Returns the observer to give the worker. */
export function mailMetrics(registry: Registry, pendingCount: () => Promise<number>): MailObserver {
  const attempts = new Counter({
    name: 'witty_mails_total',
    help: 'Mail sending attempts by outcome (sent, local, retrying, failed)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'witty_mail_queue_depth',
    help: 'Mails waiting to be sent (retries included)',
    registers: [registry],
    async collect() {
      this.set(await pendingCount());
    },
  });
  return { attempted: (outcome) => attempts.inc({ outcome }) };
}
