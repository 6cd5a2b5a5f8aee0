/**
 * The tariff in force under a declared subscription (a meter that sends no TIC): the owner's
 * off-peak hours, and the Tempo and EJP day calendars. Pure: no I/O, the calendar is given.
 */
import { DateTime } from 'luxon';
import { tariffTypeOf, type TariffId, type TariffType } from './tariffs.js';

/** Subscriptions an owner may declare: the historic EDF contracts (STANDARD needs the TIC). */
export type DeclaredSubscription = 'BASE' | 'HCHP' | 'TEMPO' | 'EJP';

export const DECLARED_SUBSCRIPTIONS: readonly DeclaredSubscription[] = Object.freeze([
  'BASE',
  'HCHP',
  'TEMPO',
  'EJP',
]);

/** A subscription as the owner declares it; offPeakHours are "HH:MM-HH:MM" in local time. */
export interface Declaration {
  subscription: DeclaredSubscription;
  offPeakHours: readonly string[];
}

/** The colour of a Tempo day, which runs from 06:00 to 06:00 the next day. */
export type TempoColour = 'BLUE' | 'WHITE' | 'RED';

export const TEMPO_COLOURS: readonly TempoColour[] = Object.freeze(['BLUE', 'WHITE', 'RED']);

/**
 * Published day calendars, by local day (YYYY-MM-DD): Tempo colours, and the EJP days with a
 * mobile peak (07:00 to 01:00 the next day). A day not given is BLUE, or an EJP normal day.
 */
export interface TariffCalendar {
  tempo: ReadonlyMap<string, TempoColour>;
  ejpPeakDays: ReadonlySet<string>;
}

export const EMPTY_CALENDAR: TariffCalendar = Object.freeze({
  tempo: new Map<string, TempoColour>(),
  ejpPeakDays: new Set<string>(),
});

/** Tempo's off-peak hours when the owner gives none: 22:00 to 06:00 in every contract. */
export const TEMPO_DEFAULT_OFF_PEAK = Object.freeze(['22:00-06:00']);

/** A window in minutes of the local day; end ≤ start means it runs past midnight. */
interface Window {
  start: number;
  end: number;
}

const WINDOW = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$/;

/** "HH:MM-HH:MM" as minutes of the local day; null when it is not of that form. */
function parseWindow(text: string): Window | null {
  const match = WINDOW.exec(text);
  if (!match) return null;
  return {
    start: Number(match[1]) * 60 + Number(match[2]),
    end: Number(match[3]) * 60 + Number(match[4]),
  };
}

/** Each problem of a declaration, as a sentence; none when it is valid. */
export function declarationProblems(declaration: Declaration): string[] {
  const problems: string[] = [];
  const windows: Window[] = [];
  for (const text of declaration.offPeakHours) {
    const window = parseWindow(text);
    if (!window) problems.push(`${text} is not a window of the form HH:MM-HH:MM`);
    else if (window.start === window.end) problems.push(`${text} is empty`);
    else windows.push(window);
  }
  const minutes = new Set<number>();
  let overlap = false;
  for (const window of windows) {
    for (let m = window.start; m !== window.end; m = (m + 1) % 1440) {
      if (minutes.has(m)) overlap = true;
      minutes.add(m);
    }
  }
  if (overlap) problems.push('off-peak windows overlap');
  const { subscription, offPeakHours } = declaration;
  if (subscription === 'BASE' && offPeakHours.length > 0)
    problems.push('BASE has no off-peak hours');
  if (subscription === 'EJP' && offPeakHours.length > 0)
    problems.push('EJP has no off-peak hours: its peak days come from the calendar');
  if (subscription === 'HCHP' && offPeakHours.length === 0)
    problems.push('HCHP needs its off-peak hours');
  return problems;
}

/** The off-peak windows in force under a declaration: Tempo's default when it gives none. */
export function offPeakHoursOf(declaration: Declaration): readonly string[] {
  return declaration.subscription === 'TEMPO' && declaration.offPeakHours.length === 0
    ? TEMPO_DEFAULT_OFF_PEAK
    : declaration.offPeakHours;
}

function windowsOf(declaration: Declaration): Window[] {
  return offPeakHoursOf(declaration).flatMap((text) => parseWindow(text) ?? []);
}

function inWindow(minute: number, { start, end }: Window): boolean {
  return start < end ? minute >= start && minute < end : minute >= start || minute < end;
}

const TEMPO_LETTER: Record<TempoColour, string> = { BLUE: 'b', WHITE: 'w', RED: 'r' };

function local(at: Date, zone: string): DateTime {
  const value = DateTime.fromJSDate(at, { zone });
  if (!value.isValid) throw new RangeError(`cannot place ${String(at)} in zone ${zone}`);
  return value;
}

