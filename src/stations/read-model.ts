import type { DeviceRow, ConnectorStateRow } from '../devices/index.js';
import {
  DEFAULT_AVERAGE_EV_CONSUMPTION,
  energyKwh,
  formatDuration,
  rangeRecovered,
  roundCost,
} from '../domain/sessions.js';
import {
  availabilityOf,
  carPlugStatusOf,
  isOffline,
  type ConnectorStatus,
} from '../domain/station-state.js';
import {
  CONNECTIVITY_TYPES,
  ERROR_CODES,
  TARIFF_NUMBERS,
  TIC_CONNECTED_VALUES,
} from '../protocol/index.js';
import type { ChargingStation } from './schemas.js';
import type { SessionRow, StationRow } from './store.js';

/** Everything the platform knows of one associated station, read at once. */
export interface StationFacts {
  station: StationRow;
  device: DeviceRow;
  connectors: ConnectorStateRow[];
  current?: SessionRow;
  last?: SessionRow;
  /** Cost of the sessions above, by session id (their priced ConsumptionCost samples). */
  costs: Map<number, number>;
}

export function connectorStatuses(connectors: ConnectorStateRow[]): Map<number, ConnectorStatus> {
  return new Map(connectors.map((c) => [c.connector_id, c.status as ConnectorStatus]));
}

function averageConsumption(station: StationRow): number {
  return station.average_ev_consumption ?? DEFAULT_AVERAGE_EV_CONSUMPTION;
}

function sessionEnergy(session: SessionRow): number {
  return energyKwh(session.meter_start_wh, session.last_meter_wh);
}

function chargingMilliseconds(session: SessionRow, now: Date): number {
  const running = session.charging_since
    ? Math.max(0, now.getTime() - Date.parse(session.charging_since))
    : 0;
  return session.charging_seconds * 1000 + running;
}

/** The station's current error: Offline (400) when silent too long, else the latest reported fault. */
export function errorCodeOf(facts: Pick<StationFacts, 'device' | 'connectors'>, now: Date): number {
  const { device } = facts;
  const lastSeen = device.last_seen_at ? new Date(device.last_seen_at) : null;
  if (isOffline(lastSeen, device.heartbeat_interval, now)) return ERROR_CODES.Offline;
  return currentFault(facts.connectors);
}

/** The guide's code of the latest fault a connector still reports, NoError (0) when none. */
export function currentFault(connectors: readonly ConnectorStateRow[]): number {
  const faults = connectors
    .filter((c) => c.vendor_error_code !== null)
    .sort((a, b) => b.updated_at.localeCompare(a.updated_at));
  return faults[0] ? Number(faults[0].vendor_error_code) : ERROR_CODES.NoError;
}

/** The stored value when it is one of the guide's values, else null (stored before the check). */
function oneOf<const T extends readonly string[]>(
  values: T,
  stored: string | null,
): T[number] | null {
  return values.find((value) => value === stored) ?? null;
}

/** The guide's charging-station model. */
export function toChargingStation(facts: StationFacts, now: Date): ChargingStation {
  const { station, device, connectors, current, last, costs } = facts;
  // Session times are the station's: measure the open session to its clock (real stations drift,
  // simulated ones run faster), known from its latest timestamped message.
  const stationNow = new Date(now.getTime() + (device.clock_offset_ms ?? 0));
  const statuses = connectorStatuses(connectors);
  const consumption = averageConsumption(station);
  const tariffs = device.tariff_classes
    ? (JSON.parse(device.tariff_classes) as Record<string, 'hc' | 'hp'>)
    : {};
  const errorCode = errorCodeOf(facts, now);
  const tariffProperties = Object.fromEntries(
    TARIFF_NUMBERS.map((n) => [`tariff${n}`, tariffs[`tariff${n}`] ?? null]),
  ) as Record<`tariff${(typeof TARIFF_NUMBERS)[number]}`, 'hc' | 'hp' | null>;

  return {
    id: station.id,
    serialNumber: device.serial_number,
    uuid: device.uid,
    installationParentId: Number(station.installation_id),
    type: 'chargingStation',
    properties: {
      installationDate: station.installation_date,
      productionDate: device.production_date,
      productReference: device.product_reference,
      macAddress: device.mac_address,
      wifiSsid: device.wifi_ssid,
      friendlyName: station.friendly_name,
      phaseNumber: device.phase_number,
      erlConnected: device.erl_connected === null ? null : device.erl_connected === 1,
      ticConnected: oneOf(TIC_CONNECTED_VALUES, device.tic_connected),
      nightModeConnected: device.night_mode_connected,
      sheddingMode: device.shedding_mode,
      averageEvConsumption: String(consumption),
      isDefaultAverageEvConsumption: station.average_ev_consumption === null,
      ledPower: device.led_power,
      ...tariffProperties,
      authorizeTic: station.authorize_tic === 1 ? 'consent' : 'noConsent',
      availability: availabilityOf(statuses),
      chargeMode: (device.charge_mode ??
        'immediate') as ChargingStation['properties']['chargeMode'],
      carPlugStatus: carPlugStatusOf(statuses),
      keySwitch: device.key_switch as ChargingStation['properties']['keySwitch'],
      timezone: station.timezone as ChargingStation['properties']['timezone'],
      culture: station.culture as ChargingStation['properties']['culture'],
      connectivityType: oneOf(CONNECTIVITY_TYPES, device.connectivity_type),
      evcsLocked: device.evcs_locked === 1,
      // Stored codes come from guideErrorCode: always one of the guide's.
      error: { code: errorCode as ChargingStation['properties']['error']['code'] },
      currentSession: current
        ? {
            startDate: current.started_at,
            duration: formatDuration(stationNow.getTime() - Date.parse(current.started_at)),
            totalSessionEnergy: sessionEnergy(current),
            totalSessionCost: roundCost(costs.get(current.id) ?? 0),
            chargingSpeed:
              statuses.get(current.connector_id) === 'Charging' ? 'optimal' : 'stopped',
            chargingDuration: formatDuration(chargingMilliseconds(current, stationNow)),
            rangeRecoveredByEV: rangeRecovered(sessionEnergy(current), consumption),
          }
        : null,
      lastSession:
        last && last.stopped_at
          ? {
              startDate: last.started_at,
              endDate: last.stopped_at,
              sessionDuration: formatDuration(
                Date.parse(last.stopped_at) - Date.parse(last.started_at),
              ),
              chargingDuration: formatDuration(last.charging_seconds * 1000),
              totalSessionEnergy: sessionEnergy(last),
              totalSessionCost: roundCost(costs.get(last.id) ?? 0),
              rangeRecoveredByEV: rangeRecovered(sessionEnergy(last), consumption),
            }
          : null,
      heartbeat: {
        heartbeat: errorCode !== ERROR_CODES.Offline,
        receptionDate: device.last_heartbeat_at,
      },
    },
  };
}
