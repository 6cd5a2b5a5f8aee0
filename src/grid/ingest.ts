import { DEFAULT_PRICES, energyCost, priceInForce, type PricePoint } from '../domain/prices.js';
import { isTariffId, type TariffId } from '../domain/tariffs.js';
import { readTic, ticTypeName } from '../domain/tic.js';
import { bucketStart, ianaZone } from '../domain/time-buckets.js';
import type { PriceAt, StationRow } from '../stations/index.js';
import type { MeasureRecorder, SampleRow } from '../telemetry/index.js';
import type { GridStore } from './store.js';
import { loadTariffSourceForAnyInstant } from './tariff-source.js';

const TEN_MINUTES = 600_000;

/** The stores grid ingest writes to, bound to the caller's unit of work. */
export interface GridStores {
  grid: GridStore;
  measures: MeasureRecorder;
}

/** Price history of every tariff of an installation. */
async function priceHistory(
  grid: GridStore,
  installationId: number,
): Promise<Map<string, PricePoint[]>> {
  const history = new Map<string, PricePoint[]>();
  for (const row of await grid.prices(installationId)) {
    const points = history.get(row.tariff_id) ?? [];
    points.push({ beginDate: row.begin_date, value: row.value });
    history.set(row.tariff_id, points);
  }
  return history;
}

/**
 * The tariff a station's consumption counts in and its price at an instant: the grid meter's
 * current tariff while TIC data is consented and known, else the tariff of that instant under
 * the owner's declared subscription, else Base (the guide: default tariffs without consent).
 * Read once, then asked for as many instants as a message has readings.
 */
export async function stationPricing(grid: GridStore, station: StationRow): Promise<PriceAt> {
  const source = await loadTariffSourceForAnyInstant(grid, station);
  const history = await priceHistory(grid, station.installation_id);
  return (at) => {
    const tariff = source.tariffAt(at);
    return { tariff, price: priceInForce(history.get(tariff) ?? [], at, DEFAULT_PRICES[tariff]) };
  };
}

/**
 * A TIC frame from the station (DataTransfer Tic). Kept only while the owner consents; index
 * deltas become EnergyConsumption and ConsumptionCost samples of their tariff, the apparent
 * power and intensity samples of the instant, and tariff or TIC type changes logs.
 */
export async function ingestTic(
  { grid, measures }: GridStores,
  station: StationRow | undefined,
  labels: Record<string, string>,
  at: string,
): Promise<'Accepted' | 'Rejected'> {
  if (!station || station.authorize_tic !== 1) return 'Rejected';
  const meter = await grid.findByStation(station.id);
  if (!meter) return 'Rejected';
  // A frame not newer than the last one kept (a retry, a late frame) adds nothing.
  if (meter.last_tic_at && at <= meter.last_tic_at) return 'Accepted';
  const reading = readTic(labels);
  const previous = meter.indexes
    ? (JSON.parse(meter.indexes) as Partial<Record<TariffId, number>>)
    : {};
  const intervalStart =
    meter.last_tic_at && meter.last_tic_at < at
      ? meter.last_tic_at
      : new Date(Date.parse(at) - TEN_MINUTES).toISOString();
  const samples: SampleRow[] = [];
  const deltas = (Object.entries(reading.indexesWh) as [TariffId, number][]).filter(
    ([tariff, index]) => previous[tariff] !== undefined && index > previous[tariff],
  );
  const history = deltas.length > 0 ? await priceHistory(grid, station.installation_id) : null;
  for (const [tariff, index] of deltas) {
    const energyKwh = (index - previous[tariff]!) / 1000;
    const price = priceInForce(
      history?.get(tariff) ?? [],
      new Date(intervalStart),
      DEFAULT_PRICES[tariff],
    );
    // Samples written out whole: object spreads cost microseconds each on every frame.
    const sample = (measure: string, value: number): SampleRow => ({
      device_id: meter.id,
      measure,
      at: intervalStart,
      tariff,
      value,
      session_id: null,
    });
    samples.push(
      sample('EnergyConsumption', energyKwh),
      sample('ConsumptionCost', energyCost(energyKwh, price)),
    );
  }
  const tariffNow = reading.currentTariff ?? (meter.current_tariff as TariffId | null) ?? 'th';
  const instant = (measure: string, value: number): SampleRow => ({
    device_id: meter.id,
    measure,
    at,
    tariff: tariffNow,
    value,
    session_id: null,
  });
  if (reading.apparentPowerVa !== null)
    samples.push(instant('ApparentPower', reading.apparentPowerVa));
  if (reading.intensityA !== null) samples.push(instant('Intensity', reading.intensityA));
  await measures.samples(samples, ianaZone(station.timezone));

  if (reading.currentTariff && reading.currentTariff !== meter.current_tariff) {
    await measures.log(
      meter.id,
      'CurrentTariff',
      { currentTariff: reading.currentTariff.toUpperCase() },
      at,
    );
  }
  if (reading.ticType !== meter.tic_type) {
    await measures.log(
      meter.id,
      'TicType',
      { ticType: ticTypeName(reading.ticType) ?? 'error' },
      at,
    );
  }
  await grid.recordTic(meter.id, {
    tic_type: reading.ticType,
    subscription: reading.subscription ?? meter.subscription,
    current_tariff: reading.currentTariff ?? meter.current_tariff,
    indexes: JSON.stringify({ ...previous, ...reading.indexesWh }),
    total_index_wh: reading.totalIndexWh ?? meter.total_index_wh,
    intensity_subscribed: reading.intensitySubscribedA ?? meter.intensity_subscribed,
    last_tic_at: at,
  });
  return 'Accepted';
}

/**
 * Prices changed from `since` on: the ConsumptionCost samples of the installation's station and
 * grid meter from that local day on are priced again, and their rollups rebuilt.
 */
export async function repriceSince(
  { grid, measures }: GridStores,
  station: StationRow,
  since: Date,
): Promise<void> {
  const zone = ianaZone(station.timezone);
  const dayStart = bucketStart(since, 'day', zone).toISOString();
  const history = await priceHistory(grid, station.installation_id);
  const meter = await grid.findByStation(station.id);
  const priced = (energy: readonly SampleRow[]) =>
    energy.map((sample) => {
      const tariff = isTariffId(sample.tariff) ? sample.tariff : 'th';
      const price = priceInForce(
        history.get(tariff) ?? [],
        new Date(sample.at),
        DEFAULT_PRICES[tariff],
      );
      return { ...sample, measure: 'ConsumptionCost', value: energyCost(sample.value, price) };
    });
  // Every sample from that day on, whatever its date: the deletion has no end either.
  for (const deviceId of [station.id, ...(meter ? [meter.id] : [])]) {
    await measures.rebuildSince(
      deviceId,
      'ConsumptionCost',
      dayStart,
      'EnergyConsumption',
      priced,
      zone,
    );
  }
}
