import type { Clock } from '../clock.js';
import { isFinalFailure, retryDelayMs, topicOf } from '../domain/events.js';
import type { WebhookPoster } from './poster.js';
import { webhookSignature } from './signature.js';
import type { AttemptRecord, ClaimedDelivery, NotificationStore } from './store.js';

/** Where the worker logs (the server's logger once it exists). */
export interface WorkerLog {
  warn(details: object, message: string): void;
  info(details: object, message: string): void;
}

const silent: WorkerLog = { warn: () => undefined, info: () => undefined };

/** What became of one attempt. */
export type DeliveryOutcome = 'delivered' | 'retrying' | 'failed';

/** Who watches deliveries (the metrics). */
export interface DeliveryObserver {
  /** One attempt ended; `latencyMs` (event stored → delivered) when it was delivered. */
  attempted(outcome: DeliveryOutcome, latencyMs?: number): void;
}

export interface DeliveryWorkerSettings {
  retryDelaysSeconds: readonly number[];
  timeoutMs: number;
  /** POSTs in flight, all subscriptions together. */
  concurrency: number;
  /** POSTs in flight to one subscription's endpoint. */
  endpointConcurrency: number;
  pollMs: number;
}

/** How long a subscription's success is not written again (a write per delivery is not needed). */
const SUCCESS_WRITE_INTERVAL_MS = 10_000;

/** The JSON array of one event, in Event Grid's event schema. */
export function notificationBody(delivery: ClaimedDelivery): string {
  return `[{"id":${JSON.stringify(delivery.event_id)},"topic":${JSON.stringify(
    topicOf(delivery.topic_installation_id),
  )},"subject":${JSON.stringify(delivery.subject)},"eventType":${JSON.stringify(
    delivery.type,
  )},"eventTime":${JSON.stringify(delivery.event_time)},"data":${
    delivery.data
  },"dataVersion":"1","metadataVersion":"1"}]`;
}

/** The secrets a subscription signs with now: its secret, and the one before a rotation for 24 h. */
export function signingSecrets(
  subscription: Pick<ClaimedDelivery, 'secret' | 'previous_secret' | 'previous_secret_expires_at'>,
  now: Date,
): string[] {
  const { secret, previous_secret, previous_secret_expires_at } = subscription;
  return previous_secret &&
    previous_secret_expires_at &&
    previous_secret_expires_at > now.toISOString()
    ? [secret, previous_secret]
    : [secret];
}

/**
 * Posts the outbox's deliveries: at least once, each attempt recorded, failures retried on the
 * schedule (Event Grid's rules: 400, 401, 403, 404 and 413 are final, 410 disables the
 * subscription, anything else is retried), POSTs bounded in all and per endpoint so that a slow
 * receiver holds up only its own deliveries. A delivery is leased while it is posted: a worker
 * that stops (a crash) leaves it to be taken again once the lease runs out.
 */
export class DeliveryWorker {
  /** POSTs in flight and deliveries waiting for a slot, per subscription. */
  private readonly active = new Map<string, number>();
  private readonly waiting = new Map<string, ClaimedDelivery[]>();
  private waitingCount = 0;
  private inFlight = 0;
  private readonly posts = new Set<Promise<void>>();
  private readonly successWritten = new Map<string, number>();
  private pumping: Promise<number> | undefined;
  private again = false;
  private wakeScheduled = false;
  /** Attempts waiting to be written by the next batch, and whether each ends its delivery now. */
  private unrecorded: (AttemptRecord & {
    completes: boolean;
    written: (error?: Error) => void;
  })[] = [];
  private recording: Promise<void> | undefined;
  private stopped = true;
  private timer: NodeJS.Timeout | undefined;
  private log: WorkerLog = silent;
  private observer: DeliveryObserver | undefined;

  constructor(
    private readonly deps: {
      store: NotificationStore;
      poster: WebhookPoster;
      clock: Clock;
      settings: DeliveryWorkerSettings;
      random?: () => number;
    },
  ) {}

  /** Logs to `log` from now on. */
  useLog(log: WorkerLog): void {
    this.log = log;
  }

  /** Tells `observer` of each attempt from now on (the metrics). */
  observe(observer: DeliveryObserver): void {
    this.observer = observer;
  }

