import { sql, type Selectable } from 'kysely';
import { ONE_ROW, ReusableQuery, ReusableRowsQuery } from '../db/reusable-query.js';
import { atomically, type Executor } from '../db/unit-of-work.js';
import type { LogRecordsTable, MeasureRollupTable, MeasureSamplesTable } from '../db/schema.js';

export type SampleRow = Omit<Selectable<MeasureSamplesTable>, 'id'>;
export type RollupRow = Selectable<MeasureRollupTable>;
export type LogRow = Selectable<LogRecordsTable>;

/** A sample with the starts of the hour and local day it falls in (computed by the caller). */
export interface PlacedSample extends SampleRow {
  hourStart: string;
  dayStart: string;
  localDay: string;
}

type Statistic = {
  device_id: string;
  measure: string;
  tariff: string;
  bucket_start: string;
  sum: number;
  count: number;
  min: number;
  max: number;
};

/** Merges samples into one statistic per (device, measure, tariff, bucket). */
function summarize(
  samples: readonly PlacedSample[],
  bucketOf: (s: PlacedSample) => string,
): Statistic[] {
  const byKey = new Map<string, Statistic>();
  for (const sample of samples) {
    const bucket = bucketOf(sample);
    const key = `${sample.device_id}\u0000${sample.measure}\u0000${sample.tariff}\u0000${bucket}`;
    const current = byKey.get(key);
    if (current) {
      current.sum += sample.value;
      current.count += 1;
      current.min = Math.min(current.min, sample.value);
      current.max = Math.max(current.max, sample.value);
    } else {
      byKey.set(key, {
        device_id: sample.device_id,
        measure: sample.measure,
        tariff: sample.tariff,
        bucket_start: bucket,
        sum: sample.value,
        count: 1,
        min: sample.value,
        max: sample.value,
      });
    }
  }
  return [...byKey.values()];
}

// Rows per multi-row statement: 9 columns each stays under SQLite's 32,766 bound parameters.
const ROWS_PER_STATEMENT = 1000;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += size) result.push(items.slice(i, i + size));
  return result;
}

const sumsBySession = (db: Executor, measure: string, sessionIds: readonly number[]) =>
  db
    .selectFrom('measure_samples')
    .select(['session_id', (eb) => eb.fn.sum<number>('value').as('total')])
    .where('measure', '=', measure)
    .where('session_id', 'in', [...sessionIds])
    .groupBy('session_id');

const sumOfTwoSessions = new ReusableQuery(
  ['measure', 'first', 'second'],
  (db: Executor, { measure, first, second }: { measure: string; first: number; second: number }) =>
    sumsBySession(db, measure, [first, second]),
);

// What each MeterValues message stores, compiled once per number of rows.

const SAMPLE_COLUMNS = ['device_id', 'measure', 'at', 'tariff', 'value', 'session_id'] as const;
type SampleValues = Pick<PlacedSample, (typeof SAMPLE_COLUMNS)[number]>;

const sampleInsert = new ReusableRowsQuery<SampleValues>(SAMPLE_COLUMNS, (db, rows) =>
  db.insertInto('measure_samples').values(rows),
);

const ROLLUP_KEY = ['device_id', 'measure', 'bucket_start', 'tariff'] as const;

/** Adds statistics to a rollup table's rows (a new row, or merged into the existing one). */
function rollupMerge(table: 'measure_hours' | 'measure_days') {
  return {
    sum: sql<number>`${sql.ref(`${table}.sum`)} + excluded.sum`,
    count: sql<number>`${sql.ref(`${table}.count`)} + excluded.count`,
    min: sql<number>`case when excluded.min < ${sql.ref(`${table}.min`)} then excluded.min else ${sql.ref(`${table}.min`)} end`,
    max: sql<number>`case when excluded.max > ${sql.ref(`${table}.max`)} then excluded.max else ${sql.ref(`${table}.max`)} end`,
  };
}

const STATISTIC_COLUMNS = [
  'device_id',
  'measure',
  'tariff',
  'bucket_start',
  'sum',
  'count',
  'min',
  'max',
] as const;

const hourUpsert = new ReusableRowsQuery<Statistic>(STATISTIC_COLUMNS, (db, rows) =>
  db
    .insertInto('measure_hours')
    .values(rows)
    .onConflict((oc) => oc.columns(ROLLUP_KEY).doUpdateSet(rollupMerge('measure_hours'))),
);

const dayUpsert = new ReusableRowsQuery<Statistic & { local_day: string }>(
  [...STATISTIC_COLUMNS, 'local_day'],
  (db, rows) =>
    db
      .insertInto('measure_days')
      .values(rows)
      .onConflict((oc) => oc.columns(ROLLUP_KEY).doUpdateSet(rollupMerge('measure_days'))),
);

/** SQL of measures (raw 10-minute samples, hourly and daily rollups) and logs. */
export class TelemetryStore {
  constructor(private readonly db: Executor) {}

  /**
   * Stores samples and adds them to the hourly and daily rollups, in one transaction, so that
   * aggregations read rollups instead of every sample.
   */
  async insertSamples(samples: readonly PlacedSample[]): Promise<void> {
    if (samples.length === 0) return;
    await atomically(this.db, async (trx) => {
      await this.insertRaw(trx, samples);
      await this.addToRollups(trx, samples);
    });
  }

