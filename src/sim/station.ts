import ocppRpc from 'ocpp-rpc';
import { decideCharge, type ChargeMode } from '../domain/charge-mode.js';
import { tariffTypeOf, type StandardTariffClasses } from '../domain/tariffs.js';
import {
  CONFIGURATION_KEY,
  DATA_TRANSFER,
  REMOTE_ID_TAG,
  WITTY_VENDOR_ID,
} from '../protocol/index.js';
import type { VirtualCar } from './car.js';
import type { SimClock } from './clock.js';
import { houseLoad, localHour } from './household.js';
import { currentTariff, type LinkyOptions, type VirtualLinky } from './linky.js';
import {
  clearProfiles,
  compositeSchedule,
  endTransaction,
  installProfile,
  limitAt,
  limitSegments,
  VOLTS,
  type ChargingLimit,
  type ChargingProfile,
  type ChargingRateUnit,
  type ClearChargingProfileCriteria,
  type ConnectorContext,
  type InstalledProfile,
  type SmartChargingCapabilities,
} from './smart-charging.js';

const { RPCClient } = ocppRpc;

const VENDOR = WITTY_VENDOR_ID;
const KEY = CONFIGURATION_KEY;
const LOCAL_ID_TAG = 'WITTY-LOCAL';
/** idTag of a generic charger's plug-and-charge sessions. */
const GENERIC_LOCAL_ID_TAG = 'GENERIC-LOCAL';
/** Below 6 A the IEC 61851 pilot cannot offer charge: the station pauses (load shedding). */
const MIN_CHARGE_KW = (6 * VOLTS) / 1000;
/** After this many sheddings in one session the station reports LoadSheddingFailure (5). */
const SHEDDINGS_BEFORE_FAILURE = 3;

/** Standard OCPP 1.6 configuration keys of the generic charger (§9.1 Core, §9.4 SmartCharging). */
const STANDARD_KEY = {
  heartbeatInterval: 'HeartbeatInterval',
  supportedFeatureProfiles: 'SupportedFeatureProfiles',
} as const;

/** What the generic charger's SmartCharging keys announce. */
const SMART_CHARGING: SmartChargingCapabilities = {
  connectors: 2,
  maxStackLevel: 8,
  maxPeriods: 48,
  maxInstalled: 10,
  units: ['A'],
};

/** A guide error code as the nearest OCPP §7.6 ChargePointErrorCode (no Witty vendorErrorCode). */
const GENERIC_ERROR_CODE: Partial<Record<number, string>> = {
  1: 'ConnectorLockFailure',
  3: 'OverCurrentFailure',
  4: 'HighTemperature',
  9: 'GroundFailure',
  130: 'PowerSwitchFailure',
};

/** A Witty station (docs/ocpp-profile.md §1–§7) or a generic OCPP 1.6J charger (§8). */
export type StationKind = 'witty' | 'generic';

export interface VirtualStationOptions {
  url: string;
  uid: string;
  password: string;
  clock: SimClock;
  linky: VirtualLinky;
  linkyOptions: LinkyOptions;
  car?: VirtualCar;
  /** 'witty' (default), or 'generic': a charger that knows none of the Witty extensions. */
  kind?: StationKind;
  /** Generic charger only: the OCPP 1.6 SmartCharging feature profile (default true). */
  smartCharging?: boolean;
  /** Witty station only: its charge mode at start (default immediate). */
  chargeMode?: ChargeMode;
  /** House consumption besides the car, VA; the household's daily profile when absent. */
  houseLoadVa?: number;
  /** M3 energy register to start from, Wh (e.g. where a backfilled history ended). */
  registerWh?: number;
  log?: (message: string) => void;
}

type Socket = 'm3' | 'm2';
const CONNECTOR: Record<Socket, number> = { m3: 1, m2: 2 };
/** Most each socket offers, kW: the M3 (Type 2) at 32 A, the M2 (domestic) at 10 A. */
const MAX_KW: Record<Socket, number> = { m3: 7.4, m2: 2.3 };

type StopTransactionRequest = {
  transactionId: number;
  meterStop: number;
  timestamp: string;
  reason: string;
};

