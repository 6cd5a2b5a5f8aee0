/**
 * How the platform drives a charger that does not apply the charge mode itself (a generic OCPP
 * 1.6J charger, docs/ocpp-profile.md §8): what it does at each tariff switch, connection, mode
 * change or transaction start. Pure: no I/O, no clock.
 */
import { isDeferred, type ChargeMode } from './charge-mode.js';
import type { TariffType } from './tariffs.js';

/** A connector's state as the platform sees it. */
export type PlugState =
  /** no car */
  | 'unplugged'
  /** a car, and no transaction (refused, stopped, or never started) */
  | 'waiting'
  /** a transaction is open, charging or paused */
  | 'charging';

/** Why the platform plans. */
export type PlanTrigger =
  /** the tariff turned from low to high or back (the owner's override ends there) */
  | 'switch'
  /** the charger connected (after the boot's configuration read) */
  | 'connect'
  /** the charge mode changed */
  | 'mode'
  /** a transaction started on the connector */
  | 'started';

/** The owner's manual start or stop from the API, in force until the next switch. */
export type Override = 'start' | 'stop' | null;

export interface PlanInput {
  mode: ChargeMode;
  /** Class of the tariff in force now (after the switch, for a switch). */
  tariff: TariffType;
  trigger: PlanTrigger;
  plug: PlugState;
  /** The charger takes charging profiles (OCPP 1.6 SmartCharging). */
  smartCharging: boolean;
  /** Whether a tariff profile is installed on the charger now. */
  profileInstalled: boolean;
  /** In force; the caller has already ended it for a switch. */
  override: Override;
}

/** What the platform sends the charger. */
export type PlanStep =
  /** A TxDefaultProfile that holds charge at 0 during high tariffs (the charger follows it alone). */
  | 'installTariffProfile'
  /** Removes the tariff profile (back in immediate). */
  | 'clearTariffProfile'
  /** A TxProfile for the running transaction: its own limits, over the tariff profile's. */
  | 'transactionProfile'
  | 'remoteStart'
  | 'remoteStop';

/**
 * The steps for one connector:
 * - `immediate`: nothing, the charger charges on its own; a tariff profile left is cleared.
 * - `deferred`: a waiting car starts when the tariff is low; a charge runs to its end.
 * - `deferredExclusive`: a waiting car starts when the tariff is low; a charge stops when it is
 *   high (with Smart Charging, the tariff profile pauses it instead, and it resumes alone).
 * - The owner's manual start keeps a charge going, the manual stop keeps the car waiting, until
 *   the next switch.
 * - With Smart Charging, the tariff profile is installed (again) at each switch, connection and
 *   mode change, so that its horizon moves on; a deferred charge gets a transaction profile
 *   that holds it until the low tariff and then lets it run on into high tariffs, and a manual
 *   start in deferredExclusive one that lets it charge through the current high period.
 */
export function planCharge(input: PlanInput): PlanStep[] {
  const { mode, tariff, trigger, plug, smartCharging, override } = input;
  const steps: PlanStep[] = [];
  if (mode === 'immediate') {
    if (input.profileInstalled && trigger !== 'started') steps.push('clearTariffProfile');
    return steps;
  }
  if (smartCharging && trigger !== 'started') steps.push('installTariffProfile');
  if (plug === 'waiting' && tariff === 'hc' && override !== 'stop' && trigger !== 'started')
    steps.push('remoteStart');
  if (plug === 'charging') {
    if (smartCharging) {
      const runsOn = mode === 'deferred' || (override === 'start' && tariff === 'hp');
      if (runsOn && trigger !== 'switch') steps.push('transactionProfile');
    } else if (mode === 'deferredExclusive' && tariff === 'hp' && override !== 'start') {
      steps.push('remoteStop');
    }
  }
  return steps;
}

/**
 * OCPP 1.6 §7.15 AuthorizationStatus of a charger's own idTag when the platform applies its
 * mode: in a deferred mode a local start waits for the low tariff (the platform's remote start)
 * unless a tariff profile the charger took holds the charge at 0 A until then.
 */
