import type { Clock } from '../clock.js';
import type { UnitOfWork } from '../db/unit-of-work.js';
import type { DeviceStateUpdate, DeviceStore, LiveDevice } from '../devices/index.js';
import { energyCost } from '../domain/prices.js';
import { energyKwh } from '../domain/sessions.js';
import {
  CYBERSECURITY_EVENT_NAMES,
  ERROR_CODE_NAMES,
  SOCKET_STATES,
  type EventType,
} from '../domain/events.js';
import { isDeferred } from '../domain/charge-mode.js';
import { localStartStatus } from '../domain/charge-plan.js';
import { availabilityOf, isPlugged, type ConnectorStatus } from '../domain/station-state.js';
import type { TariffId } from '../domain/tariffs.js';
import { ianaZone } from '../domain/time-buckets.js';
import {
  CONFIGURATION_KEY,
  CONNECTOR,
  ERROR_CODES,
  REMOTE_ID_TAG,
  STANDARD_CONFIGURATION_KEY,
  TARIFF_NUMBERS,
  guideErrorCode,
} from '../protocol/index.js';
import { ERROR_NAMES, type MeasureRecorder, type SampleRow } from '../telemetry/index.js';
import { currentFault } from './read-model.js';
import type { SessionRow, StationRow, StationStore } from './store.js';

const TEN_MINUTES = 600_000;
/** A car plugged into a driven charger is planned for this long after (charge-driver.ts). */
const PLUG_GRACE_MS = 30_000;

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

/** The tariff a station's consumption counts in, and its price, at an instant. */
export type PriceAt = (at: Date) => { tariff: TariffId; price: number };

/** What device state asks of the grid meter (grid/ingest.ts), in the same unit of work. */
export interface GridIngestPort {
  /** Pricing of the station's consumption (the grid meter's tariff and the installation's prices). */
  pricing(station: StationRow): Promise<PriceAt>;
  /** A TIC frame of the station's Linky, kept only with the owner's consent. */
  tic(
    station: StationRow | undefined,
    labels: Record<string, string>,
    at: string,
  ): Promise<'Accepted' | 'Rejected'>;
}

/**
 * Where device state raises the guide's events (docs/events.md), in the same unit of work as
 * the change: no event without its change, no change without its event.
 */
export interface StationEventSink {
  raise(
    station: StationRow,
    type: EventType,
    data: Record<string, unknown>,
    at: string,
  ): Promise<void>;
}

/** The stores device state writes to, bound to one unit of work. */
export interface DeviceStateStores {
  devices: DeviceStore;
  stations: StationStore;
  measures: MeasureRecorder;
  gridIngest: GridIngestPort;
  events: StationEventSink;
}

/**
 * One station's view of a unit of work: its device row and association, read once at the start
 * of an OCPP message (or of a change made for it), and the stores of the transaction. Device
 * changes are gathered and written in one statement when the work ends.
 */
export class StationContext {
  private readonly pending: DeviceStateUpdate = {};
  private priceAt: PriceAt | undefined;

  constructor(
    readonly uid: string,
    readonly stores: DeviceStateStores,
    /** The device's live columns as stored, with the changes of this unit of work applied. */
    readonly device: LiveDevice,
    /** The station's association with an installation, if it has one. */
    readonly station: StationRow | undefined,
  ) {}

  /** Changes device columns (written by flush, once). */
  setDevice(values: DeviceStateUpdate): void {
    Object.assign(this.pending, values);
    Object.assign(this.device, values);
  }

  /** The pricing of the station's consumption, read once per unit of work. */
  async pricing(station: StationRow): Promise<PriceAt> {
    this.priceAt ??= await this.stores.gridIngest.pricing(station);
    return this.priceAt;
  }

  /** Writes the gathered device changes. */
  async flush(): Promise<void> {
    if (Object.keys(this.pending).length === 0) return;
    await this.stores.devices.update(this.uid, this.pending);
    for (const key of Object.keys(this.pending))
      delete this.pending[key as keyof DeviceStateUpdate];
  }
}

/** A station's timestamp in the platform's storage form (UTC, milliseconds, `Z`). */
export function normalizeTimestamp(timestamp: string): string {
  const date = new Date(timestamp);
  return Number.isNaN(date.getTime()) ? timestamp : date.toISOString();
}

