import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.js';

/**
 * Commands the platform sends on its own (the configuration after a boot) are tracked like the
 * API's: such a command may concern a device not associated with any installation yet, so its
 * `station_id` may be null.
 */
export function platformCommands(dialect: Dialect) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      if (dialect === 'postgres') {
        await sql`alter table station_commands alter column station_id drop not null`.execute(db);
        return;
      }
      // SQLite cannot drop a NOT NULL constraint: the table is rebuilt (SQLite §7 of ALTER TABLE).
      await db.schema
        .createTable('station_commands_next')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('station_id', 'text')
        .addColumn('uid', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('request', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('calls', 'text', (c) => c.notNull())
        .addColumn('requested_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('completed_at', 'text')
        .execute();
      await sql`insert into station_commands_next select id, station_id, uid, type, request, status, calls, requested_by, created_at, completed_at from station_commands`.execute(
        db,
      );
      await db.schema.dropTable('station_commands').execute();
      await db.schema.alterTable('station_commands_next').renameTo('station_commands').execute();
      await db.schema
        .createIndex('station_commands_station')
        .on('station_commands')
        .columns(['station_id', 'created_at'])
        .execute();
    },
    async down(): Promise<void> {
      throw new Error(
        '0005-platform-commands cannot be reverted: platform commands have no station',
      );
    },
  };
}