/** The tariff in force at an instant under a declared subscription. */
export function declaredTariffAt(
  declaration: Declaration,
  zone: string,
  calendar: TariffCalendar,
  at: Date,
): TariffId {
  const time = local(at, zone);
  const minute = time.hour * 60 + time.minute;
  const offPeak = windowsOf(declaration).some((window) => inWindow(minute, window));
  switch (declaration.subscription) {
    case 'BASE':
      return 'th';
    case 'HCHP':
      return offPeak ? 'hc' : 'hp';
    case 'TEMPO': {
      // A Tempo day runs from 06:00 to 06:00: before 06:00 the colour is yesterday's.
      const day = time.hour < 6 ? time.minus({ days: 1 }) : time;
      const colour = calendar.tempo.get(day.toISODate()!) ?? 'BLUE';
      return `${offPeak ? 'hc' : 'hp'}j${TEMPO_LETTER[colour]}` as TariffId;
    }
    case 'EJP': {
      // A peak day's mobile peak runs from 07:00 to 01:00 the next day.
      const day = time.hour < 1 ? time.minus({ days: 1 }) : time;
      const peak = (time.hour >= 7 || time.hour < 1) && calendar.ejpPeakDays.has(day.toISODate()!);
      return peak ? 'pm' : 'hn';
    }
  }
}

/** Low (hc) or high (hp) class of the tariff in force at an instant. */
export function declaredClassAt(
  declaration: Declaration,
  zone: string,
  calendar: TariffCalendar,
  at: Date,
): TariffType {
  return tariffTypeOf(declaredTariffAt(declaration, zone, calendar, at));
}

/** The first minute of a local day with the offset its end has (a DST change inside it). */
function offsetChange(day: DateTime, next: DateTime): number {
  const offsetAt = (ms: number) => day.zone.offset(ms);
  let before = day.toMillis();
  let after = next.toMillis();
  const first = offsetAt(before);
  // Offsets change on a whole minute: halve the day down to one minute.
  while (after - before > 60_000) {
    const middle = before + Math.floor((after - before) / 120_000) * 60_000;
    if (offsetAt(middle) === first) before = middle;
    else after = middle;
  }
  return after;
}

/**
 * Instants where the tariff may change (window ends, day starts), local day by local day,
 * strictly between `from` and `to`. A local time the clocks skip adds no instant, but the change
 * of offset does (the tariff of the time after the skip starts then); one they repeat adds both.
 */
function candidates(declaration: Declaration, zone: string, from: Date, to: Date): number[] {
  const minutes = new Set<number>();
  for (const { start, end } of windowsOf(declaration)) minutes.add(start).add(end);
  if (declaration.subscription === 'TEMPO') minutes.add(6 * 60);
  if (declaration.subscription === 'EJP') minutes.add(60).add(7 * 60);
  const instants = new Set<number>();
  let day = local(from, zone).startOf('day').minus({ days: 1 });
  const last = local(to, zone).startOf('day').plus({ days: 1 });
  while (day <= last) {
    const next = day.plus({ days: 1 }).startOf('day');
    const offsets = new Set([day.offset, day.zone.offset(next.toMillis() - 1)]);
    const wall = Date.UTC(day.year, day.month - 1, day.day);
    for (const minute of minutes) {
      for (const offset of offsets) {
        const instant = wall + (minute - offset) * 60_000;
        const seen = DateTime.fromMillis(instant, { zone });
        if (seen.day === day.day && seen.hour * 60 + seen.minute === minute) instants.add(instant);
      }
    }
    if (offsets.size > 1) instants.add(offsetChange(day, next));
    day = next;
  }
  return [...instants]
    .filter((instant) => instant > from.getTime() && instant < to.getTime())
    .sort((a, b) => a - b);
}

/** A stretch of one tariff, from `start` until the next one's start. */
export interface TariffPeriod {
  start: Date;
  tariff: TariffId;
  type: TariffType;
}

/**
 * The tariffs in force from `from` to `to`: the first period starts at `from`, each next one
 * where the tariff changes (before `to`).
 */
export function declaredPeriods(
  declaration: Declaration,
  zone: string,
  calendar: TariffCalendar,
  from: Date,
  to: Date,
): TariffPeriod[] {
  const first = declaredTariffAt(declaration, zone, calendar, from);
  const periods: TariffPeriod[] = [{ start: from, tariff: first, type: tariffTypeOf(first) }];
  for (const instant of candidates(declaration, zone, from, to)) {
    const at = new Date(instant);
    const tariff = declaredTariffAt(declaration, zone, calendar, at);
    if (tariff !== periods.at(-1)!.tariff)
      periods.push({ start: at, tariff, type: tariffTypeOf(tariff) });
  }
  return periods;
}

/**
 * The periods of low or high class from `from` to `to` (tariffs of one class merged): what a
 * charge mode follows.
 */
export function classPeriods(periods: readonly TariffPeriod[]): TariffPeriod[] {
  const merged: TariffPeriod[] = [];
  for (const period of periods) {
    if (merged.at(-1)?.type !== period.type) merged.push(period);
  }
  return merged;
}
