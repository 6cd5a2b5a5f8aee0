/** Operators of measures and logs: per-bucket statistics turned into the guide's result rows. */
import { bucketStart, type Step } from './time-buckets.js';

/** Operators of the measures routes, as the guide spells them. */
export type Operator = 'sum' | 'count' | 'average' | 'min-max';

/** Every measure operator. */
export const OPERATORS: readonly Operator[] = ['sum', 'count', 'average', 'min-max'];

/** Statistics of one tariff in one bucket; a bucket may come in several pieces, merged here. */
export interface BucketStat {
  bucketStart: Date;
  tariff: string;
  sum: number;
  count: number;
  min: number;
  max: number;
}

/** One result row of a measure operator: a bucket and tariff type, with one `valueXxx` per tariff. */
export interface AggregationRow {
  date: string;
  tariffType: 'hc' | 'hp';
  value: number;
  valueMin?: number;
  valueMax?: number;
  [valueKey: string]: string | number | undefined;
}

/** Six decimals drop float noise (0.1 + 0.2); `+ 0` turns -0 into 0. */
const round = (value: number): number => Math.round(value * 1e6) / 1e6 + 0;

interface Totals {
  sum: number;
  count: number;
  min: number;
  max: number;
}

const merge = (into: Totals, piece: Totals): void => {
  into.sum += piece.sum;
  into.count += piece.count;
  into.min = Math.min(into.min, piece.min);
  into.max = Math.max(into.max, piece.max);
};

/** The operator applied to merged statistics; average is weighted by counts, never a mean of means. */
function apply(operator: Operator, totals: Totals): number {
  switch (operator) {
    case 'sum':
      return totals.sum;
    case 'count':
      return totals.count;
    case 'average':
      return totals.sum / totals.count;
    case 'min-max':
      return totals.max;
  }
}

interface Group {
  start: number;
  tariffType: 'hc' | 'hp';
  totals: Totals;
  /** Per tariff, in order of first appearance, so rows list tariffs as the caller gives them. */
  tariffs: Map<string, Totals>;
}

/**
 * Result rows of a measure operator: one per bucket and tariff type with data, by date then hc
 * before hp, `value` over the whole group and one `valueXxx` per tariff present.
 */
export function aggregate(
  stats: readonly BucketStat[],
  operator: Operator,
  tariffTypeOf: (tariff: string) => 'hc' | 'hp',
  valueKeyOf: (tariff: string) => string,
): AggregationRow[] {
  const groups = new Map<string, Group>();
  for (const stat of stats) {
    // A piece without samples has no meaningful min or max and must not create a row.
    if (stat.count <= 0) continue;
    const start = stat.bucketStart.getTime();
    const tariffType = tariffTypeOf(stat.tariff);
    const key = `${start}|${tariffType}`;
    let group = groups.get(key);
    if (!group) {
      group = {
        start,
        tariffType,
        totals: { sum: 0, count: 0, min: Infinity, max: -Infinity },
        tariffs: new Map(),
      };
      groups.set(key, group);
    }
    merge(group.totals, stat);
    const tariffTotals = group.tariffs.get(stat.tariff);
    if (tariffTotals) merge(tariffTotals, stat);
    else
      group.tariffs.set(stat.tariff, {
        sum: stat.sum,
        count: stat.count,
        min: stat.min,
        max: stat.max,
      });
  }

  return [...groups.values()]
    .sort((a, b) => a.start - b.start || a.tariffType.localeCompare(b.tariffType))
    .map((group) => {
      const row: AggregationRow = {
        date: new Date(group.start).toISOString(),
        tariffType: group.tariffType,
        value: round(apply(operator, group.totals)),
      };
      if (operator === 'min-max') {
        row.valueMin = round(group.totals.min);
        row.valueMax = round(group.totals.max);
      }
      for (const [tariff, totals] of group.tariffs) {
        row[valueKeyOf(tariff)] = round(apply(operator, totals));
      }
      return row;
    });
}

/** One result row of the log count operator. */
export interface LogCountRow {
  date: string;
  value: number;
  logName: string;
}

/** Log records counted per bucket of the zone, by date; buckets without records are left out. */
export function countByBucket(
  instants: readonly Date[],
  step: Step,
  zone: string,
  logName: string,
): LogCountRow[] {
  const counts = new Map<number, number>();
  for (const instant of instants) {
    const start = bucketStart(instant, step, zone).getTime();
    counts.set(start, (counts.get(start) ?? 0) + 1);
  }
  return [...counts.entries()]
    .sort(([a], [b]) => a - b)
    .map(([start, value]) => ({ date: new Date(start).toISOString(), value, logName }));
}
