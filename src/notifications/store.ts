import { sql, type Insertable, type Selectable, type Updateable } from 'kysely';
import type { Dialect } from '../db/database.js';
import type {
  EventSubscriptionsTable,
  EventsTable,
  WebhookAttemptsTable,
  WebhookDeliveriesTable,
} from '../db/schema.js';
import { atomically, type Executor } from '../db/unit-of-work.js';

export type SubscriptionRow = Selectable<EventSubscriptionsTable>;
export type EventRow = Selectable<EventsTable>;
export type DeliveryRow = Selectable<WebhookDeliveriesTable>;
export type AttemptRow = Selectable<WebhookAttemptsTable>;

/** Rows written or named by one statement, well under either dialect's limit of parameters. */
const ROWS_PER_STATEMENT = 500;

function chunksOf<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size)
    chunks.push(items.slice(start, start + size));
  return chunks;
}

/** One attempt of a delivery, and the delivery's state after it. */
export interface AttemptRecord {
  attempt: Insertable<WebhookAttemptsTable>;
  delivery: Updateable<WebhookDeliveriesTable>;
}

/** A delivery taken by a worker, with what its POST needs. */
export interface ClaimedDelivery {
  id: string;
  attempt_count: number;
  first_failure_at: string | null;
  subscription_id: string;
  endpoint_url: string;
  subscription_state: SubscriptionRow['state'];
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: string | null;
  last_success_at: string | null;
  event_id: string;
  type: string;
  subject: string;
  topic_installation_id: number;
  data: string;
  event_time: string;
  event_created_at: string;
}

/** The error an attempt gets when its lease ran out before its outcome was written. */
export const LOST_ATTEMPT =
  'no outcome recorded: the worker stopped, or its write failed, before recording this attempt';

/** The lease a starting embedded worker gives the deliveries a crash left leased: run out. */
const LEASE_ENDED_AT_START = new Date(0).toISOString();

/** SQL of subscriptions, events, deliveries and attempts; every method joins the caller's transaction. */
export class NotificationStore {
  constructor(
    private readonly db: Executor,
    private readonly dialect: Dialect,
  ) {}

  async insertSubscription(row: Insertable<EventSubscriptionsTable>): Promise<void> {
    await this.db.insertInto('event_subscriptions').values(row).execute();
  }

  findSubscription(
    installationId: number,
    subscriptionId: string,
  ): Promise<SubscriptionRow | undefined> {
    return this.db
      .selectFrom('event_subscriptions')
      .selectAll()
      .where('installation_id', '=', installationId)
      .where('id', '=', subscriptionId)
      .executeTakeFirst();
  }

  findSubscriptionById(subscriptionId: string): Promise<SubscriptionRow | undefined> {
    return this.db
      .selectFrom('event_subscriptions')
      .selectAll()
      .where('id', '=', subscriptionId)
      .executeTakeFirst();
  }

  /** The subscriptions of an installation, all of them or one account's, oldest first. */
  listSubscriptions(installationId?: number, accountId?: string): Promise<SubscriptionRow[]> {
    return this.db
      .selectFrom('event_subscriptions')
      .selectAll()
      .$if(installationId !== undefined, (q) => q.where('installation_id', '=', installationId!))
      .$if(accountId !== undefined, (q) => q.where('account_id', '=', accountId!))
      .orderBy('created_at')
      .orderBy('id')
      .execute();
  }