/**
 * A charging station on OCPP 1.6J. As a Witty station (docs/ocpp-profile.md §1–§7): boot,
 * heartbeats, status per connector, MeterValues and TIC every 10 simulated minutes, transactions
 * decided by the charge mode (src/domain/charge-mode.ts), remote start/stop, configuration keys,
 * key switch, errors, cybersecurity events, load shedding, and reconnection with backoff. As a
 * generic charger (§8): standard messages and keys only, plug and charge, remote start/stop, and
 * optionally SmartCharging, whose charging profiles it keeps and follows, online or not.
 */
export class VirtualStation {
  readonly uid: string;
  readonly kind: StationKind;
  readonly smartCharging: boolean;
  private readonly client: InstanceType<typeof RPCClient>;
  private readonly configuration = new Map<string, string>();
  private readonly readonlyKeys = new Set<string>();
  /** The StartTransaction under way, if any. */
  private starting: Promise<void> | undefined;
  private car: VirtualCar | undefined;
  private socket: Socket | undefined;
  private transactionId: number | undefined;
  private transactionStartedAt = new Date(0);
  private manualStart = false;
  /** Stopped from the API: the car waits, Finishing, until it is unplugged (profile §6). */
  private stoppedByUser = false;
  private remoteStartPending = false;
  /** The TxProfile of a RemoteStartTransaction, installed once its transaction starts. */
  private remoteStartProfile: ChargingProfile | undefined;
  /** Generic charger: whether this plug-in already tried its plug-and-charge start. */
  private localStartTried = false;
  /** Charging profiles, kept in the charger's memory across reconnections. */
  private profiles: readonly InstalledProfile[] = [];
  /** StopTransactions of sessions that ended offline, sent after the next boot (OCPP §4.10). */
  private readonly offlineStops: StopTransactionRequest[] = [];
  /** Each socket's energy register, Wh (OCPP: one meter per connector). */
  private readonly registers: Record<Socket, number> = {
    m3: Math.floor(Math.random() * 500_000),
    m2: Math.floor(Math.random() * 100_000),
  };
  private lastTick: Date;
  /** Register readings at the 10-minute boundaries passed since the last report, by slot. */
  private readonly alignedReadings = new Map<number, { at: Date; wh: number }>();
  private lastReport = 0;
  private lastHeartbeat = 0;
  private heartbeatSeconds = 600;
  private errorCode = 0;
  private sheddings = 0;
  /** What the station would offer the car without charging profiles, kW. */
  private offerKw = 0;
  /** What it offers, within the charging profiles' limit, kW. */
  private chargingKw = 0;
  private keyLocked = false;
  /** Set through the control API; the daily profile applies while undefined. */
  private houseLoadOverride: number | undefined;
  /** Booted on an open link; false while the link is down. */
  private booted = false;
  private busy = false;

  constructor(private readonly options: VirtualStationOptions) {
    this.uid = options.uid;
    this.kind = options.kind ?? 'witty';
    if (this.kind === 'witty' && options.smartCharging)
      throw new RangeError('smartCharging is a generic charger option');
    this.smartCharging = this.kind === 'generic' && (options.smartCharging ?? true);
    this.car = options.car;
    this.houseLoadOverride = options.houseLoadVa;
    if (options.registerWh !== undefined) this.registers.m3 = options.registerWh;
    this.lastTick = options.clock.now();
    if (this.kind === 'witty') {
      this.configuration.set(KEY.chargeMode, options.chargeMode ?? 'immediate');
      this.configuration.set(KEY.ledPower, '100');
      this.configuration.set(KEY.authorizeTic, 'false');
      for (let n = 1; n <= 10; n++) this.configuration.set(KEY.tariff(n), n === 1 ? 'hc' : 'hp');
    } else {
      this.configureGeneric();
    }
    this.client = new RPCClient({
      endpoint: `${options.url.replace(/\/$/, '')}/ocpp`,
      identity: options.uid,
      password: options.password,
      protocols: ['ocpp1.6'],
      strictMode: true,
      reconnect: true,
      maxReconnects: Infinity,
      backoff: { initialDelay: 1000, maxDelay: 30_000, factor: 2, randomisationFactor: 0.25 },
    } as ConstructorParameters<typeof RPCClient>[0]);
    this.registerHandlers();
    if (this.smartCharging) this.registerSmartChargingHandlers();
    this.client.on('open', () => {
      this.booted = false;
      this.boot().catch((error: unknown) => this.log(`boot failed: ${String(error)}`));
    });
    this.client.on('disconnect', () => {
      this.booted = false;
    });
  }

