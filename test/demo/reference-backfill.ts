// The history backfill as it was before it was batched and made resumable (git 8b207a4,
// src/demo/backfill.ts): one sample statement per reading, a day per transaction, no progress.
// Kept as the reference the new backfill must equal (test/demo/backfill-equality.test.ts).
import { decideCharge, type ChargeMode } from '../../src/domain/charge-mode.js';
import { tariffTypeOf, type Subscription } from '../../src/domain/tariffs.js';
import type { DeviceStateService, StationContext } from '../../src/stations/index.js';
import {
  VirtualCar,
  carAtHome,
  houseLoad,
  localHour,
  localWeekday,
  VirtualLinky,
  type LinkyOptions,
} from '../../src/sim/index.js';

const STEP_MS = 600_000;
/** Simulated time written in one transaction. */
const STEPS_PER_TRANSACTION = 144;

interface BackfillOptions {
  uid: string;
  days: number;
  /** The history ends here (usually now). */
  end: Date;
  subscription: Subscription;
  chargeMode: ChargeMode;
  intensitySubscribedA?: number;
  zone?: string;
}

/**
 * The history a Witty station, its Linky meter and a car would have produced over past days,
 * fed through the same ingest as live stations (sessions, meter values, TIC frames, statuses),
 * so that statistics, costs and logs come out of the platform's own rules.
 */
export async function referenceBackfill(
  state: DeviceStateService,
  options: BackfillOptions,
): Promise<{ readings: number; sessions: number }> {
  const zone = options.zone ?? 'Europe/Paris';
  const linkyOptions: LinkyOptions = {
    subscription: options.subscription,
    mode: options.subscription === 'STANDARD' ? 'standard' : 'historic',
    intensitySubscribedA: options.intensitySubscribedA ?? 45,
    zone,
  };
  const linky = new VirtualLinky(linkyOptions);
  const { uid } = options;
  let register = 100_000;
  let car: VirtualCar | undefined;
  let transactionId: number | undefined;
  let readings = 0;
  let sessions = 0;
  let day = 0;
  const start = Math.floor((options.end.getTime() - options.days * 86_400_000) / STEP_MS) * STEP_MS;

  const step = async (context: StationContext, t: number) => {
    const now = new Date(t);
    const timestamp = now.toISOString();
    const hour = localHour(now, zone);
    const plugged = carAtHome(hour, localWeekday(now, zone));
    if (plugged && !car) {
      // Each arrival with a different state of charge, the same for the same day.
      day += 1;
      car = new VirtualCar({ batteryKwh: 60, stateOfCharge: 0.3 + ((day * 37) % 40) / 100 });
      await state.status(context, {
        connectorId: 1,
        status: 'Preparing',
        errorCode: 'NoError',
        timestamp,
      });
    }
    if (!plugged && car) {
      if (transactionId !== undefined) {
        await state.stopTransaction(context, {
          transactionId,
          meterStop: register,
          timestamp,
          reason: 'EVDisconnected',
        });
        transactionId = undefined;
      }
      car = undefined;
      await state.status(context, {
        connectorId: 1,
        status: 'Available',
        errorCode: 'NoError',
        timestamp,
      });
    }

    const action = decideCharge({
      mode: options.chargeMode,
      plugged: car !== undefined,
      tariffType: tariffTypeOf(linky.tariffAt(now), { tariff1: 'hc' }),
      charging: transactionId !== undefined,
      manualStart: false,
      carFull: car?.full ?? true,
    });
    if (action === 'start' && car && transactionId === undefined) {
      transactionId = await state.startTransaction(context, {
        connectorId: 1,
        idTag: 'WITTY-LOCAL',
        meterStart: register,
        timestamp,
      });
      sessions += 1;
      await state.status(context, {
        connectorId: 1,
        status: 'Charging',
        errorCode: 'NoError',
        timestamp,
      });
    } else if (action === 'stop' && transactionId !== undefined && !car?.full) {
      await state.stopTransaction(context, {
        transactionId,
        meterStop: register,
        timestamp,
        reason: 'Other',
      });
      transactionId = undefined;
      await state.status(context, {
        connectorId: 1,
        status: 'Preparing',
        errorCode: 'NoError',
        timestamp,
      });
    }

    const house = houseLoad(hour);
    let carWh = 0;
    if (car && transactionId !== undefined && !car.full) {
      const offeredKw = Math.min(
        7.4,
        ((linkyOptions.intensitySubscribedA ?? 45) * 230 - house) / 1000,
      );
      carWh = car.charge('m3', offeredKw, STEP_MS / 1000);
      register += carWh;
    }
    const end = new Date(t + STEP_MS);
    linky.consume(now, (house * STEP_MS) / 3_600_000 + carWh);
    linky.setLoad(house + (carWh * 3_600_000) / STEP_MS);
    // MeterValues every 10 minutes while a car is plugged, hourly otherwise; the TIC each 10 minutes.
    if (car || end.getUTCMinutes() === 0) {
      await state.meterValues(context, [
        {
          connectorId: 1,
          ...(transactionId !== undefined ? { transactionId } : {}),
          timestamp: end.toISOString(),
          energyWh: register,
          powerW: (carWh * 3_600_000) / STEP_MS,
        },
      ]);
    }
    await state.tic(context, linky.labels(end), end.toISOString());
    readings += 1;
  };
  // A day of steps per transaction: the history goes through the live ingest, batched.
  const end = options.end.getTime();
  for (let from = start; from < end; from += STEP_MS * STEPS_PER_TRANSACTION) {
    await state.withStation(uid, async (context) => {
      for (let t = from; t < Math.min(end, from + STEP_MS * STEPS_PER_TRANSACTION); t += STEP_MS)
        await step(context, t);
    });
  }
  if (transactionId !== undefined) {
    const last = transactionId;
    await state.withStation(uid, (context) =>
      state.stopTransaction(context, {
        transactionId: last,
        meterStop: register,
        timestamp: options.end.toISOString(),
        reason: 'Local',
      }),
    );
  }
  return { readings, sessions };
}