/** A device that was removed from the registry while it was connected. */
export class UnknownDeviceError extends Error {
  constructor(readonly uid: string) {
    super(`device ${uid} is not in the registry`);
    this.name = 'UnknownDeviceError';
  }
}

const flag = (value: boolean | undefined) => (value === undefined ? undefined : value ? 1 : 0);
const defined = <T extends object>(value: T) =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;

/**
 * What the devices tell the platform, kept as their live state: connection, boot facts,
 * connector statuses, sessions with their energy and charging time, Witty settings. Every
 * change runs in a StationContext, so that one message is one transaction.
 */
export class DeviceStateService {
  constructor(
    private readonly uow: UnitOfWork<DeviceStateStores>,
    private readonly clock: Clock,
  ) {}

  private now(): string {
    return this.clock.now().toISOString();
  }

  /**
   * Runs `work` for one station in one transaction: the device and its association are read
   * once, device changes written once at the end, and everything commits or fails together.
   */
  withStation<T>(uid: string, work: (context: StationContext) => Promise<T>): Promise<T> {
    return this.uow.run((stores) => this.inUnit(stores, uid, work));
  }

  /**
   * Runs `work` in the station's context within a unit of work already open (its `stores`), as
   * withStation does in a unit of its own; the device's changes are written at the end.
   */
  async inUnit<T>(
    stores: DeviceStateStores,
    uid: string,
    work: (context: StationContext) => Promise<T>,
  ): Promise<T> {
    const found = await stores.stations.findWithDevice(uid);
    if (!found) throw new UnknownDeviceError(uid);
    const context = new StationContext(uid, stores, found.device, found.station);
    const result = await work(context);
    await context.flush();
    return result;
  }

  /** Records a log of the station's association, when it has one, if its value changed. */
  private async logChange(
    context: StationContext,
    logName: string,
    value: Record<string, unknown>,
    at: string,
    always = false,
  ): Promise<boolean> {
    const { station, stores } = context;
    if (!station) return false;
    if (!always) {
      const last = await stores.measures.lastLogValue(station.id, logName);
      if (JSON.stringify(last) === JSON.stringify(value)) return false;
    }
    await stores.measures.log(station.id, logName, value, at);
    return true;
  }

  /** Raises an event of the station's association, when it has one. */
  private async raise(
    context: StationContext,
    type: EventType,
    data: Record<string, unknown>,
    at: string,
  ): Promise<void> {
    const { station, stores } = context;
    if (!station) return;
    await stores.events.raise(
      station,
      type,
      { installationId: station.installation_id, chargingStationId: station.id, ...data },
      at,
    );
  }

  /**
   * The station's error as the guide numbers it, announced once per change (Offline 400 while
   * its connection is down, else its latest fault or NoError).
   */
  private async announceError(context: StationContext, code: number, at: string): Promise<void> {
    const previous = context.device.error_event_code ?? ERROR_CODES.NoError;
    if (previous === code) return;
    context.setDevice({ error_event_code: code });
    await this.raise(
      context,
      'XEVFR.state_EVCS_error',
      {
        code,
        name: ERROR_CODE_NAMES[code] ?? String(code),
        previousCode: previous,
        previousName: ERROR_CODE_NAMES[previous] ?? String(previous),
      },
      at,
    );
  }

  /** A connection opened: the station is connected, and no longer Offline. */
  async connected(uid: string): Promise<void> {
    await this.withStation(uid, async (context) => {
      const now = this.now();
      context.setDevice({ connected: 1, last_seen_at: now });
      if (context.device.error_event_code === ERROR_CODES.Offline) {
        const connectors = await context.stores.devices.connectors(uid);
        await this.announceError(context, currentFault(connectors), now);
      }
    });
  }

  /**
   * The station's connection closed: it is Offline (400), announced unless the platform itself
   * is closing the connection as it stops (the station is not at fault and comes back).
   */
  async disconnected(
    uid: string,
    options: { announce: boolean } = { announce: true },
  ): Promise<void> {
    await this.withStation(uid, async (context) => {
      context.setDevice({ connected: 0 });
      if (options.announce) await this.announceError(context, ERROR_CODES.Offline, this.now());
    });
  }

