/**
 * Aggregation benchmark: a year of 10-minute EnergyConsumption samples for each of 100 stations
 * (HC 22:00–06:00 Paris, HP otherwise), then `sum` at step=day over the year for one station,
 * through the rollups the platform keeps, against the raw GROUP BY over the samples, on SQLite
 * and on PostgreSQL (when TEST_DATABASE_URL is set). Prints the ingest rate and query p50/p99.
 *
 *   npx tsx bench/aggregation.ts [--stations 100] [--days 365] [--queries 200]
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { loadConfig } from '../src/config.js';
import { openStore, type Store } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { aggregate } from '../src/domain/aggregation.js';
import { bucketStart, localDay } from '../src/domain/time-buckets.js';
import { tariffTypeOf, valueKeyOf, type TariffId } from '../src/domain/tariffs.js';
import { TelemetryService } from '../src/telemetry/service.js';
import { TelemetryStore, type PlacedSample } from '../src/telemetry/store.js';
import { freshDatabase, type TestDialect } from '../test/helpers/test-app.js';
import { recordFigure } from './figures.js';

const { values } = parseArgs({
  options: {
    stations: { type: 'string', default: '100' },
    days: { type: 'string', default: '365' },
    queries: { type: 'string', default: '200' },
  },
});
const STATIONS = Number(values.stations);
const DAYS = Number(values.days);
const QUERIES = Number(values.queries);
const ZONE = 'Europe/Paris';
const START = new Date('2025-01-01T00:00:00+01:00');
const END = new Date(START.getTime() + DAYS * 86_400_000);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function time(
  runs: number,
  run: () => Promise<unknown>,
): Promise<{ p50: number; p99: number }> {
  for (let i = 0; i < 5; i++) await run(); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const begin = performance.now();
    await run();
    samples.push(performance.now() - begin);
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

/** HC from 22:00 to 06:00 Paris time (UTC+1 in winter, +2 in summer, approximated by the local hour). */
function tariffAt(at: Date): TariffId {
  const hour = Number(
    new Intl.DateTimeFormat('en-GB', { hour: 'numeric', hour12: false, timeZone: ZONE }).format(at),
  );
  return hour >= 22 || hour < 6 ? 'hc' : 'hp';
}

async function ingest(store: Store): Promise<{ samples: number; seconds: number }> {
  const telemetry = new TelemetryStore(store.db);
  let count = 0;
  const begin = performance.now();
  const hourCache = new Map<
    number,
    { hourStart: string; dayStart: string; localDay: string; tariff: TariffId }
  >();
  for (let station = 0; station < STATIONS; station++) {
    // A week per transaction.
    for (let week = START.getTime(); week < END.getTime(); week += 7 * 86_400_000) {
      const batch: PlacedSample[] = [];
      for (let t = week; t < Math.min(END.getTime(), week + 7 * 86_400_000); t += 600_000) {
        const hour = Math.floor(t / 3_600_000);
        let placed = hourCache.get(hour);
        if (!placed) {
          const at = new Date(hour * 3_600_000);
          placed = {
            hourStart: at.toISOString(),
            dayStart: bucketStart(at, 'day', ZONE).toISOString(),
            localDay: localDay(at, ZONE),
            tariff: tariffAt(at),
          };
          hourCache.set(hour, placed);
        }
        batch.push({
          device_id: `station-${station}`,
          measure: 'EnergyConsumption',
          at: new Date(t).toISOString(),
          tariff: placed.tariff,
          value: 0.1 + ((t / 600_000) % 7) * 0.05,
          session_id: null,
          hourStart: placed.hourStart,
          dayStart: placed.dayStart,
          localDay: placed.localDay,
        });
      }
      await telemetry.insertSamples(batch);
      count += batch.length;
    }
  }
  return { samples: count, seconds: (performance.now() - begin) / 1000 };
}

