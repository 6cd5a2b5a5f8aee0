import type { Kysely } from 'kysely';

/**
 * The time by which a station command must have ended: a command still pending after it was
 * left by a process that stopped, and is timed out by the next expiry run on any node.
 */
export function commandDeadlines() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('station_commands').addColumn('deadline_at', 'text').execute();
      await db.schema
        .createIndex('station_commands_pending')
        .on('station_commands')
        .columns(['status', 'deadline_at'])
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropIndex('station_commands_pending').execute();
      await db.schema.alterTable('station_commands').dropColumn('deadline_at').execute();
    },
  };
}
