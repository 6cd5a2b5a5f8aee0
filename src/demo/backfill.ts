import type { Platform } from '../app.js';
import { decideCharge, type ChargeMode } from '../domain/charge-mode.js';
import { tariffTypeOf, type Subscription } from '../domain/tariffs.js';
import type {
  DeviceStateService,
  MeterReading,
  StationContext,
  StatusReport,
} from '../stations/index.js';
import {
  VirtualCar,
  carAtHome,
  houseLoad,
  localHour,
  localWeekday,
  VirtualLinky,
  type LinkyOptions,
} from '../sim/index.js';
import { HistoryStore, type HistoryPlanRow } from './history-store.js';

const STEP_MS = 600_000;
/**
 * Simulated time written in one transaction: a day. Each batch holds the event loop for the
 * time it takes (some tens of milliseconds), then gives it back, so that live stations and API
 * calls are served between batches.
 */
const STEPS_PER_TRANSACTION = 144;

export interface BackfillOptions {
  uid: string;
  days: number;
  /** The history ends here (usually now). */
  end: Date;
  subscription: Subscription;
  chargeMode: ChargeMode;
  intensitySubscribedA?: number;
  zone?: string;
}

/** The household a history is simulated for, over [start, end) in steps of 10 minutes. */
export interface HistoryPlan {
  start: number;
  end: number;
  subscription: Subscription;
  chargeMode: ChargeMode;
  intensitySubscribedA: number;
  zone: string;
}

/** What a step of history sends to the platform, in the order a station and its Linky would. */
export interface HistorySink {
  status(report: StatusReport): Promise<void>;
  startTransaction(start: {
    connectorId: number;
    idTag: string;
    meterStart: number;
    timestamp: string;
  }): Promise<number>;
  stopTransaction(stop: {
    transactionId: number;
    meterStop: number;
    timestamp: string;
    reason: string;
  }): Promise<void>;
  meterValues(readings: MeterReading[]): Promise<void>;
  /** A TIC frame; its labels are built only when a sink keeps them. */
  tic(labels: () => Record<string, string>, at: string): Promise<void>;
}

/** A sink that keeps nothing: replays a history up to where it was stored, to resume it. */
const REPLAY: HistorySink = {
  status: () => Promise.resolve(),
  // The transaction's real id is the one stored with the history's progress.
  startTransaction: () => Promise.resolve(0),
  stopTransaction: () => Promise.resolve(),
  meterValues: () => Promise.resolve(),
  tic: () => Promise.resolve(),
};

/**
 * A Witty station, its Linky meter and a car over past days, step by step: what they would have
 * sent. Deterministic for a plan, so that a history cut short is replayed to where it stopped.
 */
export class HouseholdHistory {
  readonly linky: VirtualLinky;
  private readonly intensitySubscribedA: number;
  private register = 100_000;
  private car: VirtualCar | undefined;
  /** The transaction open on the station, if any. */
  transactionId: number | undefined;
  readings = 0;
  sessions = 0;
  private day = 0;

  constructor(readonly plan: HistoryPlan) {
    this.intensitySubscribedA = plan.intensitySubscribedA;
    const linkyOptions: LinkyOptions = {
      subscription: plan.subscription,
      mode: plan.subscription === 'STANDARD' ? 'standard' : 'historic',
      intensitySubscribedA: plan.intensitySubscribedA,
      zone: plan.zone,
    };
    this.linky = new VirtualLinky(linkyOptions);
  }

