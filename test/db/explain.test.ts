import { sql, type CompiledQuery } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Store } from '../../src/db/database.js';
import { monthStart, partitionName } from '../../src/telemetry/partitions.js';
import { describeEachDialect, migratedStore } from '../helpers/test-app.js';

/**
 * The hot queries of ingest, reads and delivery have an index to use on PostgreSQL, and a
 * month's samples are read from that month's partition alone. Plans are taken with sequential
 * scans disabled (the test tables are tiny, where a scan would win): what is checked is that an
 * index serves the query, not the planner's choice on these sizes.
 */
describeEachDialect('query plans', (dialect) => {
  let store: Store;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ store, close } = await migratedStore(dialect));
  });
  afterAll(() => close());

  const plan = (query: CompiledQuery) =>
    store.db.transaction().execute(async (trx) => {
      await sql`set local enable_seqscan = off`.execute(trx);
      const { rows } = await sql<{ 'QUERY PLAN': string }>`explain ${sql.raw(
        query.sql.replace(/\$(\d+)/g, (_, n: string) => {
          const value = query.parameters[Number(n) - 1];
          return typeof value === 'number' ? String(value) : `'${String(value)}'`;
        }),
      )}`.execute(trx);
      return rows.map((row) => row['QUERY PLAN']).join('\n');
    });

  it.runIf(dialect === 'postgres')(
    "a month's raw samples of a measure: that month's partition, through its index",
    async () => {
      const month = monthStart(new Date());
      const text = await plan(
        store.db
          .selectFrom('measure_samples')
          .select(['at', 'value'])
          .where('device_id', '=', 'station-1')
          .where('measure', '=', 'ChargingPower')
          .where('at', '>=', month.toISOString())
          .where('at', '<', monthStart(month, 1).toISOString())
          .orderBy('at')
          .compile(),
      );
      expect(text).toContain(partitionName(month));
      expect(text).not.toContain('measure_samples_default');
      expect(text).toMatch(/Index (Only )?Scan using \S*device_id_measure_at/);
    },
  );

  it.runIf(dialect === 'postgres')('the other hot queries each use their index', async () => {
    const cases: [CompiledQuery, RegExp][] = [
      [
        store.db
          .selectFrom('measure_hours')
          .selectAll()
          .where('device_id', '=', 'station-1')
          .where('measure', '=', 'EnergyConsumption')
          .where('bucket_start', '>=', '2026-12-01T00:00:00.000Z')
          .where('bucket_start', '<', '2026-12-08T00:00:00.000Z')
          .compile(),
        /Index Scan using measure_hours_pk/,
      ],
      [
        store.db
          .selectFrom('measure_samples')
          .select(['session_id', (eb) => eb.fn.sum<number>('value').as('total')])
          .where('measure', '=', 'ConsumptionCost')
          .where('session_id', 'in', [1, 2])
          .groupBy('session_id')
          .compile(),
        /Index Scan using \S*session_id_measure/,
      ],
      [
        store.db
          .selectFrom('webhook_deliveries')
          .select('id')
          .where('state', '=', 'pending')
          .where('next_attempt_at', '<=', '2026-12-04T00:00:00.000Z')
          .compile(),
        /Index (Only )?Scan using webhook_deliveries_due/,
      ],
      [
        store.db
          .selectFrom('station_commands')
          .select('id')
          .where('status', '=', 'pending')
          .where('deadline_at', '<', '2026-12-04T00:00:00.000Z')
          .compile(),
        /Index (Only )?Scan using station_commands_pending/,
      ],
      [
        store.db
          .selectFrom('charging_sessions')
          .selectAll()
          .where('uid', '=', 'STATION-1')
          .where('stopped_at', 'is', null)
          .compile(),
        /Index Scan using charging_sessions_uid_open/,
      ],
    ];
    for (const [query, index] of cases) expect(await plan(query)).toMatch(index);
  });

  it.runIf(dialect === 'sqlite')('SQLite keeps one samples table (no partitions)', async () => {
    const { rows } = await sql<{ name: string }>`
      select name from sqlite_master where type = 'table' and name like 'measure_samples%'`.execute(
      store.db,
    );
    expect(rows.map((row) => row.name)).toEqual(['measure_samples']);
  });
});
