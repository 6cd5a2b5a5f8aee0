import type { Kysely } from 'kysely';

/**
 * E-mail: the mail outbox (each mail rendered when it is queued, kept with the message it was
 * rendered from, sent by the mail worker or kept in the local outbox), the owner-alert memory
 * (when each station's error code was last mailed, so that the hourly limit holds across
 * restarts and processes) and each account's notification settings.
 */
export function mail() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('mails')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('to_address', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('culture', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('text', 'text', (c) => c.notNull())
        .addColumn('html', 'text', (c) => c.notNull())
        .addColumn('message', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_attempt_at', 'text')
        .addColumn('lease_until', 'text')
        .addColumn('last_error', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('sent_at', 'text')
        .execute();
      await db.schema
        .createIndex('mails_due')
        .on('mails')
        .columns(['state', 'next_attempt_at'])
        .execute();
      await db.schema
        .createIndex('mails_to')
        .on('mails')
        .columns(['to_address', 'created_at'])
        .execute();
      await db.schema.createIndex('mails_created').on('mails').column('created_at').execute();

      await db.schema
        .createTable('station_alerts')
        .addColumn('station_id', 'text', (c) => c.notNull())
        .addColumn('code', 'integer', (c) => c.notNull())
        .addColumn('raised_mailed_at', 'text')
        .addColumn('clear_due', 'integer', (c) => c.notNull().defaultTo(0))
        .addPrimaryKeyConstraint('station_alerts_pk', ['station_id', 'code'])
        .execute();

      await db.schema
        .createTable('notification_settings')
        .addColumn('account_id', 'text', (c) =>
          c.primaryKey().references('accounts.id').onDelete('cascade'),
        )
        .addColumn('station_error_emails', 'integer', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('notification_settings').execute();
      await db.schema.dropTable('station_alerts').execute();
      await db.schema.dropTable('mails').execute();
    },
  };
}
