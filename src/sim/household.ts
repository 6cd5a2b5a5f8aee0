/** The habits of the simulated household: its consumption and when the car is home. */

// Building an Intl.DateTimeFormat costs far more than formatting with it (the history
// backfill asks twice per simulated 10 minutes): one of each per zone.
const hourFormats = new Map<string, Intl.DateTimeFormat>();
const weekdayFormats = new Map<string, Intl.DateTimeFormat>();

function formatIn(
  formats: Map<string, Intl.DateTimeFormat>,
  zone: string,
  options: Intl.DateTimeFormatOptions,
): Intl.DateTimeFormat {
  let format = formats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', { ...options, timeZone: zone });
    formats.set(zone, format);
  }
  return format;
}

/** Hour of the day (0–23) in the zone. */
export function localHour(instant: Date, zone: string): number {
  return Number(formatIn(hourFormats, zone, { hour: 'numeric', hourCycle: 'h23' }).format(instant));
}

/** Day of the week in the zone, Monday 0 … Sunday 6. */
export function localWeekday(instant: Date, zone: string): number {
  const day = formatIn(weekdayFormats, zone, { weekday: 'short' }).format(instant);
  return ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(day);
}

/** House consumption besides the car, VA: a night base, a morning and an evening peak. */
export function houseLoad(hour: number): number {
  if (hour >= 18 && hour < 22) return 2500;
  if (hour >= 7 && hour < 9) return 1500;
  return 400;
}

/** Whether the car is home and plugged: weekday evenings to mornings, Saturday midday. */
export function carAtHome(hour: number, weekday: number): boolean {
  if (weekday <= 4) return hour >= 19 || hour < 7;
  if (weekday === 5) return hour >= 10 && hour < 16;
  return false;
}