  /**
   * Any message proves the station alive, and one on its current connection proves it
   * connected, whatever order the connection's own flag write took behind other work.
   */
  seen(context: StationContext, onCurrentConnection: boolean): void {
    context.setDevice(
      onCurrentConnection
        ? { last_seen_at: this.now(), connected: 1 }
        : { last_seen_at: this.now() },
    );
  }

  booted(
    context: StationContext,
    boot: { vendor: string; model: string; firmwareVersion?: string },
    heartbeatInterval: number,
  ): void {
    const now = this.now();
    context.setDevice({
      booted_at: now,
      last_seen_at: now,
      last_heartbeat_at: now,
      heartbeat_interval: heartbeatInterval,
      vendor: boot.vendor,
      model: boot.model,
      firmware_version: boot.firmwareVersion ?? null,
    });
  }

  /**
   * A Heartbeat (OCPP 1.6 §4.6) changes the device's liveness columns and nothing else: no
   * log, no event, no read of the station. It is one statement, its own transaction, where a
   * unit of work would cost a read and, on PostgreSQL, four round trips. Half of what stations
   * send is heartbeats.
   */
  async heartbeat(uid: string, onCurrentConnection: boolean): Promise<void> {
    const now = this.now();
    const changed = await this.uow.read.devices.update(uid, {
      last_seen_at: now,
      last_heartbeat_at: now,
      ...(onCurrentConnection ? { connected: 1 } : {}),
    });
    if (changed === 0) throw new UnknownDeviceError(uid);
  }

  async status(context: StationContext, report: StatusReport): Promise<void> {
    const { uid, stores } = context;
    const at = report.timestamp ? normalizeTimestamp(report.timestamp) : this.now();
    const code = guideErrorCode(report.errorCode, report.vendorId, report.vendorErrorCode);
    await stores.devices.upsertConnector({
      uid,
      connector_id: report.connectorId,
      status: report.status,
      error_code: report.errorCode,
      // The guide's code of the fault, kept while the connector reports it.
      vendor_error_code: code === 0 ? null : String(code),
      updated_at: at,
    });
    if (report.connectorId > 0) {
      const session = await stores.stations.openSession(uid, report.connectorId);
      if (session)
        await this.accountChargingTime(context, session, report.status === 'Charging', at);
      this.plugSeen(context, report.status, session !== undefined);
    }
    await this.logStatusChanges(context, at);
  }

  /**
   * On a charger the platform drives in a deferred mode (charge-driver.ts): a car plugged
   * without a transaction is planned for shortly (after the charger's own start, if it makes
   * one); an unplugged car ends the owner's manual start or stop.
   */
  private plugSeen(context: StationContext, status: ConnectorStatus, inSession: boolean): void {
    const { device } = context;
    if (device.charge_mode_by_platform !== 1) return;
    if (status === 'Available' && device.charge_override !== null)
      context.setDevice({ charge_override: null });
    if (isDeferred(device.charge_mode) && isPlugged(status) && !inSession) {
      // Sooner than planned only: a charger repeating its status does not put the plan off.
      const at = new Date(this.clock.now().getTime() + PLUG_GRACE_MS).toISOString();
      const planned = device.charge_next_switch_at;
      if (planned === null || at < planned) context.setDevice({ charge_next_switch_at: at });
    }
  }

  /**
   * SocketState when the availability changes; Errors when a fault appears or clears; each with
   * its event.
   */
  private async logStatusChanges(context: StationContext, at: string): Promise<void> {
    const { station, stores, uid } = context;
    if (!station) return;
    const connectors = await stores.devices.connectors(uid);
    const statuses = new Map(connectors.map((c) => [c.connector_id, c.status as ConnectorStatus]));
    const availability = availabilityOf(statuses);
    if (await this.logChange(context, 'SocketState', { socketState: availability }, at)) {
      const state = SOCKET_STATES[availability];
      await this.raise(
        context,
        'XEVFR.state_EVCS_socketState',
        { socketState: state.code, socketStateName: state.name },
        at,
      );
    }
    // The same fault the API shows as error.code.
    const fault = currentFault(connectors);
    if (context.device.error_event_code !== ERROR_CODES.Offline || context.device.connected === 1)
      await this.announceError(context, fault, at);
    const name = ERROR_NAMES[fault] ?? 'noError';
    const last = (await stores.measures.lastLogValue(station.id, 'Errors')) as
      { code: string; state: boolean } | undefined;
    if (name !== 'noError' && (last?.code !== name || !last.state)) {
      await this.logChange(context, 'Errors', { code: name, state: true }, at, true);
    } else if (name === 'noError' && last?.state) {
      await this.logChange(context, 'Errors', { code: last.code, state: false }, at, true);
    }
  }

