/** Time buckets of the operators routes: hours, days, weeks, months, years of the installation's zone. */
import { DateTime } from 'luxon';

/** Aggregation level of the operators routes, as the guide spells it. */
export type Step = 'hour' | 'day' | 'week' | 'month' | 'year';

/** Every step, finest first. */
export const STEPS: readonly Step[] = ['hour', 'day', 'week', 'month', 'year'];

/** Windows time zone names the guide gives installations, and the IANA zone of each. */
export const WINDOWS_TIME_ZONES = {
  'GMT Standard Time': 'Europe/London',
  'Romance Standard Time': 'Europe/Paris',
  'W. Europe Standard Time': 'Europe/Berlin',
} as const;

/** IANA zone of a Windows time zone name; throws on a name the platform does not know. */
export function ianaZone(windowsName: string): string {
  // hasOwn, not `in`: 'toString' must not pass for a zone name.
  if (!Object.hasOwn(WINDOWS_TIME_ZONES, windowsName)) {
    throw new RangeError(`unknown Windows time zone: ${windowsName}`);
  }
  return WINDOWS_TIME_ZONES[windowsName as keyof typeof WINDOWS_TIME_ZONES];
}

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** The instant in the zone; throws on an invalid date or an unknown zone rather than yielding NaN dates. */
function inZone(instant: Date, zone: string): DateTime<true> {
  const local = DateTime.fromJSDate(instant, { zone });
  if (!local.isValid) {
    throw new RangeError(`cannot place ${String(instant)} in zone ${zone}: ${local.invalidReason}`);
  }
  return local;
}

/** Start, as a UTC instant, of the local hour / day / ISO week / month / year containing the instant. */
export function bucketStart(instant: Date, step: Step, zone: string): Date {
  const local = inZone(instant, zone);
  if (step === 'hour') return hourStart(instant, local, zone);
  // Luxon's 'week' is the ISO week: Monday 00:00, whatever the locale.
  return local.startOf(step).toJSDate();
}

/** Start of the local hour containing the instant, `local` being the instant in the zone. */
function hourStart(instant: Date, local: DateTime<true>, zone: string): Date {
  // Step back the local minutes rather than rebuild a wall-clock time: in the repeated hour
  // of a fall-back night, 02:00 names two instants and each real hour keeps its own bucket.
  const candidate =
    instant.getTime() - local.minute * 60_000 - local.second * 1000 - local.millisecond;
  const offsetAt = (time: number) => inZone(new Date(time), zone).offset;
  if (offsetAt(candidate) === local.offset) return new Date(candidate);
  // The offset moved inside this local hour (a half-hour DST change, as on Lord Howe Island):
  // the bucket starts at the change, found by bisection; the offset at `after` is the instant's.
  let before = candidate;
  let after = instant.getTime();
  while (after - before > 1) {
    const middle = Math.floor((before + after) / 2);
    if (offsetAt(middle) === local.offset) after = middle;
    else before = middle;
  }
  return new Date(after);
}

/** Start of the bucket that follows the one containing `start`. */
export function nextBucketStart(start: Date, step: Step, zone: string): Date {
  const current = bucketStart(start, step, zone);
  if (step === 'hour') {
    // Re-bucketed so that a zone whose offset moves by half an hour still lands on a local hour.
    return bucketStart(new Date(current.getTime() + HOUR_MS), 'hour', zone);
  }
  // Calendar arithmetic in the zone: a day across a DST change is 23 or 25 real hours.
  return inZone(current, zone)
    .plus({ [step]: 1 })
    .startOf(step)
    .toJSDate();
}

/** Bucket starts covering [start, end), the first being the bucket that contains `start`. */
export function bucketsBetween(start: Date, end: Date, step: Step, zone: string): Date[] {
  const starts: Date[] = [];
  // [start, end) is empty when end is not after start, even though start lies in a bucket.
  if (end.getTime() <= start.getTime()) return starts;
  let bucket = bucketStart(start, step, zone);
  while (bucket.getTime() < end.getTime()) {
    starts.push(bucket);
    const next = nextBucketStart(bucket, step, zone);
    // A bucket that failed to move on would loop until memory runs out: fail loudly instead.
    if (next.getTime() <= bucket.getTime()) {
      throw new Error(`no ${step} bucket after ${bucket.toISOString()} in ${zone}`);
    }
    bucket = next;
  }
  return starts;
}