  private async insertRaw(trx: Executor, samples: readonly PlacedSample[]): Promise<void> {
    for (const chunk of chunks(samples, ROWS_PER_STATEMENT)) await sampleInsert.execute(trx, chunk);
  }

  private async addToRollups(trx: Executor, samples: readonly PlacedSample[]): Promise<void> {
    // One statement per table and chunk: summarize() made the keys unique within it.
    for (const chunk of chunks(
      summarize(samples, (s) => s.hourStart),
      ROWS_PER_STATEMENT,
    ))
      await hourUpsert.execute(trx, chunk);
    const localDays = new Map(samples.map((s) => [s.dayStart, s.localDay]));
    const days = summarize(samples, (s) => s.dayStart).map((day) => ({
      ...day,
      local_day: localDays.get(day.bucket_start) ?? '',
    }));
    for (const chunk of chunks(days, ROWS_PER_STATEMENT)) await dayUpsert.execute(trx, chunk);
  }

  /**
   * Replaces a measure's samples and rollups from a day start on with ones built from another
   * measure's samples (costs from energy when prices changed in the past).
   */
  async replaceSince(
    deviceId: string,
    measure: string,
    dayStart: string,
    build: (from: readonly SampleRow[]) => PlacedSample[],
    sourceMeasure: string,
  ): Promise<void> {
    await atomically(this.db, async (trx) => {
      // Read in the same transaction, so that no sample stored meanwhile is lost.
      const source = await trx
        .selectFrom('measure_samples')
        .select(['device_id', 'measure', 'at', 'tariff', 'value', 'session_id'])
        .where('device_id', '=', deviceId)
        .where('measure', '=', sourceMeasure)
        .where('at', '>=', dayStart)
        .orderBy('at')
        .execute();
      const samples = build(source);
      for (const table of ['measure_samples', 'measure_hours', 'measure_days'] as const) {
        const column = table === 'measure_samples' ? 'at' : 'bucket_start';
        await trx
          .deleteFrom(table)
          .where('device_id', '=', deviceId)
          .where('measure', '=', measure)
          .where(column, '>=', dayStart)
          .execute();
      }
      if (samples.length === 0) return;
      await this.insertRaw(trx, samples);
      await this.addToRollups(trx, samples);
    });
  }

  /** Raw samples with from ≤ at < to. */
  samples(deviceId: string, measure: string, from: string, to: string): Promise<SampleRow[]> {
    return this.db
      .selectFrom('measure_samples')
      .select(['device_id', 'measure', 'at', 'tariff', 'value', 'session_id'])
      .where('device_id', '=', deviceId)
      .where('measure', '=', measure)
      .where('at', '>=', from)
      .where('at', '<', to)
      .orderBy('at')
      .execute();
  }

  /** Rollups whose bucket starts in [from, to). */
  rollups(
    table: 'measure_hours' | 'measure_days',
    deviceId: string,
    measure: string,
    from: string,
    to: string,
  ): Promise<RollupRow[]> {
    return this.db
      .selectFrom(table)
      .select(['device_id', 'measure', 'tariff', 'bucket_start', 'sum', 'count', 'min', 'max'])
      .where('device_id', '=', deviceId)
      .where('measure', '=', measure)
      .where('bucket_start', '>=', from)
      .where('bucket_start', '<', to)
      .execute();
  }

  /** Sum of a measure's samples per session (the cost of sessions). */
  async sumBySession(measure: string, sessionIds: readonly number[]): Promise<Map<number, number>> {
    if (sessionIds.length === 0) return new Map();
    // A station's read asks for its current and last sessions: one query, compiled once.
    const rows =
      sessionIds.length <= 2
        ? (
            await sumOfTwoSessions.execute(this.db, {
              measure,
              first: sessionIds[0]!,
              second: sessionIds[1] ?? sessionIds[0]!,
            })
          ).rows
        : await sumsBySession(this.db, measure, sessionIds).execute();
    return new Map(rows.map((row) => [Number(row.session_id), Number(row.total)]));
  }

  async insertLog(record: Omit<LogRow, 'id'>): Promise<void> {
    await this.db.insertInto('log_records').values(record).execute();
  }

  /** Log records with from ≤ at < to, of the given logs (all when none given), oldest first. */
  logs(deviceId: string, from: string, to: string, names?: readonly string[]): Promise<LogRow[]> {
    let query = this.db
      .selectFrom('log_records')
      .selectAll()
      .where('device_id', '=', deviceId)
      .where('at', '>=', from)
      .where('at', '<', to);
    if (names) query = query.where('log_name', 'in', names.length > 0 ? [...names] : ['']);
    return query.orderBy('at').orderBy('id').execute();
  }

  /** Latest record of a log before an instant (to tell changes from repeats). */
  lastLog(deviceId: string, name: string): Promise<LogRow | undefined> {
    return this.db
      .selectFrom('log_records')
      .selectAll()
      .where('device_id', '=', deviceId)
      .where('log_name', '=', name)
      .orderBy('at', 'desc')
      .orderBy('id', 'desc')
      .limit(ONE_ROW)
      .executeTakeFirst();
  }
}