export function localStartStatus(charger: {
  mode: string | null;
  /** The class the platform last drove the charger by; null before its first plan. */
  tariff: string | null;
  profileHolds: boolean;
}): 'Accepted' | 'Blocked' {
  if (!isDeferred(charger.mode) || charger.tariff === 'hc' || charger.profileHolds)
    return 'Accepted';
  return 'Blocked';
}

/** A stretch of one tariff class, from `start` until the next one's start. */
export interface ClassPeriod {
  start: Date;
  type: TariffType;
}

/** The class of the period in force at an instant (the first period's before it starts). */
function classAt(periods: readonly ClassPeriod[], at: number): TariffType {
  let type = periods[0]?.type ?? 'hp';
  for (const period of periods) if (period.start.getTime() <= at) type = period.type;
  return type;
}

/**
 * The class the platform drives by: low only while the tariff is low now and still is `leadMs`
 * on, so that a remote stop comes before the high tariff, and a start never just before it.
 */
export function effectiveClass(
  periods: readonly ClassPeriod[],
  now: Date,
  leadMs: number,
): TariffType {
  const at = now.getTime();
  return classAt(periods, at) === 'hc' && classAt(periods, at + leadMs) === 'hc' ? 'hc' : 'hp';
}

/** When to plan next: `leadMs` before the next high tariff, or when the next low one begins. */
export function nextPlanAt(
  periods: readonly ClassPeriod[],
  now: Date,
  leadMs: number,
): Date | undefined {
  for (const period of periods.slice(1)) {
    const at = period.start.getTime() - (period.type === 'hp' ? leadMs : 0);
    if (at > now.getTime()) return new Date(at);
  }
  return undefined;
}

/** The current a charger may give when the tariff allows charging; its own maximum applies below. */
export const FULL_CURRENT_A = 32;

/** One period of an OCPP 1.6 §7.14 ChargingSchedule. */
export interface SchedulePeriod {
  startPeriod: number;
  limit: number;
}

/** Periods from `from` on, each with its limit, consecutive equal limits merged. */
function schedule(
  periods: readonly ClassPeriod[],
  from: Date,
  limitOf: (period: ClassPeriod, index: number) => number,
): SchedulePeriod[] {
  const result: SchedulePeriod[] = [];
  periods.forEach((period, index) => {
    const startPeriod = Math.max(0, Math.floor((period.start.getTime() - from.getTime()) / 1000));
    const limit = limitOf(period, index);
    const last = result.at(-1);
    if (last?.limit === limit) return;
    if (last?.startPeriod === startPeriod) last.limit = limit;
    else result.push({ startPeriod, limit });
  });
  return result.length > 0 ? result : [{ startPeriod: 0, limit: FULL_CURRENT_A }];
}

/** The tariff profile's schedule: full current in low periods, none in high ones. */
export function tariffSchedule(periods: readonly ClassPeriod[], from: Date): SchedulePeriod[] {
  return schedule(periods, from, (period) => (period.type === 'hc' ? FULL_CURRENT_A : 0));
}

/**
 * A running transaction's schedule, whose last period lasts to its end: in `deferred`, nothing
 * until the first low period, then full current (a manual start: full current at once); in
 * `deferredExclusive` after a manual start, full current through the current period, then the
 * tariff's limits.
 */
export function transactionSchedule(
  mode: 'deferred' | 'deferredExclusive',
  periods: readonly ClassPeriod[],
  override: Override,
  from: Date,
): SchedulePeriod[] {
  if (mode === 'deferred') {
    const firstLow = override === 'start' ? 0 : periods.findIndex((p) => p.type === 'hc');
    if (firstLow === -1) return [{ startPeriod: 0, limit: 0 }];
    return schedule(periods, from, (_period, index) => (index >= firstLow ? FULL_CURRENT_A : 0));
  }
  return schedule(periods, from, (period, index) =>
    index === 0 || period.type === 'hc' ? FULL_CURRENT_A : 0,
  );
}
