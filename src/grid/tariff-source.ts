import {
  DECLARED_SUBSCRIPTIONS,
  TEMPO_COLOURS,
  declaredPeriods,
  declaredTariffAt,
  type Declaration,
  type DeclaredSubscription,
  type TariffCalendar,
  type TariffPeriod,
  type TempoColour,
} from '../domain/tariff-schedule.js';
import {
  SUBSCRIPTION_TARIFFS,
  isTariffId,
  tariffTypeOf,
  type StandardTariffClasses,
  type Subscription,
  type TariffId,
} from '../domain/tariffs.js';
import { ianaZone, localDay } from '../domain/time-buckets.js';
import type { StationRow } from '../stations/index.js';
import type { CalendarDayRow, CalendarName, GridMeterRow, GridStore } from './store.js';

/** Where the tariff in force comes from, and the tariff at any instant. */
export interface TariffSource {
  kind: 'tic' | 'declared' | 'none';
  /** the tariff at an instant: TIC's current tariff (constant), the declared schedule, or 'th' */
  tariffAt(at: Date): TariffId;
  /** tariff periods from..to (declaredPeriods for a declaration; one period for tic/none) */
  periods(from: Date, to: Date): TariffPeriod[];
}

/** The subscription in force on a meter: detected by the TIC, or declared by the owner. */
export type SubscriptionInForce =
  | { source: 'tic'; subscription: Subscription }
  | { source: 'declared'; subscription: DeclaredSubscription; declaration: Declaration };

/** The owner's declaration on a meter, if there is one. */
export function declarationOf(meter: GridMeterRow | undefined): Declaration | null {
  const subscription = meter?.declared_subscription;
  if (!subscription || !(DECLARED_SUBSCRIPTIONS as readonly string[]).includes(subscription))
    return null;
  return {
    subscription: subscription as DeclaredSubscription,
    offPeakHours: meter.off_peak_hours ? (JSON.parse(meter.off_peak_hours) as string[]) : [],
  };
}

/**
 * The subscription in force: the TIC's whenever the meter detected one and the owner consents
 * (the meter knows better than a declaration), else the owner's declaration, else none.
 */
export function subscriptionInForce(
  meter: GridMeterRow | undefined,
  station: StationRow,
): SubscriptionInForce | null {
  const detected = meter?.subscription;
  if (station.authorize_tic === 1 && detected && Object.hasOwn(SUBSCRIPTION_TARIFFS, detected))
    return { source: 'tic', subscription: detected as Subscription };
  const declaration = declarationOf(meter);
  return declaration
    ? { source: 'declared', subscription: declaration.subscription, declaration }
    : null;
}

/** The calendar a declared subscription follows, if any. */
function calendarOf(subscription: DeclaredSubscription): CalendarName | null {
  return subscription === 'TEMPO' || subscription === 'EJP' ? subscription : null;
}

/** Stored days as the schedule reads them; a value it does not know counts as an ordinary day. */
export function calendarOfDays(rows: readonly Pick<CalendarDayRow, 'day' | 'value'>[]) {
  const tempo = new Map<string, TempoColour>();
  const ejpPeakDays = new Set<string>();
  for (const { day, value } of rows) {
    if ((TEMPO_COLOURS as readonly string[]).includes(value)) tempo.set(day, value as TempoColour);
    else if (value === 'PEAK') ejpPeakDays.add(day);
  }
  return { tempo, ejpPeakDays } satisfies TariffCalendar;
}

function constant(kind: 'tic' | 'none', tariff: TariffId, classes: StandardTariffClasses) {
  const type = tariffTypeOf(tariff, classes);
  return {
    kind,
    tariffAt: () => tariff,
    periods: (from: Date) => [{ start: from, tariff, type }],
  } satisfies TariffSource;
}

/**
 * The source of a meter's tariffs; `days` reads the calendar a declaration follows. A TIC whose
 * contract was not recognized still tells its current tariff, which then stands.
 */
async function sourceOf(
  meter: GridMeterRow | undefined,
  station: StationRow,
  days: (calendar: CalendarName) => Promise<Pick<CalendarDayRow, 'day' | 'value'>[]>,
  classes: StandardTariffClasses,
): Promise<TariffSource> {
  const consent = station.authorize_tic === 1;
  const ticTariff =
    consent && meter?.current_tariff && isTariffId(meter.current_tariff)
      ? meter.current_tariff
      : null;
  const inForce = subscriptionInForce(meter, station);
  if (inForce?.source === 'tic') return constant('tic', ticTariff ?? 'th', classes);
  if (!inForce) return ticTariff ? constant('tic', ticTariff, classes) : constant('none', 'th', {});
  const { declaration } = inForce;
  const name = calendarOf(declaration.subscription);
  const calendar = calendarOfDays(name ? await days(name) : []);
  const zone = ianaZone(station.timezone);
  return {
    kind: 'declared',
    tariffAt: (at) => declaredTariffAt(declaration, zone, calendar, at),
    periods: (from, to) => declaredPeriods(declaration, zone, calendar, from, to),
  };
}

/** A day's margin either side of a range: its calendar days are read with it. */
const DAY_MS = 86_400_000;

/**
 * The tariffs of a station's installation from `from` to `to`: TIC's while it is in force, else
 * the owner's declaration with the calendar days from one day before `from` to one after `to`,
 * else Base. `classes`: the station's class of each STANDARD tariff (hp when not given).
 */
export async function loadTariffSource(
  grid: GridStore,
  station: StationRow,
  from: Date,
  to: Date,
  classes: StandardTariffClasses = {},
): Promise<TariffSource> {
  return tariffSourceOfMeter(
    grid,
    await grid.findByStation(station.id),
    station,
    from,
    to,
    classes,
  );
}

/** loadTariffSource for a meter already read. */
export function tariffSourceOfMeter(
  grid: GridStore,
  meter: GridMeterRow | undefined,
  station: StationRow,
  from: Date,
  to: Date,
  classes: StandardTariffClasses = {},
): Promise<TariffSource> {
  const zone = ianaZone(station.timezone);
  return sourceOf(
    meter,
    station,
    (calendar) =>
      grid.calendarDays(
        calendar,
        localDay(new Date(from.getTime() - DAY_MS), zone),
        localDay(new Date(to.getTime() + DAY_MS), zone),
      ),
    classes,
  );
}

/**
 * The same for instants not known in advance (readings of any age): the calendar's days that
 * differ from an ordinary one, whatever their date.
 */
export async function loadTariffSourceForAnyInstant(
  grid: GridStore,
  station: StationRow,
): Promise<TariffSource> {
  const meter = await grid.findByStation(station.id);
  return sourceOf(meter, station, (calendar) => grid.calendarExceptions(calendar), {});
}
