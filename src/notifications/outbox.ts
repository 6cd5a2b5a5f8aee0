import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { CommitHooks } from '../db/unit-of-work.js';
import { selects, subjectOf, type EventType } from '../domain/events.js';
import type { NotificationStore } from './store.js';

/** The station an event is about: its association with an installation. */
export interface EventSource {
  id: string;
  installation_id: number;
}

/**
 * The transactional outbox: an event is stored, with one delivery per subscription that
 * selects it, in the unit of work of the change that raised it; the delivery worker is woken
 * once that commits. An event no subscription selects is not stored.
 */
export class EventOutbox {
  constructor(
    private readonly store: NotificationStore,
    private readonly hooks: CommitHooks,
    private readonly clock: Clock,
    private readonly wake: () => void,
  ) {}

  async raise(
    source: EventSource,
    type: EventType,
    data: Record<string, unknown>,
    at: string,
  ): Promise<void> {
    const subject = subjectOf(source.installation_id, source.id);
    const subscriptions = (
      await this.store.deliverableSubscriptions(source.installation_id)
    ).filter((subscription) =>
      selects(
        {
          eventType: subscription.event_type,
          subjectBeginsWith: subscription.subject_begins_with,
          subjectEndsWith: subscription.subject_ends_with,
        },
        type,
        subject,
      ),
    );
    if (subscriptions.length === 0) return;
    const now = this.clock.now().toISOString();
    const eventId = randomUUID();
    await this.store.insertEvent(
      {
        id: eventId,
        installation_id: source.installation_id,
        station_id: source.id,
        type,
        subject,
        data: JSON.stringify(data),
        event_time: at,
        created_at: now,
      },
      subscriptions.map((subscription) => ({
        id: randomUUID(),
        event_id: eventId,
        subscription_id: subscription.id,
        state: 'pending' as const,
        attempt_count: 0,
        next_attempt_at: now,
        lease_until: null,
        first_failure_at: null,
        created_at: now,
        completed_at: null,
      })),
    );
    this.hooks.afterCommit(this.wake);
  }
}
