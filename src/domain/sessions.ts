/** Pure rules of charging sessions: durations, energy, range, cost. */

/** Duration as the guide writes it: HH:MM, hours not capped at 24 ("27:05"). */
export function formatDuration(milliseconds: number): string {
  const totalMinutes = Math.max(0, Math.floor(milliseconds / 60_000));
  const hours = Math.floor(totalMinutes / 60);
  const minutes = totalMinutes % 60;
  return `${String(hours).padStart(2, '0')}:${String(minutes).padStart(2, '0')}`;
}

/**
 * Range recovered by the car, in km: energy / averageEvConsumption × 100 (the guide:
 * 99 kWh at 14.2 kWh/100 km = 697 km), rounded down to whole kilometres.
 */
export function rangeRecovered(energyKwh: number, averageEvConsumptionKwhPer100Km: number): number {
  if (averageEvConsumptionKwhPer100Km <= 0) return 0;
  return Math.floor((energyKwh / averageEvConsumptionKwhPer100Km) * 100 + 1e-9);
}

/** Energy in kWh between two register readings in Wh, three decimals (1 Wh). */
export function energyKwh(meterStartWh: number, meterNowWh: number): number {
  return Math.round(Math.max(0, meterNowWh - meterStartWh)) / 1000;
}

/** Cost in the currency's main unit, rounded to the tenth of a cent as in the guide (0.915). */
export function roundCost(cost: number): number {
  return Math.round(cost * 1000) / 1000;
}

/** Average EV consumption used until the owner sets one, kWh/100 km. */
export const DEFAULT_AVERAGE_EV_CONSUMPTION = 17;
