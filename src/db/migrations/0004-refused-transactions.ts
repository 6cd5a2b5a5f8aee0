import type { Kysely } from 'kysely';

/**
 * Transactions the platform refused at their start (StartTransaction answered Blocked): kept
 * apart from the owner's sessions, so that they never show as the last session.
 */
export function refusedTransactions() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .alterTable('charging_sessions')
        .addColumn('refused', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('charging_sessions').dropColumn('refused').execute();
    },
  };
}
