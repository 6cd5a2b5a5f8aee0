import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from '../clock.js';
import type { UnitOfWork } from '../db/unit-of-work.js';
import type { ChargeMode } from '../domain/charge-mode.js';
import {
  effectiveClass,
  nextPlanAt,
  planCharge,
  tariffSchedule,
  transactionSchedule,
  type ClassPeriod,
  type Override,
  type PlanStep,
  type PlanTrigger,
  type PlugState,
} from '../domain/charge-plan.js';
import { isPlugged, type ConnectorStatus } from '../domain/station-state.js';
import { REMOTE_ID_TAG, type ChargingProfile } from '../protocol/index.js';
import type { CompletedCommand, PlannedCall, StationCommandRunner } from './commands.js';
import type { DeviceStateService, DeviceStateStores } from './device-state.js';
import type { StationRow } from './store.js';

/** How far ahead the tariff profile reaches: the charger follows the tariff that long alone. */
export const PROFILE_HORIZON_MS = 48 * 3600_000;
/** With no tariff switch ahead (BASE, a TIC-fed tariff), the platform looks again after this. */
const RECHECK_MS = 3600_000;
/** chargingProfileId of the tariff profile (TxDefaultProfile) and of a transaction's profile. */
export const TARIFF_PROFILE_ID = 7301;
export const TRANSACTION_PROFILE_ID = 7302;
/** A transaction's profile that did not go through is sent again after this. */
const RETRY_MS = 30_000;
/** Chargers read per batch of the switch job, and planned at once. */
const DUE_PER_RUN = 200;
const PLANS_AT_ONCE = 8;

/** Runs `work` for each item, at most `limit` at a time. */
async function forEachConcurrently<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** The tariff classes of a station from `from` to `to`: the first starts at `from`. */
export type TariffClasses = (station: StationRow, from: Date, to: Date) => Promise<ClassPeriod[]>;

/** A call the plan makes, with the step it carries out. */
interface PlannedStep {
  step: PlanStep;
  connectorId: number;
  call: PlannedCall;
  /** End of the tariff profile the call installs. */
  until?: string;
}

/**
 * Drives the chargers whose charge mode the platform applies (a generic OCPP 1.6J charger
 * answers NotSupported to WittyChargeMode): at each tariff switch, at connection, at a mode
 * change and at each transaction start it plans with planCharge and sends what that says, each
 * step a `chargePlan` command, each decision in the ChargeMode log. Chargers with Smart
 * Charging get a tariff profile, so that they follow the tariff on their own even offline.
 */
export class ChargeDriver {
  constructor(
    private readonly deps: {
      uow: UnitOfWork<DeviceStateStores>;
      state: DeviceStateService;
      commands: StationCommandRunner;
      tariffs: TariffClasses;
      clock: Clock;
      log: Pick<FastifyBaseLogger, 'warn' | 'error'>;
      /**
       * How long before a high tariff begins a charge is stopped by remote stop, so that no
       * energy is drawn at the high tariff however late the switch job runs (WITTY_CHARGE_STOP_LEAD_SECONDS).
       */
      stopLeadMs: number;
    },
  ) {
    deps.commands.onCompleted((command) => this.completed(command));
  }

  /** Plans every charger whose tariff switch has come (the periodic job). */
  async runDue(): Promise<number> {
    const { uow, clock, log } = this.deps;
    let planned = 0;
    // Batch after batch until none is due: a whole country's chargers switch at 22:00. Each
    // plan moves its charger's next switch on, and a failed one is tried again a little later.
    for (;;) {
      const now = clock.now();
      const due = await uow.read.stations.dueChargePlans(now.toISOString(), DUE_PER_RUN);
      await forEachConcurrently(due, PLANS_AT_ONCE, async (uid) => {
        try {
          await this.plan(uid, 'switch');
        } catch (error) {
          log.warn({ err: error, uid }, 'charge plan failed');
          const retry = new Date(now.getTime() + RETRY_MS).toISOString();
          await uow.read.devices.update(uid, { charge_next_switch_at: retry });
        }
      });
      planned += due.length;
      if (due.length < DUE_PER_RUN) return planned;
    }
  }

