import type { Kysely } from 'kysely';
import type { Dialect } from '../database.js';

/**
 * Webhook notifications (the guide's event subscriptions): the subscriptions, the events raised
 * by state changes, one delivery per event and subscription (the outbox, written in the same
 * transaction as the change) and every attempt to deliver it. A device remembers the error code
 * its last error event announced, so that each change is announced once.
 */
export function webhooks(dialect: Dialect) {
  const autoId = dialect === 'postgres' ? 'bigserial' : 'integer';
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('event_subscriptions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('installation_id', 'integer', (c) =>
          c.notNull().references('installations.id').onDelete('cascade'),
        )
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('protocol_code', 'text', (c) => c.notNull())
        .addColumn('endpoint_url', 'text', (c) => c.notNull())
        .addColumn('event_type', 'text')
        .addColumn('subject_begins_with', 'text', (c) => c.notNull())
        .addColumn('subject_ends_with', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('state_reason', 'text')
        .addColumn('validation_code', 'text')
        .addColumn('validation_expires_at', 'text')
        .addColumn('secret', 'text', (c) => c.notNull())
        .addColumn('previous_secret', 'text')
        .addColumn('previous_secret_expires_at', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('modified_at', 'text')
        .addColumn('last_success_at', 'text')
        .execute();
      await db.schema
        .createIndex('event_subscriptions_installation')
        .on('event_subscriptions')
        .columns(['installation_id', 'state'])
        .execute();

      await db.schema
        .createTable('events')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('installation_id', 'integer', (c) =>
          c.notNull().references('installations.id').onDelete('cascade'),
        )
        .addColumn('station_id', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('event_time', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('events_created').on('events').column('created_at').execute();

      await db.schema
        .createTable('webhook_deliveries')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('event_id', 'text', (c) =>
          c.notNull().references('events.id').onDelete('cascade'),
        )
        .addColumn('subscription_id', 'text', (c) =>
          c.notNull().references('event_subscriptions.id').onDelete('cascade'),
        )
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('attempt_count', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_attempt_at', 'text')
        .addColumn('lease_until', 'text')
        .addColumn('first_failure_at', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('completed_at', 'text')
        .execute();
      await db.schema
        .createIndex('webhook_deliveries_due')
        .on('webhook_deliveries')
        .columns(['state', 'next_attempt_at'])
        .execute();
      await db.schema
        .createIndex('webhook_deliveries_subscription')
        .on('webhook_deliveries')
        .columns(['subscription_id', 'created_at'])
        .execute();
      await db.schema
        .createIndex('webhook_deliveries_event')
        .on('webhook_deliveries')
        .column('event_id')
        .execute();

      await db.schema
        .createTable('webhook_attempts')
        .addColumn('id', autoId, (c) =>
          dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
        )
        .addColumn('delivery_id', 'text', (c) =>
          c.notNull().references('webhook_deliveries.id').onDelete('cascade'),
        )
        .addColumn('attempted_at', 'text', (c) => c.notNull())
        .addColumn('status_code', 'integer')
        .addColumn('error', 'text')
        .addColumn('duration_ms', 'integer', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('webhook_attempts_delivery')
        .on('webhook_attempts')
        .column('delivery_id')
        .execute();

      await db.schema.alterTable('devices').addColumn('error_event_code', 'integer').execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('devices').dropColumn('error_event_code').execute();
      await db.schema.dropTable('webhook_attempts').execute();
      await db.schema.dropTable('webhook_deliveries').execute();
      await db.schema.dropTable('events').execute();
      await db.schema.dropTable('event_subscriptions').execute();
    },
  };
}
