/**
 * OCPP 1.6 Smart Charging on the charger's side (§3.13, §5.5, §5.7, §5.16, §7.7–§7.13): which
 * charging profiles a charger keeps, and the limit they set at an instant. Pure: the time is
 * passed in.
 */

import type {
  ChargingProfile,
  ChargingProfilePurpose,
  ChargingRateUnit,
  ChargingSchedule,
  ChargingSchedulePeriod,
} from '../protocol/index.js';

export type {
  ChargingProfile,
  ChargingProfilePurpose,
  ChargingRateUnit,
  ChargingSchedule,
  ChargingSchedulePeriod,
} from '../protocol/index.js';

/** A profile as the charger keeps it: with the connector it was set for (0: the whole charger). */
export interface InstalledProfile {
  connectorId: number;
  profile: ChargingProfile;
}

/** The transaction running on a connector. */
interface RunningTransaction {
  id: number;
  startedAt: Date;
}

/** The connector a limit is asked for, with its running transaction if any. */
export interface ConnectorContext {
  connectorId: number;
  transaction?: RunningTransaction;
}

/** The limit in force: the profile that sets it, its value, and the power it allows. */
export interface ChargingLimit {
  chargingProfileId: number;
  purpose: ChargingProfilePurpose;
  connectorId: number;
  limit: number;
  unit: ChargingRateUnit;
  kw: number;
}

/** What the charger supports, as its configuration keys say (OCPP 1.6 §9.4). */
export interface SmartChargingCapabilities {
  /** Connectors 1..connectors exist. */
  connectors: number;
  /** ChargeProfileMaxStackLevel. */
  maxStackLevel: number;
  /** ChargingScheduleMaxPeriods. */
  maxPeriods: number;
  /** MaxChargingProfilesInstalled. */
  maxInstalled: number;
  /** ChargingScheduleAllowedChargingRateUnit: A is "Current", W is "Power". */
  units: readonly ChargingRateUnit[];
}

/** The simulated chargers are wired single phase: a current limit allows A × 230 V. */
export const VOLTS = 230;

const RECURRENCE_MS = { Daily: 86_400_000, Weekly: 604_800_000 } as const;

/** A limit in kW: A × 230 V, or W as is (numberPhases is ignored: the supply is single phase). */
function limitKw(limit: number, unit: ChargingRateUnit): number {
  return unit === 'A' ? (limit * VOLTS) / 1000 : limit / 1000;
}

/** When the occurrence of a profile's schedule that covers `at` began (ms), if it has begun. */
function occurrenceStart(
  profile: ChargingProfile,
  at: number,
  context: ConnectorContext,
): number | undefined {
  const { startSchedule } = profile.chargingSchedule;
  const transactionStart = context.transaction?.startedAt.getTime();
  switch (profile.chargingProfileKind) {
    case 'Recurring': {
      // Every day (or week) from startSchedule, in plain 24 h steps.
      if (startSchedule === undefined || profile.recurrencyKind === undefined) return undefined;
      const first = Date.parse(startSchedule);
      const period = RECURRENCE_MS[profile.recurrencyKind];
      return at < first ? undefined : first + Math.floor((at - first) / period) * period;
    }
    case 'Absolute':
      // §7.12: without startSchedule, the schedule is relative to the start of charging.
      return startSchedule === undefined ? transactionStart : Date.parse(startSchedule);
    case 'Relative':
      return transactionStart;
  }
}

/** The limit a profile's schedule sets at `at` (ms); undefined outside its validity or schedule. */
function scheduleLimit(
  profile: ChargingProfile,
  at: number,
  context: ConnectorContext,
): number | undefined {
  if (profile.validFrom !== undefined && at < Date.parse(profile.validFrom)) return undefined;
  if (profile.validTo !== undefined && at >= Date.parse(profile.validTo)) return undefined;
  const start = occurrenceStart(profile, at, context);
  if (start === undefined || at < start) return undefined;
  const offset = (at - start) / 1000;
  const { duration, chargingSchedulePeriod } = profile.chargingSchedule;
  if (duration !== undefined && offset >= duration) return undefined;
  let current: ChargingSchedulePeriod | undefined;
  for (const period of chargingSchedulePeriod) {
    if (period.startPeriod <= offset && (!current || period.startPeriod > current.startPeriod))
      current = period;
  }
  return current?.limit;
}

/**
 * The limit in force on a connector at an instant, or undefined when no profile sets one
 * (OCPP 1.6 §3.13.2): among the profiles whose schedule covers the instant, the transaction's
 * TxProfile with the highest stackLevel, else the TxDefaultProfile with the highest stackLevel
 * (the connector's own before connector 0's at the same level); the ChargePointMaxProfile caps it.
 */