  /** OCPP 1.6 §9.1 and §9.4 keys, read-only but for HeartbeatInterval. */
  private configureGeneric(): void {
    const keys: Record<string, string> = {
      [STANDARD_KEY.supportedFeatureProfiles]: this.smartCharging ? 'Core,SmartCharging' : 'Core',
      [STANDARD_KEY.heartbeatInterval]: String(this.heartbeatSeconds),
      NumberOfConnectors: String(SMART_CHARGING.connectors),
      MeterValueSampleInterval: '600',
      AuthorizeRemoteTxRequests: 'false',
      ...(this.smartCharging
        ? {
            ChargeProfileMaxStackLevel: String(SMART_CHARGING.maxStackLevel),
            ChargingScheduleAllowedChargingRateUnit: 'Current',
            ChargingScheduleMaxPeriods: String(SMART_CHARGING.maxPeriods),
            MaxChargingProfilesInstalled: String(SMART_CHARGING.maxInstalled),
          }
        : {}),
    };
    for (const [key, value] of Object.entries(keys)) {
      this.configuration.set(key, value);
      if (key !== STANDARD_KEY.heartbeatInterval) this.readonlyKeys.add(key);
    }
  }

  private log(message: string): void {
    this.options.log?.(`[${this.uid}] ${message}`);
  }

  private get chargeMode(): ChargeMode {
    return this.configuration.get(KEY.chargeMode) as ChargeMode;
  }

  private registerHandlers(): void {
    this.client.handle('GetConfiguration', async ({ params }) => {
      // OCPP 1.6 §5.8: no key, or an empty list, asks for every key.
      const asked = (params as { key?: string[] }).key ?? [];
      const keys = asked.length > 0 ? asked : [...this.configuration.keys()];
      return {
        configurationKey: keys
          .filter((k) => this.configuration.has(k))
          .map((key) => ({
            key,
            readonly: this.readonlyKeys.has(key),
            value: this.configuration.get(key),
          })),
        unknownKey: keys.filter((k) => !this.configuration.has(k)),
      };
    });
    this.client.handle('ChangeConfiguration', async ({ params }) => {
      const { key, value } = params as { key: string; value: string };
      if (!this.configuration.has(key)) return { status: 'NotSupported' };
      if (this.readonlyKeys.has(key) || !validSetting(key, value)) return { status: 'Rejected' };
      // The guide: mode, LED and tariffs change only with every socket unplugged.
      if (key.startsWith('Witty') && key !== KEY.authorizeTic && this.socket) {
        return { status: 'Rejected' };
      }
      this.configuration.set(key, value);
      if (key === STANDARD_KEY.heartbeatInterval) this.heartbeatSeconds = Number(value);
      this.log(`${key} = ${value}`);
      return { status: 'Accepted' };
    });
    this.client.handle('RemoteStartTransaction', async ({ params }) => {
      const { chargingProfile } = params as { chargingProfile?: ChargingProfile };
      if (!this.socket || this.transactionId !== undefined || this.errorCode !== 0) {
        return { status: 'Rejected' };
      }
      // OCPP 1.6 §5.11: the profile of a remote start is the TxProfile of its transaction.
      if (chargingProfile && this.smartCharging) {
        if (chargingProfile.chargingProfilePurpose !== 'TxProfile') return { status: 'Rejected' };
        this.remoteStartProfile = chargingProfile;
      }
      this.remoteStartPending = true;
      this.stoppedByUser = false;
      setImmediate(() => void this.tick());
      return { status: 'Accepted' };
    });
    this.client.handle('RemoteStopTransaction', async ({ params }) => {
      const { transactionId } = params as { transactionId: number };
      if (this.transactionId === undefined || transactionId !== this.transactionId) {
        return { status: 'Rejected' };
      }
      this.stoppedByUser = true;
      setImmediate(() => void this.safe(() => this.stopTransaction('Remote')));
      return { status: 'Accepted' };
    });
  }

