import { bucketStart, bucketsBetween, ianaZone, localDay } from '../domain/time-buckets.js';
import type { UserApi } from './api.js';

/** How many days the energy chart shows, today included. */
export const CHART_DAYS = 30;

/** One row of the API's `operators/sum` answer. */
interface SumRow {
  date: string;
  tariffType: 'hc' | 'hp';
  value: number;
  [valueOfTariff: string]: unknown;
}

/** Energy of one source in one tariff class, day by day. */
export interface EnergySeries {
  source: 'station' | 'house';
  /** hc, hp; `base` for a Base subscription (one all-hours tariff, counted as hp by the API). */
  tariff: 'hc' | 'hp' | 'base';
  /** kWh per day, in the order of `days` (0 for a day without data). */
  values: number[];
}

/** The energy chart of an installation: days in its zone and the series to stack. */
export interface EnergyChart {
  unit: 'kWh';
  /** Local dates, oldest first (YYYY-MM-DD). */
  days: string[];
  series: EnergySeries[];
  /** Why the house's consumption is not shown: no consent to TIC data, or no grid meter. */
  house: 'shown' | 'noConsent' | 'noMeter';
  /** The installation's grid meter, whose TIC consent the owner gives or withdraws. */
  meterId: string | null;
}

/** The series of one source from its daily sums, one per tariff class present. */
export function seriesOf(
  source: EnergySeries['source'],
  rows: readonly SumRow[],
  days: readonly string[],
  zone: string,
): EnergySeries[] {
  const index = new Map(days.map((day, n) => [day, n]));
  const classes = (['hc', 'hp'] as const).filter((c) => rows.some((r) => r.tariffType === c));
  // Only the Base tariff (th) in the data: one all-hours series rather than an "hp" one.
  const base =
    !classes.includes('hc') && rows.every((r) => valueKeys(r).every((k) => k === 'valueTh'));
  return classes.map((tariffType) => {
    const values = days.map(() => 0);
    for (const row of rows.filter((r) => r.tariffType === tariffType)) {
      const n = index.get(localDay(new Date(row.date), zone));
      if (n !== undefined) values[n] = (values[n] ?? 0) + row.value;
    }
    return { source, tariff: base ? 'base' : tariffType, values };
  });
}

function valueKeys(row: SumRow): string[] {
  return Object.keys(row).filter((key) => key.startsWith('value') && key !== 'value');
}

/**
 * Reads the last days of energy through the API: the station's EnergyConsumption (measure 1)
 * and, when the owner consents to TIC data, the grid meter's, each summed by day.
 */
export async function energyChart(
  api: UserApi,
  installationId: number,
  station: { id: string; timezone: string },
  now: Date,
): Promise<EnergyChart> {
  const zone = ianaZone(station.timezone);
  // 29 days of 24 h back may land on the evening before across a DST change: the last 30
  // local days of the buckets from there are the ones shown.
  const start = new Date(bucketStart(now, 'day', zone).getTime() - (CHART_DAYS - 1) * 86_400_000);
  const buckets = bucketsBetween(start, new Date(now.getTime() + 1), 'day', zone).slice(
    -CHART_DAYS,
  );
  const days = buckets.map((bucket) => localDay(bucket, zone));
  // Up to the end of today (25 h covers a day of DST change; a later bucket is not shown):
  // a station whose clock runs ahead still has its readings of today counted.
  const period = {
    startDate: buckets[0]!.toISOString(),
    endDate: new Date(bucketStart(now, 'day', zone).getTime() + 25 * 3_600_000).toISOString(),
    step: 'day',
  };
  const base = `/installations/${installationId}`;
  const stationSums = await api.call<SumRow[]>(
    'POST',
    `${base}/charging-stations/${station.id}/measures/1/operators/sum`,
    period,
  );
  if (stationSums.status !== 200) throw new Error(`station energy: ${stationSums.status}`);
  const series = seriesOf('station', stationSums.body, days, zone);

  const meters = await api.call<{ id: string }[]>('GET', `${base}/grid-meters`);
  const meter = meters.status === 200 ? meters.body[0] : undefined;
  if (!meter) return { unit: 'kWh', days, series, house: 'noMeter', meterId: null };
  const houseSums = await api.call<SumRow[]>(
    'POST',
    `${base}/grid-meters/${meter.id}/measures/1/operators/sum`,
    period,
  );
  // 403 TIC_CONSENT_REQUIRED: the house's consumption is the owner's to share, or not.
  if (houseSums.status === 403)
    return { unit: 'kWh', days, series, house: 'noConsent', meterId: meter.id };
  if (houseSums.status !== 200) throw new Error(`house energy: ${houseSums.status}`);
  return {
    unit: 'kWh',
    days,
    series: [...series, ...seriesOf('house', houseSums.body, days, zone)],
    house: 'shown',
    meterId: meter.id,
  };
}