async function run(dialect: TestDialect) {
  const database = await freshDatabase(dialect);
  const store = openStore(loadConfig(database.env).database);
  try {
    await migrateToLatest(store);
    const { samples, seconds } = await ingest(store);
    if (dialect === 'postgres') await sql`analyze`.execute(store.db);
    const service = new TelemetryService({ telemetry: new TelemetryStore(store.db) });
    const target = `station-${Math.floor(STATIONS / 2)}`;
    const range = { start: START, end: END, step: 'day' as const };
    const rollups = await time(QUERIES, () =>
      service.aggregate(target, 'EnergyConsumption', 'sum', range, ZONE, {}),
    );
    // Baseline: the same sum straight from the raw samples, grouped in SQL by UTC day and tariff,
    // then shaped like the API's rows.
    const raw = await time(QUERIES, async () => {
      const rows = await store.db
        .selectFrom('measure_samples')
        .select([
          sql<string>`substr(at, 1, 10)`.as('day'),
          'tariff',
          (eb) => eb.fn.sum<number>('value').as('sum'),
          (eb) => eb.fn.countAll<number>().as('count'),
          (eb) => eb.fn.min<number>('value').as('min'),
          (eb) => eb.fn.max<number>('value').as('max'),
        ])
        .where('device_id', '=', target)
        .where('measure', '=', 'EnergyConsumption')
        .where('at', '>=', START.toISOString())
        .where('at', '<', END.toISOString())
        .groupBy([sql`substr(at, 1, 10)`, 'tariff'])
        .execute();
      return aggregate(
        rows.map((r) => ({
          bucketStart: new Date(`${r.day}T00:00:00Z`),
          tariff: r.tariff,
          sum: Number(r.sum),
          count: Number(r.count),
          min: Number(r.min),
          max: Number(r.max),
        })),
        'sum',
        (t) => tariffTypeOf(t as TariffId),
        (t) => valueKeyOf(t as TariffId),
      );
    });
    const days = (await service.aggregate(target, 'EnergyConsumption', 'sum', range, ZONE, {}))
      .length;
    return { dialect, samples, seconds, rollups, raw, days };
  } finally {
    await store.close();
    await database.drop();
  }
}

async function main() {
  const dialects: TestDialect[] = process.env.TEST_DATABASE_URL
    ? ['sqlite', 'postgres']
    : ['sqlite'];
  if (!process.env.TEST_DATABASE_URL)
    process.stdout.write('TEST_DATABASE_URL not set: PostgreSQL skipped\n');
  process.stdout.write(
    `bench/aggregation: ${STATIONS} stations × ${DAYS} days of 10-minute samples, sum at step=day over the year for one station, ${QUERIES} queries; ${os.cpus().length} cores (${os.cpus()[0]?.model ?? ''})\n`,
  );
  for (const dialect of dialects) {
    const result = await run(dialect);
    process.stdout.write(
      [
        `${dialect}: ingested ${result.samples} samples in ${result.seconds.toFixed(1)} s = ${Math.round(result.samples / result.seconds)} samples/s`,
        `  rollups  p50 ${result.rollups.p50.toFixed(2)} ms  p99 ${result.rollups.p99.toFixed(2)} ms  (${result.days} rows)`,
        `  raw GROUP BY baseline  p50 ${result.raw.p50.toFixed(2)} ms  p99 ${result.raw.p99.toFixed(2)} ms`,
        `  ratio raw / rollups (p50): ${(result.raw.p50 / result.rollups.p50).toFixed(1)}×`,
        '',
      ].join('\n'),
    );
    const database = dialect === 'postgres' ? 'postgresql' : 'sqlite';
    const conditions = { database, stations: STATIONS, days: DAYS, queries: QUERIES };
    const suffix = dialect === 'postgres' ? '.postgresql' : '';
    const query = `sum at step=day over ${DAYS} days for one station`;
    for (const p of ['p50', 'p99'] as const)
      recordFigure({
        bench: 'aggregation',
        id: `aggregation.rollups-${p}${suffix}`,
        label: `${query}, through the rollups, ${p}`,
        value: result.rollups[p],
        unit: 'ms',
        baseline: { label: 'raw GROUP BY day and tariff over the samples', value: result.raw[p] },
        ratio: result.rollups[p] / result.raw[p],
        conditions,
      });
    recordFigure({
      bench: 'aggregation',
      id: `aggregation.ingest${suffix}`,
      label: 'samples written, a week per transaction',
      value: result.samples / result.seconds,
      unit: 'samples/s',
      conditions,
    });
  }
}

void main();
