import type { Clock } from '../clock.js';
import type { DeviceStore, DeviceStateUpdate } from '../devices/store.js';
import { energyKwh } from '../domain/sessions.js';
import { availabilityOf, type ConnectorStatus } from '../domain/station-state.js';
import { ERROR_NAMES } from '../telemetry/catalog.js';
import type { TelemetryService } from '../telemetry/service.js';
import {
  CONFIGURATION_KEY,
  CONNECTOR,
  REMOTE_ID_TAG,
  TARIFF_NUMBERS,
  guideErrorCode,
} from '../gateway/witty-profile.js';
import { currentFault } from './read-model.js';
import type { StationStore } from './store.js';

/** A StatusNotification, as the gateway hands it over. */
export interface StatusReport {
  connectorId: number;
  status: ConnectorStatus;
  errorCode: string;
  vendorId?: string;
  vendorErrorCode?: string;
  timestamp?: string;
}

/** Readings of one MeterValues sample relevant to sessions. */
export interface MeterReading {
  connectorId: number;
  transactionId?: number;
  timestamp: string;
  energyWh?: number;
  powerW?: number;
}

/** Station facts sent in the StationInfo DataTransfer. */
export interface StationInfo {
  wifiSsid?: string;
  macAddress?: string;
  phaseNumber?: string;
  erlConnected?: boolean;
  ticConnected?: string;
  nightModeConnected?: string;
  sheddingMode?: string;
  connectivityType?: string;
}

/** A station's timestamp in the platform's storage form (UTC, milliseconds, `Z`). */
export function normalizeTimestamp(timestamp: string): string {
  const date = new Date(timestamp);
  return Number.isNaN(date.getTime()) ? timestamp : date.toISOString();
}

const flag = (value: boolean | undefined) => (value === undefined ? undefined : value ? 1 : 0);
const defined = <T extends object>(value: T) =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;

/**
 * What the devices tell the platform, kept as their live state: connection, boot facts,
 * connector statuses, sessions with their energy and charging time, Witty settings.
 */
export class DeviceStateService {
  constructor(
    private readonly devices: DeviceStore,
    private readonly stations: StationStore,
    private readonly telemetry: TelemetryService,
    private readonly clock: Clock,
  ) {}

  /** Records a log of the station's association, when it has one, if its value changed. */
  private async logChange(
    uid: string,
    logName: string,
    value: Record<string, unknown>,
    at: string,
    always = false,
  ) {
    const station = await this.stations.findByUid(uid);
    if (station) await this.logFor(station.id, logName, value, at, always);
  }

  /** Records a log of a station association if its value changed (or always). */
  private async logFor(
    stationId: string,
    logName: string,
    value: Record<string, unknown>,
    at: string,
    always = false,
  ) {
    if (!always) {
      const last = await this.telemetry.lastLogValue(stationId, logName);
      if (JSON.stringify(last) === JSON.stringify(value)) return;
    }
    await this.telemetry.log(stationId, logName, value, at);
  }

  private now(): string {
    return this.clock.now().toISOString();
  }

  async connected(uid: string): Promise<void> {
    const now = this.now();
    await this.devices.update(uid, { connected: 1, last_seen_at: now });
  }

  async disconnected(uid: string): Promise<void> {
    await this.devices.update(uid, { connected: 0 });
  }

  /** Any message proves the station is alive. */
  async seen(uid: string): Promise<void> {
    await this.devices.update(uid, { last_seen_at: this.now() });
  }

  async booted(
    uid: string,
    boot: { vendor: string; model: string; firmwareVersion?: string },
    heartbeatInterval: number,
  ): Promise<void> {
    const now = this.now();
    await this.devices.update(uid, {
      booted_at: now,
      last_seen_at: now,
      last_heartbeat_at: now,
      heartbeat_interval: heartbeatInterval,
      vendor: boot.vendor,
      model: boot.model,
      firmware_version: boot.firmwareVersion ?? null,
    });
  }

  async heartbeat(uid: string): Promise<void> {
    const now = this.now();
    await this.devices.update(uid, { last_seen_at: now, last_heartbeat_at: now });
  }