  /** Starts posting: now, whenever wake() is called, and every pollMs (retries, other nodes). */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.timer = setInterval(() => this.wake(), this.deps.settings.pollMs);
    this.timer.unref();
    this.wake();
  }

  /**
   * Looks for due deliveries soon (an event was committed, slots were freed): once for all the
   * calls of one turn of the event loop, so that a burst of commits or answers costs one claim.
   */
  wake(): void {
    if (this.stopped || this.wakeScheduled) return;
    this.wakeScheduled = true;
    setImmediate(() => {
      this.wakeScheduled = false;
      if (!this.stopped) void this.pump();
    });
  }

  /** Stops taking deliveries and waits up to `graceMs` for the POSTs in flight. */
  async stop(graceMs = 5000): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    let timeout: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.posts, this.recording]),
      new Promise((resolve) => {
        timeout = setTimeout(resolve, graceMs);
        timeout.unref();
      }),
    ]);
    clearTimeout(timeout);
  }

  /** Takes and posts every delivery due now, and waits for them (tests and the CLI). */
  async runOnce(): Promise<void> {
    const wasStopped = this.stopped;
    this.stopped = false;
    try {
      for (;;) {
        const claimed = await this.pump();
        await Promise.allSettled([...this.posts, this.recording]);
        if (claimed === 0 && this.inFlight === 0 && this.waitingCount === 0) break;
      }
    } finally {
      this.stopped = wasStopped;
    }
  }

  private leaseUntil(now: Date): string {
    // A delivery may wait for a slot for one POST, then take one: twice the timeout, and margin.
    return new Date(now.getTime() + 2 * this.deps.settings.timeoutMs + 10_000).toISOString();
  }

  /** Takes due deliveries while there is room; the number taken. One pass at a time. */
  private pump(): Promise<number> {
    if (this.pumping) {
      this.again = true;
      return this.pumping;
    }
    this.pumping = this.takeDue().finally(() => {
      this.pumping = undefined;
    });
    return this.pumping;
  }

  private async takeDue(): Promise<number> {
    const { settings, store, clock } = this.deps;
    const { log } = this;
    let taken = 0;
    try {
      do {
        this.again = false;
        while (!this.stopped) {
          const capacity = settings.concurrency - this.inFlight - this.waitingCount;
          if (capacity <= 0) break;
          // A subscription's slots are refilled from its queue as answers come, without a
          // claim: up to endpointConcurrency more are taken while its POSTs are under way, so
          // that none waits longer than one POST for a slot (the lease allows for that).
          const busy = [...this.active]
            .filter(
              ([id, count]) =>
                count + (this.waiting.get(id)?.length ?? 0) > settings.endpointConcurrency,
            )
            .map(([id]) => id);
          const now = clock.now();
          const claimed = await store.claimDue({
            now: now.toISOString(),
            leaseUntil: this.leaseUntil(now),
            limit: capacity,
            perSubscription: settings.endpointConcurrency,
            busy,
          });
          taken += claimed.length;
          for (const delivery of claimed) this.dispatch(delivery);
          if (claimed.length < capacity) break;
        }
      } while (this.again && !this.stopped);
    } catch (error) {
      log.warn({ err: error }, 'webhook deliveries could not be taken');
    }
    return taken;
  }

  private dispatch(delivery: ClaimedDelivery): void {
    const id = delivery.subscription_id;
    if ((this.active.get(id) ?? 0) >= this.deps.settings.endpointConcurrency) {
      const queue = this.waiting.get(id) ?? [];
      queue.push(delivery);
      this.waiting.set(id, queue);
      this.waitingCount++;
      return;
    }
    this.active.set(id, (this.active.get(id) ?? 0) + 1);
    this.inFlight++;
    let freed = false;
    // The slot is freed once the endpoint has answered: the attempt's record is written with
    // others of its batch meanwhile, while the slot carries the next POST.
    const free = () => {
      if (freed) return;
      freed = true;
      this.inFlight--;
      const left = (this.active.get(id) ?? 1) - 1;
      if (left === 0) this.active.delete(id);
      else this.active.set(id, left);
      const next = this.waiting.get(id)?.shift();
      if (next) {
        this.waitingCount--;
        if (this.waiting.get(id)?.length === 0) this.waiting.delete(id);
        this.dispatch(next);
      } else {
        this.wake();
      }
    };
    const post = this.deliver(delivery, free)
      .catch((error: unknown) =>
        this.log.warn({ err: error, deliveryId: delivery.id }, 'webhook delivery not recorded'),
      )
      .finally(() => {
        this.posts.delete(post);
        free();
      });
    this.posts.add(post);
  }

  /**
   * Writes an attempt and its delivery's new state with the others of its batch: the answers
   * that come in one turn of the event loop, and those that come while a batch is written, are
   * written together, in one transaction. Resolves once it is written. A delivery that `completes`
   * gets the batch's time as its completed_at.
   */
  private record(
    attempt: AttemptRecord['attempt'],
    delivery: AttemptRecord['delivery'],
    completes = false,
  ): Promise<void> {
    return new Promise((resolve, reject) => {
      this.unrecorded.push({
        attempt,
        delivery,
        completes,
        written: (error) => (error === undefined ? resolve() : reject(error)),
      });
      this.recording ??= this.writeRecords();
    });
  }

  private async writeRecords(): Promise<void> {
    const { store, clock } = this.deps;
    try {
      await new Promise((resolve) => setImmediate(resolve));
      while (this.unrecorded.length > 0) {
        const batch = this.unrecorded;
        this.unrecorded = [];
        const at = clock.now().toISOString();
        try {
          await store.recordAttempts(
            batch.map(({ attempt, delivery, completes }) => ({
              attempt,
              delivery: completes ? { ...delivery, completed_at: at } : delivery,
            })),
          );
          for (const entry of batch) entry.written();
        } catch (error) {
          const failure = error instanceof Error ? error : new Error(String(error));
          for (const entry of batch) entry.written(failure);
        }
      }
    } finally {
      this.recording = undefined;
    }
  }

  /**
   * One attempt: POST, then its record and the delivery's next state, in a batch's transaction.
   * `answered` is called as soon as the POST has ended.
   */
  private async deliver(delivery: ClaimedDelivery, answered: () => void): Promise<void> {
    const { store, poster, clock, settings } = this.deps;
    const { observer } = this;
    if (delivery.subscription_state !== 'Created') {
      await store.updateDelivery(delivery.id, {
        state: 'failed',
        completed_at: clock.now().toISOString(),
        next_attempt_at: null,
        lease_until: null,
      });
      return;
    }
    const body = notificationBody(delivery);
    const started = clock.now();
    const timestamp = Math.floor(started.getTime() / 1000);
    const result = await poster.post(delivery.endpoint_url, body, {
      'aeg-event-type': 'Notification',
      'aeg-subscription-name': delivery.subscription_id.toUpperCase(),
      'aeg-delivery-count': String(delivery.attempt_count),
      'aeg-data-version': '1',
      'aeg-metadata-version': '1',
      'webhook-id': delivery.event_id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': webhookSignature(
        signingSecrets(delivery, started),
        delivery.event_id,
        timestamp,
        body,
      ),
    });
    answered();
    const now = clock.now();
    const at = now.toISOString();
    const attempt = {
      delivery_id: delivery.id,
      attempted_at: started.toISOString(),
      status_code: result.statusCode,
      error: result.error,
      duration_ms: Math.round(result.durationMs),
    };
    const attempts = delivery.attempt_count + 1;
    const status = result.statusCode;
    if (status !== null && status >= 200 && status < 300) {
      await this.record(
        attempt,
        {
          state: 'delivered',
          attempt_count: attempts,
          next_attempt_at: null,
          lease_until: null,
          first_failure_at: null,
        },
        true,
      );
      const written = this.successWritten.get(delivery.subscription_id) ?? 0;
      if (delivery.attempt_count > 0 || now.getTime() - written > SUCCESS_WRITE_INTERVAL_MS) {
        this.successWritten.set(delivery.subscription_id, now.getTime());
        await store.updateSubscription(delivery.subscription_id, { last_success_at: at });
      }
      observer?.attempted('delivered', now.getTime() - Date.parse(delivery.event_created_at));
      return;
    }
    const ended = {
      attempt_count: attempts,
      completed_at: at,
      next_attempt_at: null,
      lease_until: null,
    };
    if (status === 410) {
      await this.record(attempt, { state: 'failed', ...ended });
      await this.disable(delivery, 'The endpoint answered 410 Gone.', at);
      observer?.attempted('failed');
      return;
    }
    if (status !== null && isFinalFailure(status)) {
      await this.record(attempt, { state: 'failed', ...ended });
      observer?.attempted('failed');
      return;
    }
    const firstFailure = delivery.first_failure_at ?? attempt.attempted_at;
    const delay = retryDelayMs(
      settings.retryDelaysSeconds,
      attempts,
      (this.deps.random ?? Math.random)(),
    );
    if (delay === undefined) {
      await this.record(attempt, {
        state: 'failed',
        ...ended,
        first_failure_at: firstFailure,
      });
      // Disabled when nothing reached the endpoint for the whole schedule.
      const latest = await store.findSubscriptionById(delivery.subscription_id);
      if (!latest?.last_success_at || latest.last_success_at < firstFailure) {
        await this.disable(
          delivery,
          `Every delivery failed since ${firstFailure}, through the whole retry schedule.`,
          at,
        );
      }
      observer?.attempted('failed');
      return;
    }
    await this.record(attempt, {
      state: 'pending',
      attempt_count: attempts,
      first_failure_at: firstFailure,
      next_attempt_at: new Date(now.getTime() + delay).toISOString(),
      lease_until: null,
    });
    observer?.attempted('retrying');
  }

  private async disable(delivery: ClaimedDelivery, reason: string, at: string): Promise<void> {
    const { store } = this.deps;
    const disabled = await store.updateSubscription(
      delivery.subscription_id,
      { state: 'Disabled', state_reason: reason, modified_at: at },
      'Created',
    );
    await store.failPending(delivery.subscription_id, at);
    if (disabled)
      this.log.info(
        { subscriptionId: delivery.subscription_id, reason },
        'event subscription disabled',
      );
  }
}