  /** OCPP 1.6 §5.5, §5.7, §5.16: the SmartCharging feature profile. */
  private registerSmartChargingHandlers(): void {
    this.client.handle('SetChargingProfile', async ({ params }) => {
      // Messages in order, as a charger handles them: a profile for the transaction that a
      // StartTransaction under way opens waits for its answer (ocpp-rpc may validate that
      // answer after the next CALL has arrived).
      await this.starting;
      // The energy so far was drawn under the profiles in force until now.
      this.advance(this.options.clock.now());
      const { connectorId, csChargingProfiles } = params as {
        connectorId: number;
        csChargingProfiles: ChargingProfile;
      };
      const result = installProfile(
        this.profiles,
        connectorId,
        csChargingProfiles,
        SMART_CHARGING,
        this.runningTransactions(),
      );
      this.profiles = result.installed;
      this.log(`SetChargingProfile ${csChargingProfiles.chargingProfileId}: ${result.status}`);
      // The new limit applies now, not at the next tick.
      if (result.status === 'Accepted') setImmediate(() => void this.tick());
      return { status: result.status };
    });
    this.client.handle('ClearChargingProfile', async ({ params }) => {
      this.advance(this.options.clock.now());
      const result = clearProfiles(this.profiles, params as ClearChargingProfileCriteria);
      this.profiles = result.installed;
      if (result.status === 'Accepted') setImmediate(() => void this.tick());
      return { status: result.status };
    });
    this.client.handle('GetCompositeSchedule', async ({ params }) => {
      const { connectorId, duration, chargingRateUnit } = params as {
        connectorId: number;
        duration: number;
        chargingRateUnit?: ChargingRateUnit;
      };
      if (connectorId < 0 || connectorId > SMART_CHARGING.connectors || duration < 0) {
        return { status: 'Rejected' };
      }
      const now = this.options.clock.now();
      const socket: Socket = connectorId === 2 ? 'm2' : 'm3';
      return {
        status: 'Accepted',
        connectorId,
        scheduleStart: now.toISOString(),
        chargingSchedule: compositeSchedule(
          this.profiles,
          now,
          duration,
          this.contextOf(connectorId),
          chargingRateUnit ?? 'A',
          MAX_KW[socket],
        ),
      };
    });
  }

  /** The running transaction by connector (the simulated station charges one at a time). */
  private runningTransactions(): Map<number, number> {
    return this.socket && this.transactionId !== undefined
      ? new Map([[CONNECTOR[this.socket], this.transactionId]])
      : new Map<number, number>();
  }

  private contextOf(connectorId: number): ConnectorContext {
    return this.socket && CONNECTOR[this.socket] === connectorId && this.transactionId !== undefined
      ? {
          connectorId,
          transaction: { id: this.transactionId, startedAt: this.transactionStartedAt },
        }
      : { connectorId };
  }

  /** The connector in use (M3 when none is), as the charging profiles see it. */
  private get context(): ConnectorContext {
    return this.contextOf(CONNECTOR[this.socket ?? 'm3']);
  }

  /** Connects (and keeps reconnecting with backoff). */
  async start(): Promise<void> {
    await this.client.connect();
  }

  async stop(): Promise<void> {
    await this.client.close({ force: true });
  }

  private async boot(): Promise<void> {
    const response = (await this.client.call(
      'BootNotification',
      this.kind === 'witty'
        ? { chargePointVendor: 'Hager', chargePointModel: 'XEV1R22', firmwareVersion: '2.4.1-sim' }
        : {
            chargePointVendor: 'OpenEVSim',
            chargePointModel: 'AC7-Generic',
            firmwareVersion: '1.0.0-sim',
          },
    )) as { status: string; interval: number };
    this.heartbeatSeconds = response.interval || 600;
    if (this.kind === 'generic') {
      this.configuration.set(STANDARD_KEY.heartbeatInterval, String(this.heartbeatSeconds));
    }
    this.booted = true;
    await this.sendStatus(0);
    await this.sendStatus(1);
    await this.sendStatus(2);
    for (const request of this.offlineStops.splice(0)) {
      await this.safe(() => this.client.call('StopTransaction', request));
    }
    if (this.kind === 'witty') {
      await this.dataTransfer(DATA_TRANSFER.stationInfo, {
        wifiSsid: 'witty-sim',
        phaseNumber: 'singlePhase',
        erlConnected: false,
        ticConnected: 'connected',
        nightModeConnected: 'dn',
        sheddingMode: 'chpLoadShedding7A13A',
        connectivityType: 'wifi',
      });
      await this.dataTransfer(DATA_TRANSFER.keySwitch, {
        keySwitch: this.keyLocked ? 'locked' : 'unlocked',
        evcsLocked: this.keyLocked,
      });
    }
    this.log('booted');
  }

