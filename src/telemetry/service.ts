import {
  aggregate,
  countByBucket,
  type AggregationRow,
  type BucketStat,
  type LogCountRow,
  type Operator,
} from '../domain/aggregation.js';
import {
  isTariffId,
  tariffTypeOf,
  valueKeyOf,
  type StandardTariffClasses,
} from '../domain/tariffs.js';
import { bucketStart, ianaZone, nextBucketStart, type Step } from '../domain/time-buckets.js';
import type { LogOrder } from './schemas.js';
import type { TelemetryStore } from './store.js';

const HOUR = 3600_000;

/** One record of a log, as the API shows it. */
export interface LogEntry {
  date: string;
  value: unknown;
  logName: string;
}

const floorHour = (date: Date) => new Date(Math.floor(date.getTime() / HOUR) * HOUR);
const ceilHour = (date: Date) => new Date(Math.ceil(date.getTime() / HOUR) * HOUR);

/**
 * Measures and logs as the API reads them: the aggregation operators answered from rollups,
 * log lists and counts, session costs. Samples and logs are written through a MeasureRecorder.
 */
export class TelemetryService {
  constructor(private readonly deps: { telemetry: TelemetryStore }) {}

  /** The IANA zone of a station's installation. */
  zoneOf(station: { timezone: string }): string {
    return ianaZone(station.timezone);
  }

  /**
   * Statistics of a measure over [start, end) in buckets of `step` in the zone: whole local days
   * from daily rollups, whole hours from hourly rollups, and the partial hours at either end
   * from raw samples, so that the result is exact and a year reads a few hundred rows.
   */
  async statistics(
    deviceId: string,
    measure: string,
    start: Date,
    end: Date,
    step: Step,
    zone: string,
  ): Promise<BucketStat[]> {
    const { telemetry } = this.deps;
    const stats: BucketStat[] = [];
    // Rollup rows already start on an hour (or a local day): only coarser steps need the zone.
    const add = (
      at: string,
      tariff: string,
      sum: number,
      count: number,
      min: number,
      max: number,
      aligned: boolean,
    ) =>
      stats.push({
        bucketStart: aligned ? new Date(at) : cachedBucketStart(at, step, zone),
        tariff,
        sum,
        count,
        min,
        max,
      });

    const byHours = async (from: Date, to: Date) => {
      if (from >= to) return;
      const hourFrom = ceilHour(from);
      const hourTo = floorHour(to);
      if (hourFrom >= hourTo) {
        for (const s of await telemetry.samples(
          deviceId,
          measure,
          from.toISOString(),
          to.toISOString(),
        ))
          add(s.at, s.tariff, s.value, 1, s.value, s.value, false);
        return;
      }
      for (const [a, b] of [
        [from, hourFrom],
        [hourTo, to],
      ] as const) {
        if (a < b)
          for (const s of await telemetry.samples(
            deviceId,
            measure,
            a.toISOString(),
            b.toISOString(),
          ))
            add(s.at, s.tariff, s.value, 1, s.value, s.value, false);
      }
      for (const r of await telemetry.rollups(
        'measure_hours',
        deviceId,
        measure,
        hourFrom.toISOString(),
        hourTo.toISOString(),
      ))
        add(r.bucket_start, r.tariff, r.sum, r.count, r.min, r.max, step === 'hour');
    };

    if (step === 'hour') {
      await byHours(start, end);
      return stats;
    }
    const firstDay = bucketStart(start, 'day', zone);
    const dayFrom =
      firstDay.getTime() === start.getTime() ? start : nextBucketStart(firstDay, 'day', zone);
    const dayTo = bucketStart(end, 'day', zone);
    if (dayFrom >= dayTo) {
      await byHours(start, end);
      return stats;
    }
    await byHours(start, dayFrom);
    for (const r of await telemetry.rollups(
      'measure_days',
      deviceId,
      measure,
      dayFrom.toISOString(),
      dayTo.toISOString(),
    ))
      add(r.bucket_start, r.tariff, r.sum, r.count, r.min, r.max, step === 'day');
    await byHours(dayTo, end);
    return stats;
  }

  /** The guide's aggregation result of an operator over a measure. */
  async aggregate(
    deviceId: string,
    measure: string,
    operator: Operator,
    range: { start: Date; end: Date; step: Step },
    zone: string,
    classes: StandardTariffClasses,
  ): Promise<AggregationRow[]> {
    const stats = await this.statistics(
      deviceId,
      measure,
      range.start,
      range.end,
      range.step,
      zone,
    );
    return aggregate(
      stats,
      operator,
      (tariff) => (isTariffId(tariff) ? tariffTypeOf(tariff, classes) : 'hp'),
      (tariff) => (isTariffId(tariff) ? valueKeyOf(tariff) : `value${tariff}`),
    );
  }

  /** Log records in [start, end), of some logs or all, oldest first unless `order` is desc. */
  async logs(
    deviceId: string,
    start: Date,
    end: Date,
    names?: readonly string[],
    order: LogOrder = 'asc',
  ): Promise<LogEntry[]> {
    const rows = await this.deps.telemetry.logs(
      deviceId,
      start.toISOString(),
      end.toISOString(),
      names,
    );
    if (order === 'desc') rows.reverse();
    return rows.map((row) => ({
      date: row.at,
      value: JSON.parse(row.value) as unknown,
      logName: row.log_name,
    }));
  }

  async countLogs(
    deviceId: string,
    name: string,
    range: { start: Date; end: Date; step: Step },
    zone: string,
  ): Promise<LogCountRow[]> {
    const rows = await this.deps.telemetry.logs(
      deviceId,
      range.start.toISOString(),
      range.end.toISOString(),
      [name],
    );
    return countByBucket(
      rows.map((row) => new Date(row.at)),
      range.step,
      zone,
      name,
    );
  }

  /** Cost of sessions: the sum of their ConsumptionCost samples. */
  sessionCosts(sessionIds: readonly number[]): Promise<Map<number, number>> {
    return this.deps.telemetry.sumBySession('ConsumptionCost', sessionIds);
  }
}

const bucketCache = new Map<string, Date>();

/** bucketStart of a stored instant, remembered: the same days and hours are asked again and again. */
function cachedBucketStart(at: string, step: Step, zone: string): Date {
  const key = `${step}|${zone}|${at}`;
  let start = bucketCache.get(key);
  if (!start) {
    if (bucketCache.size > 200_000) bucketCache.clear();
    start = bucketStart(new Date(at), step, zone);
    bucketCache.set(key, start);
  }
  return start;
}
