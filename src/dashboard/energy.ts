import { valueKeyOf } from '../domain/tariffs.js';
import { bucketStart, bucketsBetween, ianaZone, localDay } from '../domain/time-buckets.js';
import type { UserApi } from './api.js';

/** How many days the chart by day shows, today included. */
export const CHART_DAYS = 30;
/** How many months the chart by month shows, this one included. */
export const CHART_MONTHS = 12;

/** What the chart shows: energy or cost, by day (30 days) or by month (12 months). */
export interface ChartView {
  step: 'day' | 'month';
  measure: 'energy' | 'cost';
}

/** The view a query asks for; anything else asked is by day, in energy. */
export function chartViewOf(query: { step?: unknown; measure?: unknown }): ChartView {
  return {
    step: query.step === 'month' ? 'month' : 'day',
    measure: query.measure === 'cost' ? 'cost' : 'energy',
  };
}

/** The measure ids of the guide's catalogue (src/telemetry/catalog.ts). */
const MEASURE_IDS = {
  station: { energy: '1', cost: '3' },
  house: { energy: '1', cost: '2' },
} as const;

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
  tariff: SeriesTariff;
  /** kWh per day, in the order of `days` (0 for a day without data). */
  values: number[];
}

/** The chart of an installation: days or months in its zone and the series to stack. */
export interface EnergyChart {
  view: ChartView;
  /** kWh, or the currency of the costs. */
  unit: string;
  /** Local dates (YYYY-MM-DD) or months (YYYY-MM), oldest first. */
  days: string[];
  series: EnergySeries[];
  /** Why the house's consumption is not shown: no consent to TIC data, or no grid meter. */
  house: 'shown' | 'noConsent' | 'noMeter';
  /** The installation's grid meter, whose TIC consent the owner gives or withdraws. */
  meterId: string | null;
}

/** Tempo's six tariffs: off-peak and peak of blue, white and red days, in stacking order. */
export const TEMPO_TARIFFS = ['hcjb', 'hpjb', 'hcjw', 'hpjw', 'hcjr', 'hpjr'] as const;

/** What a series stacks: a tariff class, Base's one tariff, or one of Tempo's six. */
export type SeriesTariff = 'hc' | 'hp' | 'base' | (typeof TEMPO_TARIFFS)[number];

/**
 * The series of one source from its daily (or monthly) sums: one per tariff class present, or,
 * for a Tempo subscription, one per Tempo tariff present (its day colours).
 */
export function seriesOf(
  source: EnergySeries['source'],
  rows: readonly SumRow[],
  days: readonly string[],
  zone: string,
): EnergySeries[] {
  const index = new Map(days.map((day, n) => [day, n]));
  const width = days[0]?.length ?? 10;
  const slot = (row: SumRow) => index.get(localDay(new Date(row.date), zone).slice(0, width));
  const tempo = TEMPO_TARIFFS.filter((tariff) =>
    rows.some((row) => typeof row[valueKeyOf(tariff)] === 'number'),
  );
  if (tempo.length > 0) {
    return tempo.map((tariff) => {
      const values = days.map(() => 0);
      for (const row of rows) {
        const n = slot(row);
        const value = row[valueKeyOf(tariff)];
        if (n !== undefined && typeof value === 'number') values[n] = (values[n] ?? 0) + value;
      }
      return { source, tariff, values };
    });
  }
  const classes = (['hc', 'hp'] as const).filter((c) => rows.some((r) => r.tariffType === c));
  // Only the Base tariff (th) in the data: one all-hours series rather than an "hp" one.
  const base =
    !classes.includes('hc') && rows.every((r) => valueKeys(r).every((k) => k === 'valueTh'));
  return classes.map((tariffType) => {
    const values = days.map(() => 0);
    for (const row of rows.filter((r) => r.tariffType === tariffType)) {
      const n = slot(row);
      if (n !== undefined) values[n] = (values[n] ?? 0) + row.value;
    }
    return { source, tariff: base ? 'base' : tariffType, values };
  });
}

function valueKeys(row: SumRow): string[] {
  return Object.keys(row).filter((key) => key.startsWith('value') && key !== 'value');
}

/**
 * Reads the last days (or months) of energy or cost through the API: the station's measure
 * and, when the owner consents to TIC data, the grid meter's, each summed by day or month.
 */
export async function energyChart(
  api: UserApi,
  installationId: number,
  station: { id: string; timezone: string },
  now: Date,
  view: ChartView,
  /** The currency of the installation's costs (the unit of the cost view). */
  currency: string | null,
): Promise<EnergyChart> {
  const zone = ianaZone(station.timezone);
  const { step } = view;
  const count = step === 'day' ? CHART_DAYS : CHART_MONTHS;
  // Back far enough for `count` buckets whatever DST does; the last `count` are the ones shown.
  const back =
    step === 'day' ? (CHART_DAYS - 1) * 86_400_000 : (CHART_MONTHS - 1) * 31 * 86_400_000;
  const start = new Date(bucketStart(now, step, zone).getTime() - back);
  const buckets = bucketsBetween(start, new Date(now.getTime() + 1), step, zone).slice(-count);
  const days = buckets.map((bucket) => localDay(bucket, zone).slice(0, step === 'day' ? 10 : 7));
  // Up to the end of today (25 h covers a day of DST change; a later bucket is not shown):
  // a station whose clock runs ahead still has its readings of today counted.
  const period = {
    startDate: buckets[0]!.toISOString(),
    endDate: new Date(bucketStart(now, 'day', zone).getTime() + 25 * 3_600_000).toISOString(),
    step,
  };
  const unit = view.measure === 'energy' ? 'kWh' : (currency ?? '').toUpperCase();
  const base = `/installations/${installationId}`;
  const stationSums = await api.call<SumRow[]>(
    'POST',
    `${base}/charging-stations/${station.id}/measures/${MEASURE_IDS.station[view.measure]}/operators/sum`,
    period,
  );
  if (stationSums.status !== 200) throw new Error(`station ${view.measure}: ${stationSums.status}`);
  const series = seriesOf('station', stationSums.body, days, zone);

  const meters = await api.call<{ id: string }[]>('GET', `${base}/grid-meters`);
  const meter = meters.status === 200 ? meters.body[0] : undefined;
  if (!meter) return { view, unit, days, series, house: 'noMeter', meterId: null };
  const houseSums = await api.call<SumRow[]>(
    'POST',
    `${base}/grid-meters/${meter.id}/measures/${MEASURE_IDS.house[view.measure]}/operators/sum`,
    period,
  );
  // 403 TIC_CONSENT_REQUIRED: the house's consumption is the owner's to share, or not.
  if (houseSums.status === 403)
    return { view, unit, days, series, house: 'noConsent', meterId: meter.id };
  if (houseSums.status !== 200) throw new Error(`house ${view.measure}: ${houseSums.status}`);
  return {
    view,
    unit,
    days,
    series: [...series, ...seriesOf('house', houseSums.body, days, zone)],
    house: 'shown',
    meterId: meter.id,
  };
}