  /** The 10 minutes from `t` (a step of the plan). */
  async step(t: number, sink: HistorySink): Promise<void> {
    const { zone, chargeMode } = this.plan;
    const now = new Date(t);
    const timestamp = now.toISOString();
    const hour = localHour(now, zone);
    const plugged = carAtHome(hour, localWeekday(now, zone));
    if (plugged && !this.car) {
      // Each arrival with a different state of charge, the same for the same day.
      this.day += 1;
      this.car = new VirtualCar({
        batteryKwh: 60,
        stateOfCharge: 0.3 + ((this.day * 37) % 40) / 100,
      });
      await sink.status({ connectorId: 1, status: 'Preparing', errorCode: 'NoError', timestamp });
    }
    if (!plugged && this.car) {
      if (this.transactionId !== undefined) {
        await sink.stopTransaction({
          transactionId: this.transactionId,
          meterStop: this.register,
          timestamp,
          reason: 'EVDisconnected',
        });
        this.transactionId = undefined;
      }
      this.car = undefined;
      await sink.status({ connectorId: 1, status: 'Available', errorCode: 'NoError', timestamp });
    }

    const { car } = this;
    const action = decideCharge({
      mode: chargeMode,
      plugged: car !== undefined,
      tariffType: tariffTypeOf(this.linky.tariffAt(now), { tariff1: 'hc' }),
      charging: this.transactionId !== undefined,
      manualStart: false,
      carFull: car?.full ?? true,
    });
    if (action === 'start' && car && this.transactionId === undefined) {
      this.transactionId = await sink.startTransaction({
        connectorId: 1,
        idTag: 'WITTY-LOCAL',
        meterStart: this.register,
        timestamp,
      });
      this.sessions += 1;
      await sink.status({ connectorId: 1, status: 'Charging', errorCode: 'NoError', timestamp });
    } else if (action === 'stop' && this.transactionId !== undefined && !car?.full) {
      await sink.stopTransaction({
        transactionId: this.transactionId,
        meterStop: this.register,
        timestamp,
        reason: 'Other',
      });
      this.transactionId = undefined;
      await sink.status({ connectorId: 1, status: 'Preparing', errorCode: 'NoError', timestamp });
    }

    const house = houseLoad(hour);
    let carWh = 0;
    if (car && this.transactionId !== undefined && !car.full) {
      const offeredKw = Math.min(7.4, (this.intensitySubscribedA * 230 - house) / 1000);
      carWh = car.charge('m3', offeredKw, STEP_MS / 1000);
      this.register += carWh;
    }
    const end = new Date(t + STEP_MS);
    this.linky.consume(now, (house * STEP_MS) / 3_600_000 + carWh);
    this.linky.setLoad(house + (carWh * 3_600_000) / STEP_MS);
    // MeterValues every 10 minutes while a car is plugged, hourly otherwise; the TIC each 10 minutes.
    if (car || end.getUTCMinutes() === 0) {
      await sink.meterValues([
        {
          connectorId: 1,
          ...(this.transactionId !== undefined ? { transactionId: this.transactionId } : {}),
          timestamp: end.toISOString(),
          energyWh: this.register,
          powerW: (carWh * 3_600_000) / STEP_MS,
        },
      ]);
    }
    const { linky } = this;
    await sink.tic(() => linky.labels(end), end.toISOString());
    this.readings += 1;
  }

  /** The end of the history: a transaction still open is stopped there. */
  async finish(sink: HistorySink): Promise<void> {
    if (this.transactionId === undefined) return;
    await sink.stopTransaction({
      transactionId: this.transactionId,
      meterStop: this.register,
      timestamp: new Date(this.plan.end).toISOString(),
      reason: 'Local',
    });
    this.transactionId = undefined;
  }
}

/** The steps of a plan: every 10 minutes from its start while before its end. */
function* stepsOf(plan: HistoryPlan, from: number, to: number): Generator<number> {
  for (let t = from; t < Math.min(to, plan.end); t += STEP_MS) yield t;
}

/** The platform's ingest of a station's messages, in the unit of work of `context`. */
function ingest(state: DeviceStateService, context: StationContext): HistorySink {
  return {
    status: (report) => state.status(context, report),
    startTransaction: (start) => state.startTransaction(context, start),
    stopTransaction: async (stop) => {
      await state.stopTransaction(context, stop);
    },
    meterValues: (readings) => state.meterValues(context, readings),
    tic: async (labels, at) => {
      await state.tic(context, labels(), at);
    },
  };
}

function planOf(row: HistoryPlanRow): HistoryPlan {
  return {
    start: Date.parse(row.start_at),
    end: Date.parse(row.end_at),
    subscription: row.subscription as Subscription,
    chargeMode: row.charge_mode as ChargeMode,
    intensitySubscribedA: row.intensity_subscribed,
    zone: row.zone,
  };
}