  /** Plans one charger now and sends what the plan says. */
  async plan(uid: string, trigger: PlanTrigger): Promise<PlanStep[]> {
    const { uow, clock, commands, state } = this.deps;
    const now = clock.now();
    const read = uow.read;
    const [device, station, connectors] = await Promise.all([
      read.devices.find(uid),
      read.stations.findByUid(uid),
      read.devices.connectors(uid),
    ]);
    if (!device) return [];
    if (device.charge_mode_by_platform !== 1) {
      // The charger applies its mode itself (again): nothing to drive.
      if (device.charge_next_switch_at !== null)
        await read.devices.update(uid, { charge_next_switch_at: null });
      return [];
    }
    const mode = (device.charge_mode ?? 'immediate') as ChargeMode;
    const horizon = new Date(now.getTime() + PROFILE_HORIZON_MS);
    // Without an installation there are no tariffs: high, as under BASE.
    const periods = station
      ? await this.deps.tariffs(station, now, horizon)
      : [{ start: now, type: 'hp' as const }];
    const tariff = effectiveClass(periods, now, this.deps.stopLeadMs);
    // The job also comes back after a plug-in: a switch only if the class changed since.
    const switched = trigger === 'switch' && device.charge_tariff !== tariff;
    const why: PlanTrigger = trigger === 'switch' && !switched ? 'connect' : trigger;
    const override: Override = switched ? null : ((device.charge_override as Override) ?? null);
    const smartCharging = device.smart_charging === 1;
    const profileInstalled = device.charge_profile_until !== null;

    const planned: PlannedStep[] = [];
    const sockets = connectors.filter((c) => c.connector_id > 0);
    // A charger with no connector reported yet still gets (or loses) its tariff profile.
    for (const connector of sockets.length > 0 ? sockets : [undefined]) {
      const session = connector && (await read.stations.openSession(uid, connector.connector_id));
      const plug: PlugState = session
        ? 'charging'
        : connector && isPlugged(connector.status as ConnectorStatus)
          ? 'waiting'
          : 'unplugged';
      const steps = planCharge({
        mode,
        tariff,
        trigger: why,
        plug,
        smartCharging,
        profileInstalled,
        override,
      });
      // The tariff profile is the charger's (connector 0): sent once whatever the sockets.
      const perSocket = (step: PlanStep) =>
        step !== 'installTariffProfile' && step !== 'clearTariffProfile';
      for (const step of steps.filter((s) => perSocket(s) || !planned.some((p) => p.step === s))) {
        const connectorId = connector?.connector_id ?? 0;
        planned.push(this.callFor(step, connectorId, session?.id, mode, periods, override, now));
      }
    }

    const nextSwitch =
      nextPlanAt(periods, now, this.deps.stopLeadMs) ?? new Date(now.getTime() + RECHECK_MS);
    const next = mode === 'immediate' ? null : nextSwitch.toISOString();
    const steps = planned.map((p) => p.step);
    const record = async (stores: DeviceStateStores) => {
      await stores.devices.update(uid, {
        charge_tariff: tariff,
        charge_next_switch_at: next,
        charge_override: override,
      });
      if (steps.length > 0 || switched) {
        await state.inUnit(stores, uid, (context) =>
          state.chargeDecision(context, { chargeMode: mode, tariff, trigger: why, steps }),
        );
      }
    };
    const target = { uid, id: station?.id ?? null };
    // The decision and its commands commit together; the calls leave afterwards.
    const sends = await uow.run(async (stores) => {
      await record(stores);
      const prepared: (() => void)[] = [];
      for (const step of planned) {
        prepared.push(
          await commands.prepare(
            stores,
            target,
            'platform',
            'chargePlan',
            {
              trigger: why,
              tariff,
              step: step.step,
              ...(step.connectorId > 0 ? { connectorId: step.connectorId } : {}),
              ...(step.until ? { until: step.until } : {}),
            },
            [step.call],
          ),
        );
      }
      return prepared;
    });
    for (const send of sends) send();
    return steps;
  }

