import type { Clock } from '../clock.js';
import type { DeviceStore } from '../devices/store.js';
import {
  aggregate,
  countByBucket,
  type AggregationRow,
  type BucketStat,
  type LogCountRow,
  type Operator,
} from '../domain/aggregation.js';
import { DEFAULT_PRICES, energyCost, priceInForce, type PricePoint } from '../domain/prices.js';
import {
  isTariffId,
  tariffTypeOf,
  valueKeyOf,
  type StandardTariffClasses,
  type TariffId,
} from '../domain/tariffs.js';
import { readTic, ticTypeName } from '../domain/tic.js';
import {
  bucketStart,
  ianaZone,
  localDay,
  nextBucketStart,
  type Step,
} from '../domain/time-buckets.js';
import type { GridStore } from '../grid/store.js';
import type { StationRow, StationStore } from '../stations/store.js';
import type { PlacedSample, SampleRow, TelemetryStore } from './store.js';

const HOUR = 3600_000;
const TEN_MINUTES = 600_000;

/** One record of a log, as the API shows it. */
export interface LogEntry {
  date: string;
  value: unknown;
  logName: string;
}

/** The tariff in force for a station's samples, its price history and the station's tariff classes. */
interface Pricing {
  tariff: TariffId;
  price: number;
}

const floorHour = (date: Date) => new Date(Math.floor(date.getTime() / HOUR) * HOUR);
const ceilHour = (date: Date) => new Date(Math.ceil(date.getTime() / HOUR) * HOUR);

/**
 * Measures and logs: turns readings into 10-minute samples tagged with the tariff in force,
 * priced with the installation's prices, and answers the aggregation operators from rollups.
 */
export class TelemetryService {
  constructor(
    private readonly deps: {
      telemetry: TelemetryStore;
      grid: GridStore;
      stations: StationStore;
      devices: DeviceStore;
      clock: Clock;
    },
  ) {}

  /** The IANA zone of a station's installation. */
  zoneOf(station: Pick<StationRow, 'timezone'>): string {
    return ianaZone(station.timezone);
  }

  private place(sample: SampleRow, zone: string): PlacedSample {
    const at = new Date(sample.at);
    return {
      ...sample,
      hourStart: floorHour(at).toISOString(),
      dayStart: bucketStart(at, 'day', zone).toISOString(),
      localDay: localDay(at, zone),
    };
  }

  /** Price history of every tariff of an installation. */
  async priceHistory(installationId: number): Promise<Map<string, PricePoint[]>> {
    const history = new Map<string, PricePoint[]>();
    for (const row of await this.deps.grid.prices(installationId)) {
      const points = history.get(row.tariff_id) ?? [];
      points.push({ beginDate: row.begin_date, value: row.value });
      history.set(row.tariff_id, points);
    }
    return history;
  }

  /**
   * The tariff a station's consumption counts in now: the grid meter's current tariff while
   * TIC data is consented and known, else Base (the guide: default tariffs without consent).
   */
  private async pricing(station: StationRow, at: Date): Promise<Pricing> {
    const meter =
      station.authorize_tic === 1 ? await this.deps.grid.findByStation(station.id) : undefined;
    const tariff: TariffId =
      meter?.current_tariff && isTariffId(meter.current_tariff) ? meter.current_tariff : 'th';
    const history = (await this.priceHistory(station.installation_id)).get(tariff) ?? [];
    return { tariff, price: priceInForce(history, at, DEFAULT_PRICES[tariff]) };
  }

  /**
   * A register reading of a station (MeterValues, StartTransaction, StopTransaction): the energy
   * since the previous reading becomes an EnergyConsumption and a ConsumptionCost sample dated
   * at the start of that interval; power becomes a ChargingPower sample.
   */
  async stationReading(
    uid: string,
    reading: {
      connectorId: number;
      at: string;
      energyWh?: number;
      powerW?: number;
      sessionId: number | null;
    },
  ): Promise<void> {
    const station = await this.deps.stations.findByUid(uid);
    const samples: SampleRow[] = [];
    if (reading.energyWh !== undefined) {
      // OCPP 1.6 §4.7: each connector has its own register; readings are deltas against it.
      const device = await this.deps.devices.find(uid);
      const registers = device?.registers
        ? (JSON.parse(device.registers) as Record<string, { wh: number; at: string }>)
        : {};
      const last = registers[reading.connectorId];
      // A reading not newer than the last one (a retry, a late or repeated sample) adds nothing.
      if (last && reading.at <= last.at) return;
      const previous = last?.wh ?? null;
      const previousAt = last?.at ?? null;
      // A register that goes back (meter replaced, reset) starts a new baseline.
      registers[reading.connectorId] = { wh: reading.energyWh, at: reading.at };
      await this.deps.devices.update(uid, { registers: JSON.stringify(registers) });
      if (station && previous !== null && reading.energyWh > previous) {
        const energyKwh = (reading.energyWh - previous) / 1000;
        const at =
          previousAt && previousAt < reading.at
            ? previousAt
            : new Date(Date.parse(reading.at) - TEN_MINUTES).toISOString();
        const { tariff, price } = await this.pricing(station, new Date(at));
        samples.push(
          {
            device_id: station.id,
            measure: 'EnergyConsumption',
            at,
            tariff,
            value: energyKwh,
            session_id: reading.sessionId,
          },
          {
            device_id: station.id,
            measure: 'ConsumptionCost',
            at,
            tariff,
            value: energyCost(energyKwh, price),
            session_id: reading.sessionId,
          },
        );
      }
    }
    if (station && reading.powerW !== undefined) {
      const { tariff } = await this.pricing(station, new Date(reading.at));
      samples.push({
        device_id: station.id,
        measure: 'ChargingPower',
        at: reading.at,
        tariff,
        value: reading.powerW / 1000,
        session_id: reading.sessionId,
      });
    }
    if (station && samples.length > 0) {
      const zone = this.zoneOf(station);
      await this.deps.telemetry.insertSamples(samples.map((sample) => this.place(sample, zone)));
    }
  }