  /** Starts or stops the charging clock of a session when the connector starts or stops charging. */
  private async accountChargingTime(
    context: StationContext,
    session: SessionRow,
    charging: boolean,
    at: string,
  ): Promise<void> {
    if (charging && session.charging_since === null) {
      session.charging_since = at;
      await context.stores.stations.updateSession(session.id, { charging_since: at });
    } else if (!charging && session.charging_since !== null) {
      const seconds = Math.max(0, (Date.parse(at) - Date.parse(session.charging_since)) / 1000);
      session.charging_since = null;
      session.charging_seconds += seconds;
      await context.stores.stations.updateSession(session.id, {
        charging_since: null,
        charging_seconds: session.charging_seconds,
      });
    }
  }

  async meterValues(context: StationContext, readings: MeterReading[]): Promise<void> {
    const { uid, stores } = context;
    const latest = readings.at(-1);
    // How far the station's clock is from ours, to measure its sessions in its time.
    if (latest) {
      const offset = Date.parse(latest.timestamp) - this.clock.now().getTime();
      if (Number.isFinite(offset)) context.setDevice({ clock_offset_ms: offset });
    }
    for (const { timestamp, ...rest } of readings) {
      const reading = { ...rest, timestamp: normalizeTimestamp(timestamp) };
      if (reading.energyWh === undefined && reading.powerW === undefined) continue;
      const session =
        reading.transactionId !== undefined
          ? await stores.stations.findSession(uid, reading.transactionId)
          : await stores.stations.openSession(uid, reading.connectorId);
      const open = session && session.stopped_at === null ? session : undefined;
      await this.recordReading(context, {
        // A transaction's readings are its connector's, whatever connectorId they came with.
        connectorId: session?.connector_id ?? reading.connectorId,
        at: reading.timestamp,
        ...(reading.energyWh !== undefined ? { energyWh: reading.energyWh } : {}),
        ...(reading.powerW !== undefined ? { powerW: reading.powerW } : {}),
        sessionId: open?.id ?? null,
      });
      if (!open) continue;
      await stores.stations.updateSession(open.id, {
        ...(reading.energyWh !== undefined && reading.energyWh >= open.meter_start_wh
          ? { last_meter_wh: reading.energyWh, last_meter_at: reading.timestamp }
          : {}),
        ...(reading.powerW !== undefined ? { power_w: reading.powerW } : {}),
      });
    }
  }