  async countSubscriptions(installationId: number): Promise<number> {
    const row = await this.db
      .selectFrom('event_subscriptions')
      .select((eb) => eb.fn.countAll<number | string>().as('count'))
      .where('installation_id', '=', installationId)
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  /** The subscriptions that receive events now (validated and not disabled). */
  deliverableSubscriptions(installationId: number): Promise<SubscriptionRow[]> {
    return this.db
      .selectFrom('event_subscriptions')
      .selectAll()
      .where('installation_id', '=', installationId)
      .where('state', '=', 'Created')
      .execute();
  }

  async updateSubscription(
    subscriptionId: string,
    values: Updateable<EventSubscriptionsTable>,
    onlyIfState?: SubscriptionRow['state'],
  ): Promise<boolean> {
    const result = await this.db
      .updateTable('event_subscriptions')
      .set(values)
      .where('id', '=', subscriptionId)
      .$if(onlyIfState !== undefined, (q) => q.where('state', '=', onlyIfState!))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Deletes subscriptions with their deliveries; the number deleted. */
  async deleteSubscriptions(
    installationId: number,
    accountId: string,
    subscriptionId?: string,
  ): Promise<number> {
    const result = await this.db
      .deleteFrom('event_subscriptions')
      .where('installation_id', '=', installationId)
      .where('account_id', '=', accountId)
      .$if(subscriptionId !== undefined, (q) => q.where('id', '=', subscriptionId!))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** An event and its deliveries, together. */
  async insertEvent(
    event: Insertable<EventsTable>,
    deliveries: Insertable<WebhookDeliveriesTable>[],
  ): Promise<void> {
    await atomically(this.db, async (trx) => {
      await trx.insertInto('events').values(event).execute();
      await trx.insertInto('webhook_deliveries').values(deliveries).execute();
    });
  }

  /**
   * Takes due deliveries for `leaseUntil`: at most `perSubscription` of one subscription and
   * `limit` in all, none of `busy` subscriptions. On PostgreSQL rows another node is taking are
   * skipped (FOR UPDATE SKIP LOCKED); a lease that ran out (its worker stopped) is taken again.
   */
  async claimDue(options: {
    now: string;
    leaseUntil: string;
    limit: number;
    perSubscription: number;
    busy: readonly string[];
  }): Promise<ClaimedDelivery[]> {
    const { now, leaseUntil, limit, perSubscription, busy } = options;
    return atomically(this.db, async (trx) => {
      const candidates = trx
        .selectFrom('webhook_deliveries')
        .select(['id', 'subscription_id', 'next_attempt_at', 'lease_until'])
        .where('state', '=', 'pending')
        .where('next_attempt_at', '<=', now)
        .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
        .$if(busy.length > 0, (q) => q.where('subscription_id', 'not in', busy))
        .orderBy('next_attempt_at')
        .limit(limit * 4)
        .$if(this.dialect === 'postgres', (q) => q.forUpdate().skipLocked());
      const ranked = trx
        .selectFrom(candidates.as('c'))
        .select([
          'c.id',
          sql<number>`row_number() over (partition by c.subscription_id order by c.next_attempt_at)`.as(
            'rank',
          ),
          'c.next_attempt_at',
          'c.lease_until',
        ]);
      const chosen = await trx
        .selectFrom(ranked.as('r'))
        .select(['r.id', 'r.lease_until'])
        .where('r.rank', '<=', perSubscription)
        .orderBy('r.next_attempt_at')
        .limit(limit)
        .execute();
      if (chosen.length === 0) return [];
      const ids = chosen.map((row) => row.id);
      // A lease that ran out is an attempt whose outcome was never written (its worker died, or
      // the write failed): it counts, so the next POST carries the next aeg-delivery-count and
      // no attempt reaches the endpoint twice; the log says what is known of it.
      const leaseMs = Date.parse(leaseUntil) - Date.parse(now);
      const lost = chosen.filter((row) => row.lease_until !== null);
      if (lost.length > 0) {
        await trx
          .insertInto('webhook_attempts')
          .values(
            lost.map((row) => ({
              delivery_id: row.id,
              // When its lease was taken; after a restart (SQLite), when it was found.
              attempted_at:
                row.lease_until === LEASE_ENDED_AT_START
                  ? now
                  : new Date(Date.parse(row.lease_until!) - leaseMs).toISOString(),
              status_code: null,
              error: LOST_ATTEMPT,
              duration_ms: 0,
            })),
          )
          .execute();
      }
      await trx
        .updateTable('webhook_deliveries')
        .set((eb) => ({
          lease_until: leaseUntil,
          attempt_count: eb
            .case()
            .when('lease_until', 'is not', null)
            .then(eb('attempt_count', '+', 1))
            .else(eb.ref('attempt_count'))
            .end(),
        }))
        .where('id', 'in', ids)
        .execute();
      return trx
        .selectFrom('webhook_deliveries as d')
        .innerJoin('event_subscriptions as s', 's.id', 'd.subscription_id')
        .innerJoin('events as e', 'e.id', 'd.event_id')
        .select([
          'd.id',
          'd.attempt_count',
          'd.first_failure_at',
          'd.subscription_id',
          's.endpoint_url',
          's.state as subscription_state',
          's.secret',
          's.previous_secret',
          's.previous_secret_expires_at',
          's.last_success_at',
          'e.id as event_id',
          'e.type',
          'e.subject',
          'e.installation_id as topic_installation_id',
          'e.data',
          'e.event_time',
          'e.created_at as event_created_at',
        ])
        .where('d.id', 'in', ids)
        .orderBy('d.next_attempt_at')
        .execute();
    });
  }

  /**
   * Ends the leases of pending deliveries (the embedded store's only worker is starting): each is
   * taken again at once, and counted as an attempt whose outcome was lost.
   */
  async releaseLeases(): Promise<void> {
    await this.db
      .updateTable('webhook_deliveries')
      .set({ lease_until: LEASE_ENDED_AT_START })
      .where('state', '=', 'pending')
      .where('lease_until', 'is not', null)
      .execute();
  }

  /**
   * Attempts and their deliveries' new states, all in one transaction (a worker's batch):
   * deliveries given the same new values are updated by one statement.
   */
  async recordAttempts(records: readonly AttemptRecord[]): Promise<void> {
    if (records.length === 0) return;
    const sameUpdate = new Map<
      string,
      { values: Updateable<WebhookDeliveriesTable>; ids: string[] }
    >();
    for (const { attempt, delivery } of records) {
      const key = JSON.stringify(delivery);
      const group = sameUpdate.get(key) ?? { values: delivery, ids: [] };
      group.ids.push(attempt.delivery_id);
      sameUpdate.set(key, group);
    }
    await atomically(this.db, async (trx) => {
      for (const chunk of chunksOf(records, ROWS_PER_STATEMENT)) {
        await trx
          .insertInto('webhook_attempts')
          .values(chunk.map((record) => record.attempt))
          .execute();
      }
      for (const { values, ids } of sameUpdate.values()) {
        for (const chunk of chunksOf(ids, ROWS_PER_STATEMENT)) {
          await trx
            .updateTable('webhook_deliveries')
            .set(values)
            .where('id', 'in', chunk)
            .execute();
        }
      }
    });
  }

  /** Ends the pending deliveries of a subscription that no longer receives events. */
  async failPending(subscriptionId: string, at: string): Promise<void> {
    await this.db
      .updateTable('webhook_deliveries')
      .set({ state: 'failed', completed_at: at, next_attempt_at: null, lease_until: null })
      .where('subscription_id', '=', subscriptionId)
      .where('state', '=', 'pending')
      .execute();
  }

  /** A subscription's deliveries, newest first, created before `before` when given. */
  listDeliveries(
    subscriptionId: string,
    limit: number,
    before?: string,
  ): Promise<(DeliveryRow & { event_type: string })[]> {
    return this.db
      .selectFrom('webhook_deliveries as d')
      .innerJoin('events as e', 'e.id', 'd.event_id')
      .selectAll('d')
      .select('e.type as event_type')
      .where('d.subscription_id', '=', subscriptionId)
      .$if(before !== undefined, (q) => q.where('d.created_at', '<', before!))
      .orderBy('d.created_at', 'desc')
      .orderBy('d.id', 'desc')
      .limit(limit)
      .execute();
  }

  findDelivery(
    subscriptionId: string,
    deliveryId: string,
  ): Promise<(DeliveryRow & { event_type: string }) | undefined> {
    return this.db
      .selectFrom('webhook_deliveries as d')
      .innerJoin('events as e', 'e.id', 'd.event_id')
      .selectAll('d')
      .select('e.type as event_type')
      .where('d.subscription_id', '=', subscriptionId)
      .where('d.id', '=', deliveryId)
      .executeTakeFirst();
  }

  async attemptsOf(deliveryIds: readonly string[]): Promise<AttemptRow[]> {
    if (deliveryIds.length === 0) return [];
    return this.db
      .selectFrom('webhook_attempts')
      .selectAll()
      .where('delivery_id', 'in', deliveryIds)
      .orderBy('id')
      .execute();
  }

  async updateDelivery(
    deliveryId: string,
    values: Updateable<WebhookDeliveriesTable>,
  ): Promise<void> {
    await this.db
      .updateTable('webhook_deliveries')
      .set(values)
      .where('id', '=', deliveryId)
      .execute();
  }

  /** Pending deliveries, for the queue-depth metric. */
  async pendingCount(): Promise<number> {
    const row = await this.db
      .selectFrom('webhook_deliveries')
      .select((eb) => eb.fn.countAll<number | string>().as('count'))
      .where('state', '=', 'pending')
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  /** Removes events older than `before` whose deliveries are all finished; the number removed. */
  async purgeFinished(before: string): Promise<number> {
    const result = await this.db
      .deleteFrom('events')
      .where('created_at', '<', before)
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('webhook_deliveries as d')
              .select('d.id')
              .whereRef('d.event_id', '=', 'events.id')
              .where('d.state', '=', 'pending'),
          ),
        ),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