/** What backfill needs of the platform. */
export type HistoryPlatform = Pick<Platform, 'historyUow' | 'deviceState' | 'clock'>;

/** The history's units of work: the platform's, with the backfill's own store. */
function historyUnits(platform: HistoryPlatform) {
  return platform.historyUow.with((executor) => ({ history: new HistoryStore(executor) }));
}

/** Where a station's history stands. */
export interface HistoryState {
  /** none: never planned; partial: planned, cut short or under way; complete: all stored. */
  state: 'none' | 'partial' | 'complete';
  /** The share of the plan's steps stored, 0 to 1. */
  done: number;
}

/** Where a station's history stands. */
export async function historyState(platform: HistoryPlatform, uid: string): Promise<HistoryState> {
  const row = await historyUnits(platform).read.history.find(uid);
  if (!row) return { state: 'none', done: 0 };
  if (row.completed_at) return { state: 'complete', done: 1 };
  const plan = planOf(row);
  return {
    state: 'partial',
    done: (Date.parse(row.done_until) - plan.start) / Math.max(1, plan.end - plan.start),
  };
}

/**
 * The history a Witty station, its Linky meter and a car would have produced over past days,
 * fed through the same ingest as live stations (sessions, meter values, TIC frames, statuses),
 * so that statistics, costs and logs come out of the platform's own rules.
 *
 * It is stored a day per transaction, each with how far it got: a backfill cut short resumes
 * after its last stored day, on the plan it started with (the options of a later call are then
 * ignored), and one that ended does nothing. `onBatch` hears the share stored after each day;
 * once `signal` is aborted, no other day starts (the history stays partial, to be resumed).
 */
export async function backfill(
  platform: HistoryPlatform,
  options: BackfillOptions,
  control: { onBatch?: (done: number) => void; signal?: AbortSignal } = {},
): Promise<{ readings: number; sessions: number }> {
  const { uid } = options;
  const uow = historyUnits(platform);
  const start = Math.floor((options.end.getTime() - options.days * 86_400_000) / STEP_MS) * STEP_MS;
  const row = await uow.read.history.plan({
    uid,
    start_at: new Date(start).toISOString(),
    end_at: options.end.toISOString(),
    subscription: options.subscription,
    charge_mode: options.chargeMode,
    intensity_subscribed: options.intensitySubscribedA ?? 45,
    zone: options.zone ?? 'Europe/Paris',
    done_until: new Date(start).toISOString(),
    open_transaction_id: null,
    completed_at: null,
  });
  const plan = planOf(row);
  const household = new HouseholdHistory(plan);
  // What was stored before is replayed without writing, to carry on from the same state.
  const doneUntil = row.completed_at ? plan.end : Date.parse(row.done_until);
  for (const t of stepsOf(plan, plan.start, doneUntil)) await household.step(t, REPLAY);
  if (row.completed_at) return { readings: household.readings, sessions: household.sessions };
  if (household.transactionId !== undefined) {
    if (row.open_transaction_id === null)
      throw new Error(`history of ${uid}: the open transaction was not stored`);
    household.transactionId = row.open_transaction_id;
  }

  for (let from = doneUntil; from < plan.end; from += STEP_MS * STEPS_PER_TRANSACTION) {
    if (control.signal?.aborted) break;
    const to = from + STEP_MS * STEPS_PER_TRANSACTION;
    await uow.run(async (stores) => {
      const last = to >= plan.end;
      await platform.deviceState.inUnit(stores, uid, async (context) => {
        const sink = ingest(platform.deviceState, context);
        for (const t of stepsOf(plan, from, to)) await household.step(t, sink);
        if (last) await household.finish(sink);
      });
      await stores.history.progress(uid, {
        done_until: new Date(last ? plan.end : to).toISOString(),
        open_transaction_id: household.transactionId ?? null,
        ...(last ? { completed_at: platform.clock.now().toISOString() } : {}),
      });
    });
    control.onBatch?.(Math.min(1, (to - plan.start) / Math.max(1, plan.end - plan.start)));
    // Live stations and API calls waiting for the event loop go before the next day.
    await new Promise((resolve) => setImmediate(resolve));
  }
  return { readings: household.readings, sessions: household.sessions };
}