  /**
   * A register reading (MeterValues, StartTransaction, StopTransaction): the energy since the
   * previous reading of the connector becomes an EnergyConsumption and a ConsumptionCost sample
   * dated at the start of that interval; power becomes a ChargingPower sample.
   */
  private async recordReading(
    context: StationContext,
    reading: {
      connectorId: number;
      at: string;
      energyWh?: number;
      powerW?: number;
      sessionId: number | null;
    },
  ): Promise<void> {
    const { station, device } = context;
    const samples: SampleRow[] = [];
    if (reading.energyWh !== undefined) {
      // OCPP 1.6 §4.7: each connector has its own register; readings are deltas against it.
      const registers = device.registers
        ? (JSON.parse(device.registers) as Record<string, { wh: number; at: string }>)
        : {};
      const last = registers[reading.connectorId];
      // A reading not newer than the last one (a retry, a late or repeated sample) adds nothing.
      if (last && reading.at <= last.at) return;
      // A register that goes back (meter replaced, reset) starts a new baseline. The baseline
      // and the samples it yields commit together.
      registers[reading.connectorId] = { wh: reading.energyWh, at: reading.at };
      context.setDevice({ registers: JSON.stringify(registers) });
      if (station && last && reading.energyWh > last.wh) {
        const energy = (reading.energyWh - last.wh) / 1000;
        const at =
          last.at < reading.at
            ? last.at
            : new Date(Date.parse(reading.at) - TEN_MINUTES).toISOString();
        const { tariff, price } = (await context.pricing(station))(new Date(at));
        const sample = { device_id: station.id, at, tariff, session_id: reading.sessionId };
        samples.push(
          { ...sample, measure: 'EnergyConsumption', value: energy },
          { ...sample, measure: 'ConsumptionCost', value: energyCost(energy, price) },
        );
      }
    }
    if (station && reading.powerW !== undefined) {
      const { tariff } = (await context.pricing(station))(new Date(reading.at));
      samples.push({
        device_id: station.id,
        measure: 'ChargingPower',
        at: reading.at,
        tariff,
        value: reading.powerW / 1000,
        session_id: reading.sessionId,
      });
    }
    if (station && samples.length > 0)
      await context.stores.measures.samples(samples, ianaZone(station.timezone));
  }

  /**
   * OCPP 1.6 §4.8 StartTransaction: opens a session; its id is the transactionId. A transaction
   * refused at its start (`blocked`) is recorded apart, already over: the charger ends it by
   * itself (§4.8, StopTransactionOnInvalidId), it never blocks a later start and it is never one
   * of the owner's sessions.
   */
  async startTransaction(
    context: StationContext,
    start: {
      connectorId: number;
      idTag: string;
      meterStart: number;
      timestamp: string;
      blocked?: boolean;
    },
  ): Promise<number> {
    const { uid, stores, station } = context;
    const timestamp = normalizeTimestamp(start.timestamp);
    const blocked = start.blocked === true;
    if (!blocked) {
      // A session can only be open once per connector. The same StartTransaction sent again
      // (OCPP 1.6 §4.8: retried when its answer was lost) gets the same transactionId; another
      // one closes the session left open.
      const previous = await stores.stations.openSession(uid, start.connectorId);
      if (
        previous &&
        previous.started_at === timestamp &&
        previous.meter_start_wh === start.meterStart
      ) {
        return previous.id;
      }
      if (previous) {
        await this.stopTransaction(context, {
          transactionId: previous.id,
          meterStop: previous.last_meter_wh,
          timestamp,
          reason: 'Other',
        });
      }
    }
    const connector = blocked
      ? undefined
      : (await stores.devices.connectors(uid)).find((c) => c.connector_id === start.connectorId);
    const sessionId = await stores.stations.insertSession({
      uid,
      station_id: station?.id ?? null,
      connector_id: start.connectorId,
      id_tag: start.idTag,
      started_at: timestamp,
      meter_start_wh: start.meterStart,
      last_meter_wh: start.meterStart,
      last_meter_at: timestamp,
      power_w: null,
      charging_since: connector?.status === 'Charging' ? timestamp : null,
      charging_seconds: 0,
      stopped_at: blocked ? timestamp : null,
      stop_reason: blocked ? 'DeAuthorized' : null,
      refused: blocked ? 1 : 0,
    });
    await this.recordReading(context, {
      connectorId: start.connectorId,
      at: timestamp,
      energyWh: start.meterStart,
      sessionId: blocked ? null : sessionId,
    });
    if (!blocked) {
      const socket = start.connectorId === CONNECTOR.m2 ? 'm2' : 'm3';
      await this.logChange(
        context,
        'SessionStart',
        { evcsSocket: socket, evcsCableValue: null },
        timestamp,
        true,
      );
      await this.raise(
        context,
        'XEVFR.state_EVCS_session',
        {
          state: 'started',
          sessionId: sessionId,
          socket,
          connectorId: start.connectorId,
          startDate: timestamp,
          meterStartWh: start.meterStart,
        },
        timestamp,
      );
    }
    return sessionId;
  }