/** Local date of the instant in the zone, 'YYYY-MM-DD'. */
export function localDay(instant: Date, zone: string): string {
  return inZone(instant, zone).toISODate();
}

/** A local day of a zone: its start and end as UTC instants, and its date. */
interface ZoneDay {
  start: number;
  end: number;
  startIso: string;
  date: string;
}

/** The local days looked up lately, per zone (most recent last), a few each. */
const recentDays = new Map<string, ZoneDay[]>();
const RECENT_DAYS_PER_ZONE = 8;
const RECENT_ZONES = 64;

/**
 * The local day an instant falls in: the start of that day (a UTC instant, ISO) and its date.
 * Samples come by the thousand from the same few days, and placing each one in its zone was
 * a tenth of the ingest's CPU: the days found are kept, a few per zone, and an instant within
 * one of them is answered without a zone computation.
 */
export function dayOf(instant: Date, zone: string): { start: string; date: string } {
  const time = instant.getTime();
  const days = recentDays.get(zone);
  const known = days?.find((day) => day.start <= time && time < day.end);
  if (known) return { start: known.startIso, date: known.date };
  const start = bucketStart(instant, 'day', zone);
  const day: ZoneDay = {
    start: start.getTime(),
    end: nextBucketStart(start, 'day', zone).getTime(),
    startIso: start.toISOString(),
    date: localDay(start, zone),
  };
  if (days) {
    days.push(day);
    if (days.length > RECENT_DAYS_PER_ZONE) days.shift();
  } else {
    if (recentDays.size >= RECENT_ZONES) recentDays.clear();
    recentDays.set(zone, [day]);
  }
  return { start: day.startIso, date: day.date };
}

/** Why a startDate / endDate / step triple is refused, with the field to blame. */
export interface RangeProblem {
  field: 'startDate' | 'endDate' | 'step';
  message: string;
}

/** Days in the longest run of `years` calendar years: one leap day in every four years, rounded up. */
const daysInYears = (years: number): number => years * 365 + Math.ceil(years / 4);

/** Longest span accepted per step, so that one request returns a bounded number of buckets. */
const MAX_SPAN: Record<Step, { days: number; label: string }> = {
  hour: { days: 31, label: '31 days' },
  day: { days: daysInYears(2), label: `2 years (${daysInYears(2)} days)` },
  week: { days: daysInYears(5), label: `5 years (${daysInYears(5)} days)` },
  month: { days: daysInYears(20), label: `20 years (${daysInYears(20)} days)` },
  year: { days: daysInYears(100), label: `100 years (${daysInYears(100)} days)` },
};

/** The span in days as a reader would say it; never "31 days" for a span refused at 31 days. */
function describeSpan(spanDays: number, maxDays: number): string {
  if (Number.isInteger(spanDays)) return `${spanDays} days`;
  const shown = Math.floor(spanDays * 100) / 100;
  return shown > maxDays ? `${shown} days` : `more than ${maxDays} days`;
}

/** First problem of an aggregation range, or undefined when [start, end) is fine for the step. */
export function checkRange(start: Date, end: Date, step: Step): RangeProblem | undefined {
  if (Number.isNaN(start.getTime())) {
    return { field: 'startDate', message: 'startDate is not a valid date' };
  }
  if (Number.isNaN(end.getTime())) {
    return { field: 'endDate', message: 'endDate is not a valid date' };
  }
  if (!STEPS.includes(step)) {
    return { field: 'step', message: `step must be one of ${STEPS.join(', ')}` };
  }
  if (end.getTime() <= start.getTime()) {
    return { field: 'endDate', message: 'endDate must be after startDate' };
  }
  const spanDays = (end.getTime() - start.getTime()) / DAY_MS;
  const limit = MAX_SPAN[step];
  if (spanDays <= limit.days) return undefined;
  // A coarser step that accepts the span is the fix; when none does, the dates are.
  const coarserFits = STEPS.slice(STEPS.indexOf(step) + 1).some(
    (coarser) => spanDays <= MAX_SPAN[coarser].days,
  );
  return {
    field: coarserFits ? 'step' : 'endDate',
    message: `a span of ${describeSpan(spanDays, limit.days)} is too long for step ${step}: at most ${limit.label}`,
  };
}