  private connectorStatus(connector: number): string {
    if (connector === 0) return this.errorCode !== 0 ? 'Faulted' : 'Available';
    const socket = connector === 1 ? 'm3' : 'm2';
    if (this.socket !== socket) return 'Available';
    if (this.errorCode !== 0) return 'Faulted';
    if (this.transactionId === undefined) return this.stoppedByUser ? 'Finishing' : 'Preparing';
    if (this.chargingKw > 0) return 'Charging';
    return this.car?.full ? 'SuspendedEV' : 'SuspendedEVSE';
  }

  /** Sends a connector's status; while the link is down, the next boot sends them all. */
  private async sendStatus(connector: number): Promise<void> {
    if (!this.booted) return;
    const faulted =
      this.errorCode !== 0 && (connector === 0 || CONNECTOR[this.socket ?? 'm3'] === connector);
    const error = !faulted
      ? { errorCode: 'NoError' }
      : this.kind === 'witty'
        ? { errorCode: 'OtherError', vendorId: VENDOR, vendorErrorCode: String(this.errorCode) }
        : { errorCode: GENERIC_ERROR_CODE[this.errorCode] ?? 'OtherError' };
    await this.client.call('StatusNotification', {
      connectorId: connector,
      status: this.connectorStatus(connector),
      ...error,
      timestamp: this.options.clock.now().toISOString(),
    });
  }

  private async dataTransfer(messageId: string, data: object): Promise<unknown> {
    // Offline, ocpp-rpc would queue it and send it before the next BootNotification.
    if (!this.booted) throw new Error(`${messageId} not sent: offline`);
    return this.client.call('DataTransfer', {
      vendorId: VENDOR,
      messageId,
      data: JSON.stringify(data),
    });
  }

  // --- what a person does to the station -------------------------------------------------

  plug(car: VirtualCar, socket: Socket = 'm3'): void {
    this.car = car;
    this.socket = socket;
    this.sheddings = 0;
    this.manualStart = false;
    this.stoppedByUser = false;
    this.localStartTried = false;
    void this.safe(() => this.sendStatus(CONNECTOR[socket]));
  }

  unplug(): void {
    const socket = this.socket;
    if (!socket) return;
    void this.safe(async () => {
      await this.stopTransaction('EVDisconnected');
      this.socket = undefined;
      this.stoppedByUser = false;
      await this.sendStatus(CONNECTOR[socket]);
    });
  }

  raiseError(code: number): void {
    this.errorCode = code;
    void this.safe(async () => {
      await this.stopTransaction('Other');
      await this.sendStatus(0);
      if (this.socket) await this.sendStatus(CONNECTOR[this.socket]);
    });
  }

  clearError(): void {
    this.errorCode = 0;
    void this.safe(async () => {
      await this.sendStatus(0);
      if (this.socket) await this.sendStatus(CONNECTOR[this.socket]);
    });
  }

  turnKey(locked: boolean): void {
    this.wittyOnly('key switch');
    this.keyLocked = locked;
    void this.safe(() =>
      this.dataTransfer(DATA_TRANSFER.keySwitch, {
        keySwitch: locked ? 'locked' : 'unlocked',
        evcsLocked: locked,
      }),
    );
  }

  cyberSecurityEvent(event: number, message?: string): void {
    this.wittyOnly('cybersecurity events');
    void this.safe(() =>
      this.dataTransfer(DATA_TRANSFER.cyberSecurity, { event, ...(message ? { message } : {}) }),
    );
  }

  private wittyOnly(what: string): void {
    if (this.kind !== 'witty') throw new RangeError(`A generic charger has no ${what}.`);
  }

  setHouseLoad(va: number): void {
    this.houseLoadOverride = va;
  }