  /** OCPP 1.6 §4.10 StopTransaction: closes the session with its final register value. */
  async stopTransaction(
    context: StationContext,
    stop: { transactionId: number; meterStop: number; timestamp: string; reason?: string },
  ): Promise<boolean> {
    const { uid, stores } = context;
    const session = await stores.stations.findSession(uid, stop.transactionId);
    if (!session || session.stopped_at !== null) return false;
    const timestamp = normalizeTimestamp(stop.timestamp);
    await this.accountChargingTime(context, session, false, timestamp);
    const meterStop = Math.max(session.meter_start_wh, stop.meterStop);
    await this.recordReading(context, {
      connectorId: session.connector_id,
      at: timestamp,
      energyWh: meterStop,
      sessionId: session.id,
    });
    await stores.stations.updateSession(session.id, {
      stopped_at: timestamp,
      last_meter_wh: meterStop,
      last_meter_at: timestamp,
      power_w: 0,
      stop_reason: stop.reason ?? 'Local',
    });
    const costs = await stores.measures.sessionTotals('ConsumptionCost', [session.id]);
    const totals = {
      chargingDuration: Math.round(session.charging_seconds),
      sessionDuration: Math.round((Date.parse(timestamp) - Date.parse(session.started_at)) / 1000),
      cost: Math.round((costs.get(session.id) ?? 0) * 1e6) / 1e6,
      energy: energyKwh(session.meter_start_wh, meterStop),
    };
    await this.logChange(context, 'SessionEnd', totals, timestamp, true);
    if (session.refused === 0) {
      await this.raise(
        context,
        'XEVFR.state_EVCS_session',
        {
          state: 'ended',
          sessionId: session.id,
          socket: session.connector_id === CONNECTOR.m2 ? 'm2' : 'm3',
          connectorId: session.connector_id,
          startDate: session.started_at,
          endDate: timestamp,
          stopReason: stop.reason ?? 'Local',
          ...totals,
        },
        timestamp,
      );
    }
    return true;
  }

  stationInfo(context: StationContext, info: StationInfo): void {
    context.setDevice(
      defined({
        mac_address: info.macAddress?.toUpperCase().replaceAll(':', '-'),
        wifi_ssid: info.wifiSsid,
        phase_number: info.phaseNumber,
        erl_connected: flag(info.erlConnected),
        tic_connected: info.ticConnected,
        night_mode_connected: info.nightModeConnected,
        shedding_mode: info.sheddingMode,
        connectivity_type: info.connectivityType,
      }),
    );
  }

  async keySwitch(
    context: StationContext,
    keySwitch: 'locked' | 'unlocked',
    evcsLocked: boolean,
  ): Promise<void> {
    context.setDevice({ key_switch: keySwitch, evcs_locked: evcsLocked ? 1 : 0 });
    await this.logChange(context, 'KeySwitch', { keySwitch }, this.now());
  }

  async cyberSecurity(context: StationContext, event: number, message?: string): Promise<void> {
    const now = this.now();
    context.setDevice({ last_cybersecurity_event: event, last_cybersecurity_at: now });
    await this.logChange(
      context,
      'CyberSecurity',
      { event, timestamp: now, ...(message ? { message } : {}) },
      now,
      true,
    );
    await this.raise(
      context,
      'XEVFR.state_EVCS_cybersecurity',
      {
        event,
        name: CYBERSECURITY_EVENT_NAMES[event] ?? String(event),
        ...(message ? { message } : {}),
      },
      now,
    );
  }

  /** Settings the platform holds for the station: the owner's TIC consent. */
  desiredConfiguration(context: StationContext): Record<string, string> {
    const { station } = context;
    return station ? { [CONFIGURATION_KEY.authorizeTic]: String(station.authorize_tic === 1) } : {};
  }

  /** A TIC frame (DataTransfer Tic), kept only with the owner's consent. */
  tic(
    context: StationContext,
    labels: Record<string, string>,
    timestamp?: string,
  ): Promise<'Accepted' | 'Rejected'> {
    const at = timestamp ? normalizeTimestamp(timestamp) : this.now();
    return context.stores.gridIngest.tic(context.station, labels, at);
  }

