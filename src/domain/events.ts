/**
 * The charging-station events of the guide's Notification section, in Azure Event Grid's
 * envelope (docs/events.md describes each one and its data).
 */

/** The guide's event types. */
export const EVENT_TYPES = [
  'XEVFR.state_EVCS_session',
  'XEVFR.state_EVCS_socketState',
  'XEVFR.state_EVCS_error',
  'XEVFR.state_EVCS_chargeMode',
  'XEVFR.state_EVCS_cybersecurity',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

/** The guide spells the session type `XEFVR.state_EVCS_session` once: accepted as the same type. */
const ALIASES: Record<string, EventType> = {
  'XEFVR.state_EVCS_session': 'XEVFR.state_EVCS_session',
};

/** The event type a subscription names (an alias resolved), or undefined when unknown. */
export function eventTypeOf(name: string): EventType | undefined {
  return (EVENT_TYPES as readonly string[]).includes(name) ? (name as EventType) : ALIASES[name];
}

/** The guide's socket states (`availability`): 0 Available | 1 Occupied | 2 Charging | 3 InTrouble. */
export const SOCKET_STATES = {
  available: { code: 0, name: 'Available' },
  occupied: { code: 1, name: 'Occupied' },
  charging: { code: 2, name: 'Charging' },
  inTrouble: { code: 3, name: 'InTrouble' },
} as const;

/** The guide's names of its error codes. */
export const ERROR_CODE_NAMES: Record<number, string> = {
  0: 'NoError',
  1: 'M3CableFailure',
  2: 'M3CpShortCircuitFailure',
  3: 'CarOverconsumption',
  4: 'M3VentilationError',
  5: 'LoadSheddingFailure',
  6: 'M3CpFailure',
  9: 'SixmADetection',
  130: 'M3FatalErrorWeldedContact1',
  133: 'FatalErrorDcSensor6mA',
  400: 'Offline',
};

/** The guide's cybersecurity event codes. */
export const CYBERSECURITY_EVENT_NAMES: Record<number, string> = {
  0: 'AP login success',
  1: 'AP login failure',
  2: 'AP password changed or reset to factory',
  3: 'Wi-Fi SSID changed',
  4: 'Network configuration changed',
};

/** Event Grid's `topic` of an installation's events. */
export function topicOf(installationId: number): string {
  return `/witty-home/installations/${installationId}`;
}

/** Event Grid's `subject` of a charging station's events. */
export function subjectOf(installationId: number, chargingStationId: string): string {
  return `installations/${installationId}/charging-stations/${chargingStationId}`;
}

/** What a subscription selects: its event type, if any, and its subject filter. */
export interface EventSelection {
  eventType: string | null;
  subjectBeginsWith: string;
  subjectEndsWith: string;
}

/** Whether a subscription receives an event (Event Grid's filter: type, then subject prefix and suffix). */
export function selects(selection: EventSelection, type: EventType, subject: string): boolean {
  if (selection.eventType !== null && selection.eventType !== type) return false;
  return (
    subject.startsWith(selection.subjectBeginsWith) && subject.endsWith(selection.subjectEndsWith)
  );
}

/**
 * The delay before each retry of a failed delivery: the schedule's entry for that attempt,
 * spread by ±`jitter` (a fraction) so that many deliveries failing together do not retry in
 * one burst. Undefined once the schedule is spent.
 */
export function retryDelayMs(
  scheduleSeconds: readonly number[],
  failedAttempts: number,
  random: number,
  jitter = 0.2,
): number | undefined {
  const base = scheduleSeconds[failedAttempts - 1];
  if (base === undefined) return undefined;
  return Math.round(base * 1000 * (1 + jitter * (2 * random - 1)));
}

/** Event Grid's rule: these answers are final (the request itself is refused); others are retried. */
export function isFinalFailure(statusCode: number): boolean {
  return [400, 401, 403, 404, 413].includes(statusCode);
}
