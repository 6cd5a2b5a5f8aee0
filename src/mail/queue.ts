import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { CommitHooks, Executor } from '../db/unit-of-work.js';
import type { MailMessage } from './messages.js';
import { renderMail } from './render.js';
import { insertMail } from './store.js';

/** What an address must look like to be queued: one mailbox, no header tricks. */
const ADDRESS = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+$/;

/** Whether `address` can be queued (enqueue throws otherwise). */
export function isMailAddress(address: string): boolean {
  return ADDRESS.test(address);
}

/**
 * The mail outbox, bound to a unit of work: a mail is rendered and stored with the change that
 * caused it, and the mail worker is woken once that commits. Nothing is sent here, so an API
 * call never waits for a mail server.
 */
export class MailQueue {
  constructor(
    private readonly executor: Executor,
    private readonly hooks: CommitHooks,
    private readonly clock: Clock,
    private readonly wake: () => void,
  ) {}

  /** Stores the mail in the caller's unit of work; the worker sends it after commit. */
  async enqueue(message: MailMessage): Promise<void> {
    if (!isMailAddress(message.to)) throw new Error(`not a mail address: ${message.to}`);
    // Rendered now, so that the stored mail is exactly what was sent.
    const rendered = renderMail(message);
    const now = this.clock.now().toISOString();
    await insertMail(this.executor, {
      id: randomUUID(),
      to_address: message.to,
      kind: message.kind,
      culture: message.culture,
      subject: rendered.subject,
      text: rendered.text,
      html: rendered.html,
      message: JSON.stringify(message),
      state: 'pending',
      attempts: 0,
      next_attempt_at: now,
      lease_until: null,
      last_error: null,
      created_at: now,
      sent_at: null,
    });
    this.hooks.afterCommit(this.wake);
  }
}
