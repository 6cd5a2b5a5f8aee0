import type { Kysely } from 'kysely';

/**
 * History backfills (the demo's 90 days, `witty sim backfill`): the plan of each station's
 * history and how far it is stored, written in the same transaction as each batch of it, so that
 * a backfill cut short (a crash, kill -9) resumes where its last batch committed and one that
 * ended is never fed again.
 */
export function historyBackfills() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('history_backfills')
        .addColumn('uid', 'text', (c) =>
          c.primaryKey().references('devices.uid').onDelete('cascade'),
        )
        // The plan: steps of 10 minutes from start_at (included) to end_at (excluded).
        .addColumn('start_at', 'text', (c) => c.notNull())
        .addColumn('end_at', 'text', (c) => c.notNull())
        .addColumn('subscription', 'text', (c) => c.notNull())
        .addColumn('charge_mode', 'text', (c) => c.notNull())
        .addColumn('intensity_subscribed', 'integer', (c) => c.notNull())
        .addColumn('zone', 'text', (c) => c.notNull())
        // The first step not stored yet, and the transaction open at that point.
        .addColumn('done_until', 'text', (c) => c.notNull())
        .addColumn('open_transaction_id', 'integer')
        .addColumn('completed_at', 'text')
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('history_backfills').execute();
    },
  };
}
