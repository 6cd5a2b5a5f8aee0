import { sql } from 'kysely';
import type { Dialect } from '../db/database.js';
import { atomically, type Executor } from '../db/unit-of-work.js';

/**
 * Raw samples at scale. On PostgreSQL `measure_samples` is partitioned by month of `at`
 * (declarative range partitioning on the ISO text, which sorts as time does; migration 0015):
 * a partition per month, created ahead by a job, and a default partition for what falls outside
 * them (history fed for past months, a station whose clock is far ahead). On SQLite the table
 * stays whole. Either way raw samples older than the retention are dropped; rollups are kept.
 */

/** The first instant of the month of `date`, and of the month `months` later (UTC). */
export function monthStart(date: Date, months = 0): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + months, 1));
}

/** measure_samples_y2026m12 for December 2026. */
export function partitionName(month: Date): string {
  return `measure_samples_y${month.getUTCFullYear()}m${String(month.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** The monthly partitions of measure_samples, with their range, oldest first (PostgreSQL). */
export async function samplePartitions(
  db: Executor,
): Promise<{ name: string; from: string; to: string }[]> {
  const { rows } = await sql<{ name: string; bound: string }>`
    select c.relname as name, pg_get_expr(c.relpartbound, c.oid) as bound
      from pg_catalog.pg_inherits i
      join pg_catalog.pg_class c on c.oid = i.inhrelid
      join pg_catalog.pg_class p on p.oid = i.inhparent
      join pg_catalog.pg_namespace n on n.oid = p.relnamespace
     where p.relname = 'measure_samples' and n.nspname = current_schema()`.execute(db);
  const partitions: { name: string; from: string; to: string }[] = [];
  for (const row of rows) {
    const range = /FROM \('([^']+)'\) TO \('([^']+)'\)/.exec(row.bound);
    if (range) partitions.push({ name: row.name, from: range[1]!, to: range[2]! });
  }
  return partitions.sort((a, b) => a.from.localeCompare(b.from));
}

/**
 * Creates the monthly partitions from `now`'s month to `monthsAhead` months later that do not
 * exist yet (PostgreSQL; nothing on SQLite). Samples of such a month already in the default
 * partition move into the new one, in the same transaction. Returns the partitions created.
 */
export async function ensureSamplePartitions(
  db: Executor,
  dialect: Dialect,
  now: Date,
  monthsAhead = 2,
): Promise<string[]> {
  if (dialect !== 'postgres') return [];
  const existing = new Set((await samplePartitions(db)).map((partition) => partition.name));
  const created: string[] = [];
  for (let i = 0; i <= monthsAhead; i++) {
    const month = monthStart(now, i);
    const name = partitionName(month);
    if (existing.has(name)) continue;
    const from = month.toISOString();
    const to = monthStart(month, 1).toISOString();
    await atomically(db, async (trx) => {
      // A partition cannot be attached over rows of its range left in the default partition.
      const moving = sql.id(`moving_${name}`);
      await sql`create temporary table ${moving} (like measure_samples)`.execute(trx);
      await sql`with moved as (
          delete from measure_samples_default where at >= ${from} and at < ${to} returning *
        ) insert into ${moving} select * from moved`.execute(trx);
      await sql`create table ${sql.id(name)} partition of measure_samples
        for values from (${sql.lit(from)}) to (${sql.lit(to)})`.execute(trx);
      await sql`insert into measure_samples select * from ${moving}`.execute(trx);
      await sql`drop table ${moving}`.execute(trx);
    });
    created.push(name);
  }
  return created;
}

/**
 * Drops raw samples older than `before` (rollups stay): on PostgreSQL the monthly partitions
 * wholly older are dropped, then the rest deleted; on SQLite deleted in batches. Returns the
 * number of partitions dropped and of rows deleted.
 */
export async function purgeSamplesBefore(
  db: Executor,
  dialect: Dialect,
  before: string,
): Promise<{ partitions: number; rows: number }> {
  let partitions = 0;
  if (dialect === 'postgres') {
    for (const partition of await samplePartitions(db)) {
      if (partition.to > before) break;
      await sql`drop table ${sql.id(partition.name)}`.execute(db);
      partitions++;
    }
    const result = await db
      .deleteFrom('measure_samples')
      .where('at', '<', before)
      .executeTakeFirst();
    return { partitions, rows: Number(result.numDeletedRows) };
  }
  let rows = 0;
  for (;;) {
    // A batch per statement: the single writer is not held for the whole purge.
    const result = await db
      .deleteFrom('measure_samples')
      .where('id', 'in', (eb) =>
        eb.selectFrom('measure_samples').select('id').where('at', '<', before).limit(10_000),
      )
      .executeTakeFirst();
    const deleted = Number(result.numDeletedRows);
    rows += deleted;
    if (deleted < 10_000) return { partitions, rows };
  }
}