  /**
   * A TIC frame from the station (DataTransfer Tic). Kept only while the owner consents; index
   * deltas become EnergyConsumption and ConsumptionCost samples of their tariff.
   */
  async ticReading(
    uid: string,
    labels: Record<string, string>,
    at: string,
  ): Promise<'Accepted' | 'Rejected'> {
    const station = await this.deps.stations.findByUid(uid);
    if (!station || station.authorize_tic !== 1) return 'Rejected';
    const meter = await this.deps.grid.findByStation(station.id);
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
    const history = await this.priceHistory(station.installation_id);
    const samples: SampleRow[] = [];
    for (const [tariff, index] of Object.entries(reading.indexesWh) as [TariffId, number][]) {
      const before = previous[tariff];
      if (before === undefined || index <= before) continue;
      const energyKwh = (index - before) / 1000;
      const price = priceInForce(
        history.get(tariff) ?? [],
        new Date(intervalStart),
        DEFAULT_PRICES[tariff],
      );
      samples.push(
        {
          device_id: meter.id,
          measure: 'EnergyConsumption',
          at: intervalStart,
          tariff,
          value: energyKwh,
          session_id: null,
        },
        {
          device_id: meter.id,
          measure: 'ConsumptionCost',
          at: intervalStart,
          tariff,
          value: energyCost(energyKwh, price),
          session_id: null,
        },
      );
    }
    const tariffNow = reading.currentTariff ?? (meter.current_tariff as TariffId | null) ?? 'th';
    if (reading.apparentPowerVa !== null) {
      samples.push({
        device_id: meter.id,
        measure: 'ApparentPower',
        at,
        tariff: tariffNow,
        value: reading.apparentPowerVa,
        session_id: null,
      });
    }
    if (reading.intensityA !== null) {
      samples.push({
        device_id: meter.id,
        measure: 'Intensity',
        at,
        tariff: tariffNow,
        value: reading.intensityA,
        session_id: null,
      });
    }
    const zone = this.zoneOf(station);
    await this.deps.telemetry.insertSamples(samples.map((sample) => this.place(sample, zone)));

    if (reading.currentTariff && reading.currentTariff !== meter.current_tariff) {
      await this.log(
        meter.id,
        'CurrentTariff',
        { currentTariff: reading.currentTariff.toUpperCase() },
        at,
      );
    }
    if (reading.ticType !== meter.tic_type) {
      await this.log(meter.id, 'TicType', { ticType: ticTypeName(reading.ticType) ?? 'error' }, at);
    }
    await this.deps.grid.update(meter.id, {
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

  /** Records a log value, e.g. SessionStart, dated by the device. */
  async log(deviceId: string, logName: string, value: unknown, at: string): Promise<void> {
    await this.deps.telemetry.insertLog({
      device_id: deviceId,
      log_name: logName,
      at,
      value: JSON.stringify(value),
    });
  }

  /** The value of a log's latest record, to log changes only. */
  async lastLogValue(deviceId: string, logName: string): Promise<unknown> {
    const row = await this.deps.telemetry.lastLog(deviceId, logName);
    return row ? (JSON.parse(row.value) as unknown) : undefined;
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

  /** Log records in [start, end), of some logs or all, oldest first. */
  async logs(
    deviceId: string,
    start: Date,
    end: Date,
    names?: readonly string[],
  ): Promise<LogEntry[]> {
    const rows = await this.deps.telemetry.logs(
      deviceId,
      start.toISOString(),
      end.toISOString(),
      names,
    );
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

  /**
   * Prices changed from `since` on: the ConsumptionCost samples of the installation's station and
   * grid meter from that local day on are priced again, and their rollups rebuilt.
   */
  async repriceSince(station: StationRow, since: Date): Promise<void> {
    const zone = this.zoneOf(station);
    const dayStart = bucketStart(since, 'day', zone).toISOString();
    const history = await this.priceHistory(station.installation_id);
    const meter = await this.deps.grid.findByStation(station.id);
    const priced = (energy: readonly SampleRow[]) =>
      energy.map((sample) => {
        const tariff = isTariffId(sample.tariff) ? sample.tariff : 'th';
        const price = priceInForce(
          history.get(tariff) ?? [],
          new Date(sample.at),
          DEFAULT_PRICES[tariff],
        );
        return this.place(
          { ...sample, measure: 'ConsumptionCost', value: energyCost(sample.value, price) },
          zone,
        );
      });
    // Every sample from that day on, whatever its date: the deletion has no end either.
    for (const deviceId of [station.id, ...(meter ? [meter.id] : [])]) {
      await this.deps.telemetry.replaceSince(
        deviceId,
        'ConsumptionCost',
        dayStart,
        priced,
        'EnergyConsumption',
      );
    }
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
