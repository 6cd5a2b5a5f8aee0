import { sql } from 'kysely';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { Store } from '../../src/db/database.js';
import {
  ensureSamplePartitions,
  monthStart,
  partitionName,
  purgeSamplesBefore,
  samplePartitions,
} from '../../src/telemetry/partitions.js';
import { createTestApp, describeEachDialect, migratedStore } from '../helpers/test-app.js';

describeEachDialect('raw samples: monthly partitions and retention', (dialect) => {
  let store: Store;
  let close: () => Promise<void>;
  beforeEach(async () => {
    ({ store, close } = await migratedStore(dialect));
  });
  afterEach(() => close());

  const sample = (at: string, measure = 'ChargingPower') => ({
    device_id: 'station-1',
    measure,
    at,
    tariff: 'hc',
    value: 1.5,
    session_id: null,
  });
  const insert = (...ats: string[]) =>
    store.db
      .insertInto('measure_samples')
      .values(ats.map((at) => sample(at)))
      .execute();
  /** Where each sample is stored: its partition (PostgreSQL), by `at`. */
  const placement = async () =>
    (
      await sql<{ at: string; partition: string }>`
        select at, tableoid::regclass::text as partition from measure_samples order by at`.execute(
        store.db,
      )
    ).rows;

  it.runIf(dialect === 'postgres')(
    'PostgreSQL: a partition per month from this one to two ahead, the rest in the default one',
    async () => {
      const now = new Date();
      const months = [0, 1, 2].map((i) => partitionName(monthStart(now, i)));
      expect((await samplePartitions(store.db)).map((p) => p.name)).toEqual(months);
      const thisMonth = monthStart(now).toISOString();
      const lastYear = monthStart(now, -12).toISOString();
      await insert(thisMonth, lastYear);
      expect(await placement()).toEqual([
        { at: lastYear, partition: 'measure_samples_default' },
        { at: thisMonth, partition: months[0] },
      ]);
      // Ids still come from one sequence.
      const ids = await store.db.selectFrom('measure_samples').select('id').execute();
      expect(new Set(ids.map((row) => row.id)).size).toBe(2);
    },
  );

  it.runIf(dialect === 'postgres')(
    'PostgreSQL: a month created later takes its samples out of the default partition',
    async () => {
      const later = monthStart(new Date(), 5);
      const at = new Date(later.getTime() + 3600_000).toISOString();
      await insert(at);
      expect((await placement())[0]?.partition).toBe('measure_samples_default');
      const created = await ensureSamplePartitions(store.db, dialect, later, 0);
      expect(created).toEqual([partitionName(later)]);
      expect(await placement()).toEqual([{ at, partition: partitionName(later) }]);
      // Running again creates nothing.
      expect(await ensureSamplePartitions(store.db, dialect, later, 0)).toEqual([]);
    },
  );

  it('retention drops raw samples older than the cutoff (whole months as partitions), and keeps the rollups', async () => {
    const now = new Date();
    const old = monthStart(now, -3).toISOString();
    const recent = monthStart(now).toISOString();
    if (dialect === 'postgres')
      await ensureSamplePartitions(store.db, dialect, monthStart(now, -3), 0);
    await insert(old, recent);
    await store.db
      .insertInto('measure_hours')
      .values({
        device_id: 'station-1',
        measure: 'ChargingPower',
        tariff: 'hc',
        bucket_start: old,
        sum: 1.5,
        count: 1,
        min: 1.5,
        max: 1.5,
      })
      .execute();
    const purged = await purgeSamplesBefore(store.db, dialect, monthStart(now, -1).toISOString());
    const left = await store.db.selectFrom('measure_samples').select('at').execute();
    expect(left.map((row) => row.at)).toEqual([recent]);
    expect(await store.db.selectFrom('measure_hours').select('bucket_start').execute()).toEqual([
      { bucket_start: old },
    ]);
    if (dialect === 'postgres') {
      expect(purged.partitions).toBe(1);
      expect((await samplePartitions(store.db)).map((p) => p.name)).not.toContain(
        partitionName(monthStart(now, -3)),
      );
    } else {
      expect(purged).toEqual({ partitions: 0, rows: 1 });
    }
  });
});

describeEachDialect('the raw samples job', (dialect) => {
  it('makes the months ahead and drops samples past WITTY_SAMPLE_RETENTION_DAYS', async () => {
    const t = await createTestApp(dialect, { WITTY_SAMPLE_RETENTION_DAYS: '30' });
    try {
      const job = t.app.jobs.find(
        (candidate) => candidate.name === 'raw samples: partitions and retention',
      );
      if (!job) throw new Error('no raw samples job');
      const { db } = t.app.platform.store;
      const now = t.clock.now();
      const at = (days: number) => new Date(now.getTime() - days * 86_400_000).toISOString();
      await db
        .insertInto('measure_samples')
        .values(
          [40, 20].map((days) => ({
            device_id: 'station-1',
            measure: 'ChargingPower',
            at: at(days),
            tariff: 'hc',
            value: 1,
            session_id: null,
          })),
        )
        .execute();
      // Three months on: the job makes that month's partitions (PostgreSQL).
      t.clock.advance(92 * 86_400_000);
      await job.run();
      expect(await db.selectFrom('measure_samples').select('at').execute()).toEqual([]);
      if (dialect === 'postgres') {
        const names = (await samplePartitions(db)).map((partition) => partition.name);
        expect(names).toContain(partitionName(monthStart(t.clock.now(), 2)));
      }
    } finally {
      await t.close();
    }
  });
});
