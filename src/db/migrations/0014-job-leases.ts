import type { Kysely } from 'kysely';

/**
 * Leases of the periodic jobs (command expiry, purges): with several worker nodes, a job's run
 * for an interval is taken by one node, the first to find the lease ended.
 */
export function jobLeases() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('job_leases')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('node', 'text', (c) => c.notNull())
        .addColumn('lease_until', 'text', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('job_leases').execute();
    },
  };
}
