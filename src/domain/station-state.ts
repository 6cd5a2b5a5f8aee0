/** Pure rules of a charging station's state (the guide's availability, carPlugStatus…). */

/** OCPP 1.6 §7.7 ChargePointStatus. */
export type ConnectorStatus =
  | 'Available'
  | 'Preparing'
  | 'Charging'
  | 'SuspendedEVSE'
  | 'SuspendedEV'
  | 'Finishing'
  | 'Reserved'
  | 'Unavailable'
  | 'Faulted';

export type Availability = 'available' | 'occupied' | 'charging' | 'inTrouble';
export type CarPlugStatus = 'm2' | 'm3' | 'm2m3';

/** A connector status in which a car is plugged in. */
export function isPlugged(status: ConnectorStatus | undefined): boolean {
  return (
    status === 'Preparing' ||
    status === 'Charging' ||
    status === 'SuspendedEVSE' ||
    status === 'SuspendedEV' ||
    status === 'Finishing'
  );
}

/** The station's availability from its connectors (M3 = 1, M2 = 2) and station status (0). */
export function availabilityOf(statuses: Map<number, ConnectorStatus>): Availability {
  const all = [...statuses.values()];
  if (all.includes('Faulted')) return 'inTrouble';
  if (all.includes('Charging')) return 'charging';
  if ([...statuses].some(([connector, status]) => connector > 0 && isPlugged(status)))
    return 'occupied';
  return 'available';
}

/** Which sockets have a car plugged in, or null when none. */
export function carPlugStatusOf(statuses: Map<number, ConnectorStatus>): CarPlugStatus | null {
  const m3 = isPlugged(statuses.get(1));
  const m2 = isPlugged(statuses.get(2));
  if (m2 && m3) return 'm2m3';
  if (m3) return 'm3';
  if (m2) return 'm2';
  return null;
}

/** A station is offline once silent for more than twice its heartbeat interval. */
export function isOffline(
  lastSeenAt: Date | null,
  heartbeatIntervalSeconds: number,
  now: Date,
): boolean {
  if (!lastSeenAt) return true;
  return now.getTime() - lastSeenAt.getTime() > 2 * heartbeatIntervalSeconds * 1000;
}
