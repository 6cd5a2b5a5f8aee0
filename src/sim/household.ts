/** The habits of the simulated household: its consumption and when the car is home. */

/** Hour of the day (0–23) in the zone. */
export function localHour(instant: Date, zone: string): number {
  return Number(
    new Intl.DateTimeFormat('en-GB', { hour: 'numeric', hourCycle: 'h23', timeZone: zone }).format(
      instant,
    ),
  );
}

/** Day of the week in the zone, Monday 0 … Sunday 6. */
export function localWeekday(instant: Date, zone: string): number {
  const day = new Intl.DateTimeFormat('en-GB', { weekday: 'short', timeZone: zone }).format(
    instant,
  );
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