  async status(uid: string, report: StatusReport): Promise<void> {
    const at = report.timestamp ? normalizeTimestamp(report.timestamp) : this.now();
    const code = guideErrorCode(report.errorCode, report.vendorId, report.vendorErrorCode);
    await this.devices.upsertConnector({
      uid,
      connector_id: report.connectorId,
      status: report.status,
      error_code: report.errorCode,
      // The guide's code of the fault, kept while the connector reports it.
      vendor_error_code: code === 0 ? null : String(code),
      updated_at: at,
    });
    if (report.connectorId > 0) {
      const session = await this.stations.openSession(uid, report.connectorId);
      if (session)
        await this.accountChargingTime(session.id, session, report.status === 'Charging', at);
    }
    await this.logStatusChanges(uid, at);
  }

  /** SocketState when the availability changes; Errors when a fault appears or clears. */
  private async logStatusChanges(uid: string, at: string): Promise<void> {
    const station = await this.stations.findByUid(uid);
    if (!station) return;
    const connectors = await this.devices.connectors(uid);
    const statuses = new Map(connectors.map((c) => [c.connector_id, c.status as ConnectorStatus]));
    await this.logFor(station.id, 'SocketState', { socketState: availabilityOf(statuses) }, at);
    // The same fault the API shows as error.code.
    const name = ERROR_NAMES[currentFault(connectors)] ?? 'noError';
    const last = (await this.telemetry.lastLogValue(station.id, 'Errors')) as
      { code: string; state: boolean } | undefined;
    if (name !== 'noError' && (last?.code !== name || !last.state)) {
      await this.logFor(station.id, 'Errors', { code: name, state: true }, at, true);
    } else if (name === 'noError' && last?.state) {
      await this.logFor(station.id, 'Errors', { code: last.code, state: false }, at, true);
    }
  }

  /** Starts or stops the charging clock of a session when the connector starts or stops charging. */
  private async accountChargingTime(
    sessionId: number,
    session: { charging_since: string | null; charging_seconds: number },
    charging: boolean,
    at: string,
  ): Promise<void> {
    if (charging && session.charging_since === null) {
      await this.stations.updateSession(sessionId, { charging_since: at });
    } else if (!charging && session.charging_since !== null) {
      const seconds = Math.max(0, (Date.parse(at) - Date.parse(session.charging_since)) / 1000);
      await this.stations.updateSession(sessionId, {
        charging_since: null,
        charging_seconds: session.charging_seconds + seconds,
      });
    }
  }

  /** Remembers how far the station's clock is from ours, to measure its sessions in its time. */
  private async stationTime(uid: string, timestamp: string): Promise<void> {
    const offset = Date.parse(timestamp) - this.clock.now().getTime();
    if (Number.isFinite(offset)) await this.devices.update(uid, { clock_offset_ms: offset });
  }

  async meterValues(uid: string, readings: MeterReading[]): Promise<void> {
    const latest = readings.at(-1);
    if (latest) await this.stationTime(uid, latest.timestamp);
    for (const { timestamp, ...rest } of readings) {
      const reading = { ...rest, timestamp: normalizeTimestamp(timestamp) };
      if (reading.energyWh === undefined && reading.powerW === undefined) continue;
      const session =
        reading.transactionId !== undefined
          ? await this.stations.findSession(uid, reading.transactionId)
          : await this.stations.openSession(uid, reading.connectorId);
      await this.telemetry.stationReading(uid, {
        // A transaction's readings are its connector's, whatever connectorId they came with.
        connectorId: session?.connector_id ?? reading.connectorId,
        at: reading.timestamp,
        ...(reading.energyWh !== undefined ? { energyWh: reading.energyWh } : {}),
        ...(reading.powerW !== undefined ? { powerW: reading.powerW } : {}),
        sessionId: session && session.stopped_at === null ? session.id : null,
      });
      if (!session || session.stopped_at !== null) continue;
      await this.stations.updateSession(session.id, {
        ...(reading.energyWh !== undefined && reading.energyWh >= session.meter_start_wh
          ? { last_meter_wh: reading.energyWh, last_meter_at: reading.timestamp }
          : {}),
        ...(reading.powerW !== undefined ? { power_w: reading.powerW } : {}),
      });
    }
  }