export function limitAt(
  installed: readonly InstalledProfile[],
  now: Date,
  context: ConnectorContext,
): ChargingLimit | undefined {
  const at = now.getTime();
  const best = (
    purpose: ChargingProfilePurpose,
    applies: (entry: InstalledProfile) => boolean,
  ): ChargingLimit | undefined => {
    let found: { stackLevel: number; limit: ChargingLimit } | undefined;
    for (const entry of installed) {
      const { profile, connectorId } = entry;
      if (profile.chargingProfilePurpose !== purpose || !applies(entry)) continue;
      const limit = scheduleLimit(profile, at, context);
      if (limit === undefined) continue;
      const better =
        !found ||
        profile.stackLevel > found.stackLevel ||
        (profile.stackLevel === found.stackLevel && connectorId > found.limit.connectorId);
      if (!better) continue;
      const unit = profile.chargingSchedule.chargingRateUnit;
      found = {
        stackLevel: profile.stackLevel,
        limit: {
          chargingProfileId: profile.chargingProfileId,
          purpose,
          connectorId,
          limit,
          unit,
          kw: limitKw(limit, unit),
        },
      };
    }
    return found?.limit;
  };
  const transaction = context.transaction;
  const ownProfile = ({ profile, connectorId }: InstalledProfile) =>
    transaction !== undefined &&
    connectorId === context.connectorId &&
    (profile.transactionId === undefined || profile.transactionId === transaction.id);
  const chosen =
    best('TxProfile', ownProfile) ??
    best('TxDefaultProfile', (e) => e.connectorId === 0 || e.connectorId === context.connectorId);
  // The simulated charger charges one connector at a time: the charger's cap is the connector's.
  const cap = best('ChargePointMaxProfile', (e) => e.connectorId === 0);
  if (!chosen) return cap;
  return cap && cap.kw < chosen.kw ? cap : chosen;
}

/** Instants (ms) strictly between from and to where a profile's limit may change. */
function boundaries(
  profile: ChargingProfile,
  from: number,
  to: number,
  context: ConnectorContext,
): number[] {
  const instants: number[] = [];
  if (profile.validFrom !== undefined) instants.push(Date.parse(profile.validFrom));
  if (profile.validTo !== undefined) instants.push(Date.parse(profile.validTo));
  const { startSchedule, duration, chargingSchedulePeriod } = profile.chargingSchedule;
  const starts: number[] = [];
  if (profile.chargingProfileKind === 'Recurring') {
    if (startSchedule !== undefined && profile.recurrencyKind !== undefined) {
      const first = Date.parse(startSchedule);
      const period = RECURRENCE_MS[profile.recurrencyKind];
      const last = Math.floor((to - first) / period);
      for (let k = Math.max(0, Math.floor((from - first) / period)); k <= last; k++)
        starts.push(first + k * period);
    }
  } else {
    const start = occurrenceStart(profile, from, context);
    if (start !== undefined) starts.push(start);
  }
  for (const start of starts) {
    for (const period of chargingSchedulePeriod) instants.push(start + period.startPeriod * 1000);
    if (duration !== undefined) instants.push(start + duration * 1000);
  }
  return instants.filter((instant) => instant > from && instant < to);
}

/** A span of time with one limit (undefined: no profile limits the connector). */
export interface LimitSegment {
  start: Date;
  end: Date;
  limit: ChargingLimit | undefined;
}

/** The limits in force on a connector from one instant to another, as consecutive segments. */
export function limitSegments(
  installed: readonly InstalledProfile[],
  from: Date,
  to: Date,
  context: ConnectorContext,
): LimitSegment[] {
  if (to <= from) return [];
  // Most ticks of most stations: no profile, one segment without a limit.
  if (installed.length === 0) return [{ start: from, end: to, limit: undefined }];
  const instants = new Set<number>();
  for (const { connectorId, profile } of installed) {
    if (connectorId !== 0 && connectorId !== context.connectorId) continue;
    for (const instant of boundaries(profile, from.getTime(), to.getTime(), context))
      instants.add(instant);
  }
  const starts = [from.getTime(), ...[...instants].sort((a, b) => a - b)];
  const segments: LimitSegment[] = [];
  for (const [index, start] of starts.entries()) {
    const end = new Date(starts[index + 1] ?? to.getTime());
    const limit = limitAt(installed, new Date(start), context);
    const previous = segments.at(-1);
    if (previous && sameLimit(previous.limit, limit)) previous.end = end;
    else segments.push({ start: new Date(start), end, limit });
  }
  return segments;
}

function sameLimit(a: ChargingLimit | undefined, b: ChargingLimit | undefined): boolean {
  return a?.chargingProfileId === b?.chargingProfileId && a?.kw === b?.kw;
}

export type SetChargingProfileStatus = 'Accepted' | 'Rejected';

/**
 * SetChargingProfile (OCPP 1.6 §5.16): the profiles kept after installing one, or Rejected with
 * the profiles unchanged. A profile with the same chargingProfileId, or the same purpose and
 * stackLevel on the same connector, replaces the old one (§3.13.2). A TxProfile needs a
 * transaction on its connector (§5.16.3) and is bound to it. `transactions` maps each
 * connector to its running transaction id.
 */
