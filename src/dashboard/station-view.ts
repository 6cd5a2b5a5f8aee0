import { ERROR_CODES } from '../protocol/index.js';

/** A charging station as the API answers it (the members the dashboard shows). */
export interface ApiStation {
  id: string;
  serialNumber: string;
  properties: {
    friendlyName?: string | null;
    availability: string;
    chargeMode: string;
    carPlugStatus: string | null;
    authorizeTic?: string;
    error: { code: number };
    currentSession: {
      startDate: string;
      duration: string;
      totalSessionEnergy: number;
      totalSessionCost?: number;
      chargingSpeed: string;
      chargingDuration: string;
      rangeRecoveredByEV: number;
    } | null;
    heartbeat: { heartbeat: boolean; receptionDate: string | null };
  };
}

/** The live state of a station as the page shows it, and as its event stream sends it. */
export interface StationState {
  availability: string;
  carPlugStatus: string | null;
  chargeMode: string;
  /** The current session; null without one (and always for installers, who see none). */
  session: {
    startDate: string;
    duration: string;
    chargingDuration: string;
    chargingSpeed: string;
    energyKwh: number;
    /** Absent for installers: costs are the owner's. */
    cost?: number;
    rangeKm: number;
  } | null;
  online: boolean;
  heartbeatAt: string | null;
  error: { code: number; name: string };
}

const ERROR_NAMES = new Map<number, string>(
  Object.entries(ERROR_CODES).map(([name, code]) => [code, name]),
);

/**
 * The live state of a station from the API's answer. `withCosts` is false for an installer, so
 * that no cost reaches their page even if the API ever gave one.
 */
export function stationState(station: ApiStation, withCosts: boolean): StationState {
  const p = station.properties;
  const current = p.currentSession;
  return {
    availability: p.availability,
    carPlugStatus: p.carPlugStatus,
    chargeMode: p.chargeMode,
    session: current
      ? {
          startDate: current.startDate,
          duration: current.duration,
          chargingDuration: current.chargingDuration,
          chargingSpeed: current.chargingSpeed,
          energyKwh: current.totalSessionEnergy,
          ...(withCosts && current.totalSessionCost !== undefined
            ? { cost: current.totalSessionCost }
            : {}),
          rangeKm: current.rangeRecoveredByEV,
        }
      : null,
    online: p.heartbeat.heartbeat,
    heartbeatAt: p.heartbeat.receptionDate,
    error: { code: p.error.code, name: ERROR_NAMES.get(p.error.code) ?? String(p.error.code) },
  };
}