  /** OCPP 1.6 §4.8 StartTransaction: opens a session; its id is the transactionId. */
  async startTransaction(
    uid: string,
    start: {
      connectorId: number;
      idTag: string;
      meterStart: number;
      timestamp: string;
      blocked?: boolean;
    },
  ): Promise<number> {
    const timestamp = normalizeTimestamp(start.timestamp);
    const station = await this.stations.findByUid(uid);
    const connector = (await this.devices.connectors(uid)).find(
      (c) => c.connector_id === start.connectorId,
    );
    // A session can only be open once per connector. The same StartTransaction sent again (OCPP
    // 1.6 §4.8: retried when its answer was lost) gets the same transactionId; another one
    // closes the session left open.
    const previous = await this.stations.openSession(uid, start.connectorId);
    if (
      previous &&
      previous.started_at === timestamp &&
      previous.meter_start_wh === start.meterStart
    ) {
      return previous.id;
    }
    if (previous) {
      await this.stopTransaction(uid, {
        transactionId: previous.id,
        meterStop: previous.last_meter_wh,
        timestamp,
        reason: 'Other',
      });
    }
    // A transaction refused at its start (idTag Blocked) is recorded, already over: the
    // charger ends it by itself (OCPP 1.6 §4.8) and it never blocks a later start.
    const blocked = start.blocked === true;
    const sessionId = await this.stations.insertSession({
      uid,
      station_id: station?.id ?? null,
      connector_id: start.connectorId,
      id_tag: start.idTag,
      started_at: timestamp,
      meter_start_wh: start.meterStart,
      last_meter_wh: start.meterStart,
      last_meter_at: timestamp,
      power_w: null,
      charging_since: !blocked && connector?.status === 'Charging' ? timestamp : null,
      charging_seconds: 0,
      stopped_at: blocked ? timestamp : null,
      stop_reason: blocked ? 'DeAuthorized' : null,
    });
    await this.telemetry.stationReading(uid, {
      connectorId: start.connectorId,
      at: timestamp,
      energyWh: start.meterStart,
      sessionId: blocked ? null : sessionId,
    });
    if (!blocked) {
      await this.logChange(
        uid,
        'SessionStart',
        { evcsSocket: start.connectorId === CONNECTOR.m2 ? 'm2' : 'm3', evcsCableValue: null },
        timestamp,
        true,
      );
    }
    return sessionId;
  }

  /** OCPP 1.6 §4.10 StopTransaction: closes the session with its final register value. */
  async stopTransaction(
    uid: string,
    stop: { transactionId: number; meterStop: number; timestamp: string; reason?: string },
  ): Promise<boolean> {
    const session = await this.stations.findSession(uid, stop.transactionId);
    if (!session || session.stopped_at !== null) return false;
    const timestamp = normalizeTimestamp(stop.timestamp);
    await this.accountChargingTime(session.id, session, false, timestamp);
    const meterStop = Math.max(session.meter_start_wh, stop.meterStop);
    await this.telemetry.stationReading(uid, {
      connectorId: session.connector_id,
      at: timestamp,
      energyWh: meterStop,
      sessionId: session.id,
    });
    await this.stations.updateSession(session.id, {
      stopped_at: timestamp,
      last_meter_wh: meterStop,
      last_meter_at: timestamp,
      power_w: 0,
      stop_reason: stop.reason ?? 'Local',
    });
    const closed = await this.stations.findSession(uid, session.id);
    const cost = (await this.telemetry.sessionCosts([session.id])).get(session.id) ?? 0;
    await this.logChange(
      uid,
      'SessionEnd',
      {
        chargingDuration: Math.round(closed?.charging_seconds ?? 0),
        sessionDuration: Math.round(
          (Date.parse(timestamp) - Date.parse(session.started_at)) / 1000,
        ),
        cost: Math.round(cost * 1e6) / 1e6,
        energy: energyKwh(session.meter_start_wh, meterStop),
      },
      timestamp,
      true,
    );
    return true;
  }

  async stationInfo(uid: string, info: StationInfo): Promise<void> {
    const update: DeviceStateUpdate = defined({
      mac_address: info.macAddress?.toUpperCase().replaceAll(':', '-'),
      wifi_ssid: info.wifiSsid,
      phase_number: info.phaseNumber,
      erl_connected: flag(info.erlConnected),
      tic_connected: info.ticConnected,
      night_mode_connected: info.nightModeConnected,
      shedding_mode: info.sheddingMode,
      connectivity_type: info.connectivityType,
    });
    if (Object.keys(update).length > 0) await this.devices.update(uid, update);
  }