  /** The house consumption now: the set value, or the household's profile at the local hour. */
  private get houseLoadVa(): number {
    return (
      this.houseLoadOverride ??
      houseLoad(localHour(this.lastTick, this.options.linkyOptions.zone ?? 'Europe/Paris'))
    );
  }

  /** The station's state, for the control API. */
  state() {
    const now = this.options.clock.now();
    const limit: ChargingLimit | undefined = limitAt(this.profiles, now, this.context);
    return {
      uid: this.uid,
      kind: this.kind,
      smartCharging: this.smartCharging,
      connected: this.booted,
      simulatedTime: now.toISOString(),
      chargeMode: this.kind === 'witty' ? this.chargeMode : null,
      // The tariff the station last acted on (at its latest tick); the house's, for a generic one.
      tariff: currentTariff(this.lastTick, this.options.linkyOptions),
      plugged: this.socket ?? null,
      transactionId: this.transactionId ?? null,
      chargingKw: this.chargingKw,
      registersWh: { m3: Math.round(this.registers.m3), m2: Math.round(this.registers.m2) },
      errorCode: this.errorCode,
      keyLocked: this.keyLocked,
      houseLoadVa: this.houseLoadVa,
      authorizeTic: this.configuration.get(KEY.authorizeTic) === 'true',
      chargingProfiles: this.profiles.map(({ connectorId, profile }) => ({
        connectorId,
        ...profile,
      })),
      // The limit the charging profiles set now on the connector in use; null: none.
      chargingLimit: limit ?? null,
      car: this.car
        ? {
            stateOfCharge: Math.round(this.car.stateOfCharge * 1000) / 1000,
            batteryKwh: this.car.batteryKwh,
          }
        : null,
    };
  }

  /** Runs work for the control API or a handler, logging a failed call. */
  private async safe(work: () => Promise<unknown>): Promise<void> {
    try {
      await work();
    } catch (error) {
      this.log(`call failed: ${String(error)}`);
    }
  }

  // --- time -------------------------------------------------------------------------------

  /**
   * Advances the station to the simulated now: charge, consume, decide, report. Charging goes on
   * within the charging profiles while the link is down; deciding and reporting wait for it.
   */
  async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const now = this.options.clock.now();
      this.advance(now);
      const tenMinutes = Math.floor(now.getTime() / 600_000);
      const due = tenMinutes !== this.lastReport;

      if (this.booted) {
        if (this.kind === 'witty') await this.decideWitty(now);
        else await this.decideGeneric(now);
      }
      await this.offer(now);
      if (!this.booted) return;

