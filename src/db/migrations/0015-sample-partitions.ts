import { sql, type Kysely } from 'kysely';
import { ensureSamplePartitions } from '../../telemetry/partitions.js';
import type { Dialect } from '../database.js';

/**
 * PostgreSQL: raw samples partitioned by month of `at` (telemetry/partitions.ts). The table is
 * rebuilt as a partitioned one with the same columns, indexes and id sequence, a default
 * partition and this month's and the next two's, and the rows copied in. SQLite: nothing.
 */
export function samplePartitions(dialect: Dialect) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      if (dialect !== 'postgres') return;
      await sql`alter table measure_samples rename to measure_samples_whole`.execute(db);
      await sql`alter table measure_samples_whole rename constraint measure_samples_pkey to measure_samples_whole_pkey`.execute(
        db,
      );
      await sql`alter index measure_samples_session rename to measure_samples_whole_session`.execute(
        db,
      );
      await sql`alter index measure_samples_device_measure_at rename to measure_samples_whole_device_measure_at`.execute(
        db,
      );
      // The key must hold the partition column; ids still come from the same sequence.
      await sql`create table measure_samples (
          id bigint not null default nextval('measure_samples_id_seq'),
          device_id text not null,
          measure text not null,
          at text not null,
          tariff text not null,
          value double precision not null,
          session_id integer,
          primary key (id, at)
        ) partition by range (at)`.execute(db);
      await sql`alter sequence measure_samples_id_seq owned by measure_samples.id`.execute(db);
      await sql`create index measure_samples_session on measure_samples (session_id, measure)`.execute(
        db,
      );
      await sql`create index measure_samples_device_measure_at on measure_samples (device_id, measure, at)`.execute(
        db,
      );
      await sql`create table measure_samples_default partition of measure_samples default`.execute(
        db,
      );
      await ensureSamplePartitions(db as never, dialect, new Date());
      await sql`insert into measure_samples select * from measure_samples_whole`.execute(db);
      await sql`drop table measure_samples_whole`.execute(db);
    },
  };
}