  async keySwitch(
    uid: string,
    keySwitch: 'locked' | 'unlocked',
    evcsLocked: boolean,
  ): Promise<void> {
    await this.devices.update(uid, { key_switch: keySwitch, evcs_locked: evcsLocked ? 1 : 0 });
    await this.logChange(uid, 'KeySwitch', { keySwitch }, this.now());
  }

  async cyberSecurity(uid: string, event: number, message?: string): Promise<void> {
    const now = this.now();
    await this.devices.update(uid, { last_cybersecurity_event: event, last_cybersecurity_at: now });
    await this.logChange(
      uid,
      'CyberSecurity',
      { event, timestamp: now, ...(message ? { message } : {}) },
      now,
      true,
    );
  }

  /** Settings the platform holds for the station: the owner's TIC consent. */
  async desiredConfiguration(uid: string): Promise<Record<string, string>> {
    const station = await this.stations.findByUid(uid);
    return station ? { [CONFIGURATION_KEY.authorizeTic]: String(station.authorize_tic === 1) } : {};
  }

  /** A TIC frame (DataTransfer Tic), kept only with the owner's consent. */
  tic(
    uid: string,
    labels: Record<string, string>,
    timestamp?: string,
  ): Promise<'Accepted' | 'Rejected'> {
    return this.telemetry.ticReading(
      uid,
      labels,
      timestamp ? normalizeTimestamp(timestamp) : this.now(),
    );
  }

  /** Witty settings as the station reports them (GetConfiguration) or accepts them (ChangeConfiguration). */
  async configuration(uid: string, values: Record<string, string>): Promise<void> {
    const update: DeviceStateUpdate = {};
    const chargeMode = values[CONFIGURATION_KEY.chargeMode];
    if (
      chargeMode === 'immediate' ||
      chargeMode === 'deferred' ||
      chargeMode === 'deferredExclusive'
    ) {
      await this.logChange(uid, 'ChargeMode', { chargeMode }, this.now());
      update.charge_mode = chargeMode;
      // The station knows the key: it applies its mode itself again.
      update.charge_mode_by_platform = 0;
    }
    const ledPower = Number(values[CONFIGURATION_KEY.ledPower]);
    if (Number.isInteger(ledPower) && ledPower >= 30 && ledPower <= 100)
      update.led_power = ledPower;
    const tariffs: Record<string, string> = {};
    for (const n of TARIFF_NUMBERS) {
      const value = values[CONFIGURATION_KEY.tariff(n)];
      if (value === 'hc' || value === 'hp') tariffs[`tariff${n}`] = value;
    }
    if (Object.keys(tariffs).length > 0) {
      const device = await this.devices.find(uid);
      const known = device?.tariff_classes
        ? (JSON.parse(device.tariff_classes) as Record<string, string>)
        : {};
      update.tariff_classes = JSON.stringify({ ...known, ...tariffs });
    }
    if (Object.keys(update).length > 0) await this.devices.update(uid, update);
  }

  /**
   * A charger that does not know WittyChargeMode (a generic OCPP charger): the platform keeps
   * the mode and applies it at authorization (see idTagStatus).
   */
  async platformChargeMode(uid: string, chargeMode: string): Promise<void> {
    await this.logChange(uid, 'ChargeMode', { chargeMode }, this.now());
    await this.devices.update(uid, { charge_mode: chargeMode, charge_mode_by_platform: 1 });
  }

  /**
   * OCPP 1.6 §7.15 AuthorizationStatus of an idTag: Accepted, except that a charger whose charge
   * mode the platform applies may only start in deferred modes when the platform asks it
   * (RemoteStartTransaction carries REMOTE_ID_TAG).
   */
  async idTagStatus(uid: string, idTag: string): Promise<'Accepted' | 'Blocked'> {
    if (idTag === REMOTE_ID_TAG) return 'Accepted';
    const device = await this.devices.find(uid);
    const deferred =
      device?.charge_mode === 'deferred' || device?.charge_mode === 'deferredExclusive';
    return device?.charge_mode_by_platform === 1 && deferred ? 'Blocked' : 'Accepted';
  }

  async firmwareStatus(uid: string, status: string): Promise<void> {
    await this.devices.update(uid, { firmware_status: status });
  }

  async diagnosticsStatus(uid: string, status: string): Promise<void> {
    await this.devices.update(uid, { diagnostics_status: status });
  }
}