  /** Witty settings as the station reports them (GetConfiguration) or accepts them (ChangeConfiguration). */
  async configuration(context: StationContext, values: Record<string, string>): Promise<void> {
    const chargeMode = values[CONFIGURATION_KEY.chargeMode];
    if (
      chargeMode === 'immediate' ||
      chargeMode === 'deferred' ||
      chargeMode === 'deferredExclusive'
    ) {
      await this.chargeModeChanged(context, chargeMode);
      // The station knows the key: it applies its mode itself again.
      context.setDevice({ charge_mode: chargeMode, charge_mode_by_platform: 0 });
    }
    const profiles = values[STANDARD_CONFIGURATION_KEY.supportedFeatureProfiles];
    if (profiles !== undefined) {
      const smart = profiles.split(',').some((name) => name.trim() === 'SmartCharging');
      context.setDevice({ smart_charging: smart ? 1 : 0 });
    }
    const ledPower = Number(values[CONFIGURATION_KEY.ledPower]);
    if (Number.isInteger(ledPower) && ledPower >= 30 && ledPower <= 100)
      context.setDevice({ led_power: ledPower });
    const tariffs: Record<string, string> = {};
    for (const n of TARIFF_NUMBERS) {
      const value = values[CONFIGURATION_KEY.tariff(n)];
      if (value === 'hc' || value === 'hp') tariffs[`tariff${n}`] = value;
    }
    if (Object.keys(tariffs).length > 0) {
      const known = context.device.tariff_classes
        ? (JSON.parse(context.device.tariff_classes) as Record<string, string>)
        : {};
      context.setDevice({ tariff_classes: JSON.stringify({ ...known, ...tariffs }) });
    }
  }

  /**
   * A charge mode logged and announced when it differs from the last one logged (the log also
   * holds the platform's charge decisions, which carry the mode they were taken in).
   */
  private async chargeModeChanged(context: StationContext, chargeMode: string): Promise<void> {
    const { station, stores } = context;
    const now = this.now();
    if (!station) return;
    const last = (await stores.measures.lastLogValue(station.id, 'ChargeMode')) as
      { chargeMode?: string } | undefined;
    if (last?.chargeMode === chargeMode) return;
    await stores.measures.log(station.id, 'ChargeMode', { chargeMode }, now);
    await this.raise(context, 'XEVFR.state_EVCS_chargeMode', { chargeMode }, now);
  }

  /**
   * A decision the platform took for a charger it drives (charge-driver.ts), in the ChargeMode
   * log with the mode it was taken in: the tariff class, why, and what was sent.
   */
  async chargeDecision(
    context: StationContext,
    decision: { chargeMode: string; tariff: string; trigger: string; steps: string[] },
  ): Promise<void> {
    await this.logChange(context, 'ChargeMode', { ...decision }, this.now(), true);
  }

  /**
   * A charger that does not know WittyChargeMode (a generic OCPP charger): the platform keeps
   * the mode and applies it at authorization (see idTagStatus).
   */
  async platformChargeMode(context: StationContext, chargeMode: string): Promise<void> {
    await this.chargeModeChanged(context, chargeMode);
    context.setDevice({ charge_mode: chargeMode, charge_mode_by_platform: 1 });
  }

  /**
   * OCPP 1.6 §7.15 AuthorizationStatus of an idTag: Accepted, except on a charger whose charge
   * mode the platform applies, in a deferred mode, while the tariff is high and no tariff profile
   * holds the charge at 0 (charge-driver.ts): such a start waits for the platform's, at the low
   * tariff (RemoteStartTransaction carries REMOTE_ID_TAG).
   */
  idTagStatus(context: StationContext, idTag: string): 'Accepted' | 'Blocked' {
    const { device } = context;
    if (idTag === REMOTE_ID_TAG || device.charge_mode_by_platform !== 1) return 'Accepted';
    return localStartStatus({
      mode: device.charge_mode,
      tariff: device.charge_tariff,
      profileHolds:
        device.smart_charging === 1 &&
        device.charge_profile_until !== null &&
        device.charge_profile_until > this.now(),
    });
  }

  firmwareStatus(context: StationContext, status: string): void {
    context.setDevice({ firmware_status: status });
  }

  diagnosticsStatus(context: StationContext, status: string): void {
    context.setDevice({ diagnostics_status: status });
  }
}
