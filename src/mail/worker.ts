import type { Clock } from '../clock.js';
import { retryDelayMs } from '../domain/events.js';
import type { MailRow, MailStore } from './store.js';
import { MailSendError, type MailTransport } from './transport.js';

/** Where the worker logs (the server's logger once it exists). */
export interface MailWorkerLog {
  warn(details: object, message: string): void;
}

/** What became of one attempt: sent by SMTP, kept in the local outbox, to retry, or given up. */
export type MailOutcome = 'sent' | 'local' | 'retrying' | 'failed';

/** Who watches the sending (the metrics). */
export interface MailObserver {
  attempted(outcome: MailOutcome): void;
}

export interface MailWorkerSettings {
  retryDelaysSeconds: readonly number[];
  /** How often due mails are looked for (retries, mails queued by other processes), ms. */
  pollMs: number;
  /** Mails sent at once. */
  concurrency: number;
}

/** A mail is held this long by the worker sending it; past it, any worker may take it again. */
const LEASE_MS = 120_000;

/**
 * Sends the mail outbox: each mail is leased while it is sent, so a worker that stops (a crash)
 * leaves it to be sent again once the lease runs out (at least once, with the same Message-ID).
 * A failure is retried on the schedule; a refusal of the mail itself (5xx) is final.
 */
export class MailWorker {
  private stopped = true;
  private timer: NodeJS.Timeout | undefined;
  private pumping: Promise<number> | undefined;
  private again = false;
  private log: MailWorkerLog = { warn: () => undefined };
  private observer: MailObserver | undefined;

  constructor(
    private readonly deps: {
      store: MailStore;
      transport: MailTransport;
      clock: Clock;
      settings: MailWorkerSettings;
      random?: () => number;
    },
  ) {}

  useLog(log: MailWorkerLog): void {
    this.log = log;
  }

  observe(observer: MailObserver): void {
    this.observer = observer;
  }

  /** Starts sending: now, whenever wake() is called, and every pollMs. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.timer = setInterval(() => this.wake(), this.deps.settings.pollMs);
    this.timer.unref();
    this.wake();
  }

  /** Looks for due mails soon (a mail was queued). */
  wake(): void {
    if (this.stopped) return;
    void this.pump();
  }

  /** Stops taking mails and waits up to `graceMs` for the ones being sent. */
  async stop(graceMs = 5000): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    let timeout: NodeJS.Timeout | undefined;
    await Promise.race([
      this.pumping,
      new Promise((resolve) => {
        timeout = setTimeout(resolve, graceMs);
        timeout.unref();
      }),
    ]);
    clearTimeout(timeout);
  }

  /** Sends every mail due now and waits for the answers (tests and the CLI). */
  async runOnce(): Promise<void> {
    const wasStopped = this.stopped;
    this.stopped = false;
    try {
      while ((await this.pump()) > 0);
    } finally {
      this.stopped = wasStopped;
    }
  }

  /** One pass at a time; a wake during a pass makes it go round again. The number sent. */
  private pump(): Promise<number> {
    if (this.pumping) {
      this.again = true;
      return this.pumping;
    }
    this.pumping = this.sendDue().finally(() => {
      this.pumping = undefined;
    });
    return this.pumping;
  }

  private async sendDue(): Promise<number> {
    const { store, clock, settings } = this.deps;
    let taken = 0;
    try {
      do {
        this.again = false;
        while (!this.stopped) {
          const now = clock.now();
          const claimed = await store.claimDue({
            now: now.toISOString(),
            leaseUntil: new Date(now.getTime() + LEASE_MS).toISOString(),
            limit: settings.concurrency,
          });
          taken += claimed.length;
          await Promise.all(claimed.map((mail) => this.send(mail)));
          if (claimed.length < settings.concurrency) break;
        }
      } while (this.again && !this.stopped);
    } catch (error) {
      this.log.warn({ err: error }, 'mails could not be taken');
    }
    return taken;
  }

  /** One attempt, and the mail's next state. */
  private async send(mail: MailRow): Promise<void> {
    const { transport, clock, settings } = this.deps;
    const attempts = mail.attempts + 1;
    try {
      await transport.send({
        id: mail.id,
        to: mail.to_address,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
      });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      const permanent = error instanceof MailSendError && error.permanent;
      const delay = permanent
        ? undefined
        : retryDelayMs(settings.retryDelaysSeconds, attempts, (this.deps.random ?? Math.random)());
      const failed = delay === undefined;
      await this.record(mail, {
        state: failed ? 'failed' : 'pending',
        attempts,
        next_attempt_at: failed ? null : new Date(clock.now().getTime() + delay).toISOString(),
        lease_until: null,
        last_error: reason.slice(0, 1000),
      });
      this.log.warn(
        { mailId: mail.id, attempts, err: reason },
        failed ? 'mail not sent, given up' : 'mail not sent, will retry',
      );
      this.observer?.attempted(failed ? 'failed' : 'retrying');
      return;
    }
    const outcome = transport.kind === 'local' ? 'local' : 'sent';
    await this.record(mail, {
      state: outcome,
      attempts,
      next_attempt_at: null,
      lease_until: null,
      last_error: null,
      sent_at: clock.now().toISOString(),
    });
    this.observer?.attempted(outcome);
  }

  private async record(mail: MailRow, values: Parameters<MailStore['update']>[1]): Promise<void> {
    try {
      await this.deps.store.update(mail.id, values);
    } catch (error) {
      // The lease runs out and the mail is taken again: sent twice rather than never.
      this.log.warn({ err: error, mailId: mail.id }, 'mail state not recorded');
    }
  }
}