      // Every 10 simulated minutes: MeterValues and, with consent, the TIC.
      if (due) {
        this.lastReport = tenMinutes;
        const reading = this.alignedReadings.get(tenMinutes);
        this.alignedReadings.clear();
        await this.report(now, reading);
      }
      if (now.getTime() - this.lastHeartbeat >= this.heartbeatSeconds * 1000) {
        this.lastHeartbeat = now.getTime();
        await this.client.call('Heartbeat', {});
      }
    } catch (error) {
      this.log(`tick failed: ${String(error)}`);
    } finally {
      this.busy = false;
    }
  }

  /**
   * Energy and house consumption from the last instant accounted for up to `now`, under the
   * profiles in force until now: a tick does it, and so does a profile change before it takes
   * effect. MeterValues are clock-aligned (OCPP 1.6 Sample.Clock): the register is read at each
   * 10-minute boundary passed, so that an interval's energy is what flowed in it.
   */
  private advance(now: Date): void {
    const from = this.lastTick;
    if (now <= from) return;
    this.lastTick = now;
    const seconds = (now.getTime() - from.getTime()) / 1000;
    const tenMinutes = Math.floor(now.getTime() / 600_000);
    const boundary = new Date(tenMinutes * 600_000);
    let carWh: number;
    if (boundary > from) {
      carWh = this.chargeCar(from, boundary);
      this.alignedReadings.set(tenMinutes, {
        at: boundary,
        wh: this.registers[this.socket ?? 'm3'],
      });
      carWh += this.chargeCar(boundary, now);
    } else {
      carWh = this.chargeCar(from, now);
    }
    this.options.linky.consume(now, (this.houseLoadVa * seconds) / 3600 + carWh);
  }

  /** Power within a limit: nothing below the 6 A the pilot needs. */
  private withinLimit(limit: ChargingLimit | undefined): number {
    const kw = Math.min(this.offerKw, limit?.kw ?? Infinity);
    return kw < MIN_CHARGE_KW ? 0 : kw;
  }

  /** Energy given to the car from one instant to another, Wh, within each limit in force. */
  private chargeCar(from: Date, to: Date): number {
    if (this.transactionId === undefined || !this.socket || !this.car || this.offerKw === 0) {
      return 0;
    }
    let wh = 0;
    for (const segment of limitSegments(this.profiles, from, to, this.context)) {
      const seconds = (segment.end.getTime() - segment.start.getTime()) / 1000;
      wh += this.car.charge(this.socket, this.withinLimit(segment.limit), seconds);
    }
    this.registers[this.socket] += wh;
    return wh;
  }

  /** The charge mode decides, on the tariff the TIC gives (docs/ocpp-profile.md §6). */
  private async decideWitty(now: Date): Promise<void> {
    const classes = Object.fromEntries(
      Array.from({ length: 10 }, (_, i) => [
        `tariff${i + 1}`,
        this.configuration.get(KEY.tariff(i + 1)),
      ]),
    ) as StandardTariffClasses;
    const tariffType = tariffTypeOf(currentTariff(now, this.options.linkyOptions), classes);
    const action = decideCharge({
      mode: this.chargeMode,
      plugged: this.socket !== undefined && this.errorCode === 0,
      tariffType,
      charging: this.transactionId !== undefined,
      manualStart: this.manualStart || this.remoteStartPending,
      carFull: this.car?.full ?? true,
    });
    if (
      action === 'start' &&
      this.transactionId === undefined &&
      this.socket &&
      !this.stoppedByUser
    ) {
      await this.startTransaction(now);
    } else if (action === 'stop' && this.transactionId !== undefined && !this.car?.full) {
      // A full car keeps its transaction, SuspendedEV (docs/ocpp-profile.md §6), until unplugged.
      await this.stopTransaction('Other');
    }
  }

  /**
   * Plug and charge, once per plug-in; after a refusal, only a RemoteStartTransaction starts
   * (§8). A generic charger has no TIC: the tariff never starts or stops it.
   */
  private async decideGeneric(now: Date): Promise<void> {
    if (!this.socket || this.transactionId !== undefined || this.errorCode !== 0) return;
    if (this.stoppedByUser) return;
    if (this.remoteStartPending || !this.localStartTried) await this.startTransaction(now);
  }

  /** Sets the power offered now; a Witty station sheds load to stay within the subscription. */
  private async offer(now: Date): Promise<void> {
    if (this.transactionId === undefined || !this.socket) return;
    const previous = this.chargingKw;
    let offerKw = MAX_KW[this.socket];
    if (this.kind === 'witty') {
      // Load shedding: the car gets what the subscription leaves to it.
      const subscribedVa = (this.options.linkyOptions.intensitySubscribedA ?? 30) * VOLTS;
      offerKw = Math.min(offerKw, Math.max(0, (subscribedVa - this.houseLoadVa) / 1000));
      if (offerKw < MIN_CHARGE_KW) {
        if (previous > 0) {
          this.sheddings += 1;
          this.log(`load shedding (${this.sheddings})`);
        }
        offerKw = 0;
      }
    }
    this.offerKw = this.car?.full ? 0 : offerKw;
    this.chargingKw = this.withinLimit(limitAt(this.profiles, now, this.context));
    if (previous > 0 !== this.chargingKw > 0) await this.sendStatus(CONNECTOR[this.socket]);
    if (this.sheddings >= SHEDDINGS_BEFORE_FAILURE && this.errorCode === 0) this.raiseError(5);
  }

  /** MeterValues of the register at `reading` (the boundary passed), else now; the TIC now. */
  private async report(now: Date, reading?: { at: Date; wh: number }): Promise<void> {
    const context = reading ? 'Sample.Clock' : 'Sample.Periodic';
    await this.client.call('MeterValues', {
      connectorId: this.socket ? CONNECTOR[this.socket] : 1,
      ...(this.transactionId !== undefined ? { transactionId: this.transactionId } : {}),
      meterValue: [
        {
          timestamp: (reading?.at ?? now).toISOString(),
          sampledValue: [
            {
              value: String(Math.round(reading?.wh ?? this.registers[this.socket ?? 'm3'])),
              measurand: 'Energy.Active.Import.Register',
              unit: 'Wh',
              context,
            },
            {
              value: String(Math.round(this.chargingKw * 1000)),
              measurand: 'Power.Active.Import',
              unit: 'W',
              context,
            },
          ],
        },
      ],
    });
    if (this.configuration.get(KEY.authorizeTic) === 'true') {
      this.options.linky.setLoad(this.houseLoadVa + this.chargingKw * 1000);
      await this.dataTransfer(DATA_TRANSFER.tic, {
        frame: this.options.linky.frame(now),
        timestamp: now.toISOString(),
      });
    }
  }

  private startTransaction(now: Date): Promise<void> {
    const starting = this.openTransaction(now);
    this.starting = starting.catch(() => undefined);
    return starting;
  }

  private async openTransaction(now: Date): Promise<void> {
    if (!this.socket) return;
    const socket = this.socket;
    const remote = this.remoteStartPending;
    this.remoteStartPending = false;
    if (!remote) this.localStartTried = true;
    const profile = remote ? this.remoteStartProfile : undefined;
    this.remoteStartProfile = undefined;
    this.manualStart = remote || this.manualStart;
    const response = (await this.client.call('StartTransaction', {
      connectorId: CONNECTOR[socket],
      idTag: remote ? REMOTE_ID_TAG : this.kind === 'witty' ? LOCAL_ID_TAG : GENERIC_LOCAL_ID_TAG,
      meterStart: Math.round(this.registers[socket]),
      timestamp: now.toISOString(),
    })) as { transactionId: number; idTagInfo: { status: string } };
    if (response.idTagInfo.status !== 'Accepted') {
      this.log(`start refused (${response.idTagInfo.status})`);
      return;
    }
    this.transactionId = response.transactionId;
    this.transactionStartedAt = now;
    this.offerKw = 0;
    this.chargingKw = 0;
    if (profile) {
      const result = installProfile(
        this.profiles,
        CONNECTOR[socket],
        profile,
        SMART_CHARGING,
        this.runningTransactions(),
      );
      this.profiles = result.installed;
      this.log(`remote start profile ${profile.chargingProfileId}: ${result.status}`);
    }
    const how = remote ? 'remote' : this.kind === 'witty' ? this.chargeMode : 'plug and charge';
    this.log(`session ${this.transactionId} started (${how})`);
    await this.sendStatus(CONNECTOR[socket]);
  }

  /** Ends the transaction; offline, its StopTransaction waits for the next boot. */
  private async stopTransaction(reason: string): Promise<void> {
    if (this.transactionId === undefined) return;
    const transactionId = this.transactionId;
    this.transactionId = undefined;
    this.offerKw = 0;
    this.chargingKw = 0;
    this.manualStart = false;
    if (this.socket) this.profiles = endTransaction(this.profiles, CONNECTOR[this.socket]);
    const request: StopTransactionRequest = {
      transactionId,
      meterStop: Math.round(this.registers[this.socket ?? 'm3']),
      timestamp: this.options.clock.now().toISOString(),
      reason,
    };
    if (this.booted) await this.client.call('StopTransaction', request);
    else this.offlineStops.push(request);
    this.log(`session ${transactionId} stopped (${reason})`);
    if (this.socket) await this.sendStatus(CONNECTOR[this.socket]);
  }
}

/** Whether a configuration value is one the station accepts for its key. */
function validSetting(key: string, value: string): boolean {
  switch (key) {
    case KEY.chargeMode:
      return ['immediate', 'deferred', 'deferredExclusive'].includes(value);
    case KEY.ledPower:
      return /^\d+$/.test(value) && Number(value) >= 30 && Number(value) <= 100;
    case KEY.authorizeTic:
      return value === 'true' || value === 'false';
    case STANDARD_KEY.heartbeatInterval:
      return /^\d+$/.test(value) && Number(value) > 0;
    default:
      return value === 'hc' || value === 'hp'; // WittyTariffN
  }
}