  private callFor(
    step: PlanStep,
    connectorId: number,
    transactionId: number | undefined,
    mode: ChargeMode,
    periods: readonly ClassPeriod[],
    override: Override,
    now: Date,
  ): PlannedStep {
    // Whole seconds: the schedule's periods then start on the tariff's switches exactly.
    const from = new Date(Math.floor(now.getTime() / 1000) * 1000);
    const startSchedule = from.toISOString();
    switch (step) {
      case 'remoteStart':
        return {
          step,
          connectorId,
          call: {
            action: 'RemoteStartTransaction',
            payload: { connectorId, idTag: REMOTE_ID_TAG },
          },
        };
      case 'remoteStop':
        return {
          step,
          connectorId,
          call: { action: 'RemoteStopTransaction', payload: { transactionId } },
        };
      case 'clearTariffProfile':
        return {
          step,
          connectorId: 0,
          call: { action: 'ClearChargingProfile', payload: { id: TARIFF_PROFILE_ID } },
        };
      case 'installTariffProfile': {
        const profile: ChargingProfile = {
          chargingProfileId: TARIFF_PROFILE_ID,
          stackLevel: 0,
          chargingProfilePurpose: 'TxDefaultProfile',
          chargingProfileKind: 'Absolute',
          chargingSchedule: {
            startSchedule,
            duration: PROFILE_HORIZON_MS / 1000,
            chargingRateUnit: 'A',
            chargingSchedulePeriod: tariffSchedule(periods, from),
          },
        };
        return {
          step,
          connectorId: 0,
          until: new Date(from.getTime() + PROFILE_HORIZON_MS).toISOString(),
          call: {
            action: 'SetChargingProfile',
            payload: { connectorId: 0, csChargingProfiles: profile },
          },
        };
      }
      case 'transactionProfile': {
        const profile: ChargingProfile = {
          chargingProfileId: TRANSACTION_PROFILE_ID,
          ...(transactionId !== undefined ? { transactionId } : {}),
          stackLevel: 0,
          chargingProfilePurpose: 'TxProfile',
          chargingProfileKind: 'Absolute',
          chargingSchedule: {
            startSchedule,
            chargingRateUnit: 'A',
            chargingSchedulePeriod: transactionSchedule(
              mode === 'deferred' ? 'deferred' : 'deferredExclusive',
              periods,
              override,
              from,
            ),
          },
        };
        return {
          step,
          connectorId,
          call: {
            action: 'SetChargingProfile',
            payload: { connectorId, csChargingProfiles: profile },
          },
        };
      }
    }
  }

  /** What a command's end changes for the driver: a connection, a mode, a profile taken or not. */
  private completed(command: CompletedCommand): void {
    const work = async () => {
      const { uid, type, request, status } = command;
      const devices = this.deps.uow.read.devices;
      if (type === 'configure') await this.plan(uid, 'connect');
      else if (type === 'setChargeMode' && status === 'accepted') await this.plan(uid, 'mode');
      else if (type !== 'chargePlan') return;
      else if (request.step === 'installTariffProfile' && status === 'accepted')
        await devices.update(uid, { charge_profile_until: String(request.until) });
      else if (request.step === 'installTariffProfile' && status === 'rejected') {
        // The charger does not take profiles after all: remote start and stop from now on.
        await devices.update(uid, { smart_charging: 0, charge_profile_until: null });
        await this.plan(uid, 'connect');
      } else if (request.step === 'clearTariffProfile' && status === 'accepted')
        await devices.update(uid, { charge_profile_until: null });
      else if (request.step === 'transactionProfile' && status !== 'accepted') {
        // Planned again shortly: the profile goes again if the transaction still runs.
        const at = new Date(this.deps.clock.now().getTime() + RETRY_MS).toISOString();
        const next = (await devices.find(uid))?.charge_next_switch_at;
        if (next && next > at) await devices.update(uid, { charge_next_switch_at: at });
      }
    };
    work().catch((error: unknown) =>
      this.deps.log.warn({ err: error, uid: command.uid }, 'charge plan after a command failed'),
    );
  }
}