export function installProfile(
  installed: readonly InstalledProfile[],
  connectorId: number,
  profile: ChargingProfile,
  capabilities: SmartChargingCapabilities,
  transactions: ReadonlyMap<number, number>,
): { status: SetChargingProfileStatus; installed: readonly InstalledProfile[] } {
  const rejected = { status: 'Rejected', installed } as const;
  const { chargingSchedule: schedule } = profile;
  const periods = schedule.chargingSchedulePeriod;
  const wellFormed =
    Number.isInteger(connectorId) &&
    connectorId >= 0 &&
    connectorId <= capabilities.connectors &&
    profile.stackLevel >= 0 &&
    profile.stackLevel <= capabilities.maxStackLevel &&
    capabilities.units.includes(schedule.chargingRateUnit) &&
    periods.length >= 1 &&
    periods.length <= capabilities.maxPeriods &&
    periods[0]?.startPeriod === 0 &&
    periods.every(
      (p, i) => p.limit >= 0 && (i === 0 || p.startPeriod > periods[i - 1]!.startPeriod),
    ) &&
    (schedule.duration === undefined || schedule.duration > 0) &&
    (profile.chargingProfileKind !== 'Recurring' ||
      (profile.recurrencyKind !== undefined && schedule.startSchedule !== undefined));
  if (!wellFormed) return rejected;
  let kept = profile;
  switch (profile.chargingProfilePurpose) {
    case 'ChargePointMaxProfile':
      if (connectorId !== 0) return rejected;
      break;
    case 'TxProfile': {
      const transactionId = transactions.get(connectorId);
      if (connectorId === 0 || transactionId === undefined) return rejected;
      if (profile.transactionId !== undefined && profile.transactionId !== transactionId)
        return rejected;
      kept = { ...profile, transactionId };
      break;
    }
    case 'TxDefaultProfile':
      break;
  }
  const others = installed.filter(
    (entry) =>
      entry.profile.chargingProfileId !== profile.chargingProfileId &&
      !(
        entry.connectorId === connectorId &&
        entry.profile.chargingProfilePurpose === profile.chargingProfilePurpose &&
        entry.profile.stackLevel === profile.stackLevel
      ),
  );
  if (others.length + 1 > capabilities.maxInstalled) return rejected;
  return { status: 'Accepted', installed: [...others, { connectorId, profile: kept }] };
}

/** ClearChargingProfile.req (OCPP 1.6 §6.9): every field is optional. */
export interface ClearChargingProfileCriteria {
  id?: number;
  connectorId?: number;
  chargingProfilePurpose?: ChargingProfilePurpose;
  stackLevel?: number;
}

/**
 * ClearChargingProfile (OCPP 1.6 §5.5): removes the profile with the given id, or else every
 * profile matching all the criteria given (none given: every profile); Accepted when one was
 * removed, Unknown otherwise.
 */
export function clearProfiles(
  installed: readonly InstalledProfile[],
  criteria: ClearChargingProfileCriteria,
): { status: 'Accepted' | 'Unknown'; installed: readonly InstalledProfile[] } {
  const matches = ({ connectorId, profile }: InstalledProfile): boolean =>
    criteria.id !== undefined
      ? profile.chargingProfileId === criteria.id
      : (criteria.connectorId === undefined || connectorId === criteria.connectorId) &&
        (criteria.chargingProfilePurpose === undefined ||
          profile.chargingProfilePurpose === criteria.chargingProfilePurpose) &&
        (criteria.stackLevel === undefined || profile.stackLevel === criteria.stackLevel);
  const kept = installed.filter((entry) => !matches(entry));
  return kept.length === installed.length
    ? { status: 'Unknown', installed }
    : { status: 'Accepted', installed: kept };
}

/** The profiles kept when a connector's transaction ends: its TxProfiles go (§3.13.1). */
export function endTransaction(
  installed: readonly InstalledProfile[],
  connectorId: number,
): readonly InstalledProfile[] {
  return installed.filter(
    (entry) =>
      entry.connectorId !== connectorId || entry.profile.chargingProfilePurpose !== 'TxProfile',
  );
}

/**
 * GetCompositeSchedule (OCPP 1.6 §5.7): the limits in force on a connector over `duration`
 * seconds from `from`, in whole A or W (the OCPP schema wants multiples of 0.1, which fractions
 * of floats miss). Where no profile limits, the charger's own most, `maxKw`.
 */
export function compositeSchedule(
  installed: readonly InstalledProfile[],
  from: Date,
  duration: number,
  context: ConnectorContext,
  unit: ChargingRateUnit,
  maxKw: number,
): ChargingSchedule {
  const to = new Date(from.getTime() + duration * 1000);
  const periods: ChargingSchedulePeriod[] = [];
  for (const segment of limitSegments(installed, from, to, context)) {
    const kw = Math.min(segment.limit?.kw ?? maxKw, maxKw);
    const limit = Math.round(unit === 'A' ? (kw * 1000) / VOLTS : kw * 1000);
    const startPeriod = Math.round((segment.start.getTime() - from.getTime()) / 1000);
    if (periods.at(-1)?.limit === limit) continue;
    periods.push({ startPeriod, limit });
  }
  return {
    duration,
    startSchedule: from.toISOString(),
    chargingRateUnit: unit,
    chargingSchedulePeriod: periods,
  };
}
