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

const { RPCClient } = ocppRpc;

const VENDOR = WITTY_VENDOR_ID;
const KEY = CONFIGURATION_KEY;
const LOCAL_ID_TAG = 'WITTY-LOCAL';
const VOLTS = 230;
/** Below 6 A the IEC 61851 pilot cannot offer charge: the station pauses (load shedding). */
const MIN_CHARGE_KW = (6 * VOLTS) / 1000;
/** After this many sheddings in one session the station reports LoadSheddingFailure (5). */
const SHEDDINGS_BEFORE_FAILURE = 3;

export interface VirtualStationOptions {
  url: string;
  uid: string;
  password: string;
  clock: SimClock;
  linky: VirtualLinky;
  linkyOptions: LinkyOptions;
  car?: VirtualCar;
  chargeMode?: ChargeMode;
  /** House consumption besides the car, VA; the household's daily profile when absent. */
  houseLoadVa?: number;
  /** M3 energy register to start from, Wh (e.g. where a backfilled history ended). */
  registerWh?: number;
  log?: (message: string) => void;
}

type Socket = 'm3' | 'm2';
const CONNECTOR: Record<Socket, number> = { m3: 1, m2: 2 };

/**
 * A Witty station on OCPP 1.6J, as docs/ocpp-profile.md describes it: boot, heartbeats, status per
 * connector, MeterValues and TIC every 10 simulated minutes, transactions decided by the charge
 * mode (src/domain/charge-mode.ts), remote start/stop, configuration keys, key switch, errors,
 * cybersecurity events, load shedding, and reconnection with backoff.
 */
export class VirtualStation {
  readonly uid: string;
  private readonly client: InstanceType<typeof RPCClient>;
  private readonly configuration = new Map<string, string>();
  private car: VirtualCar | undefined;
  private socket: Socket | undefined;
  private transactionId: number | undefined;
  private manualStart = false;
  /** Stopped from the API: the car waits, Finishing, until it is unplugged (profile §6). */
  private stoppedByUser = false;
  private remoteStartPending = false;
  /** Each socket's energy register, Wh (OCPP: one meter per connector). */
  private readonly registers: Record<Socket, number> = {
    m3: Math.floor(Math.random() * 500_000),
    m2: Math.floor(Math.random() * 100_000),
  };
  private lastTick: Date;
  private lastReport = 0;
  private lastHeartbeat = 0;
  private heartbeatSeconds = 600;
  private errorCode = 0;
  private sheddings = 0;
  private chargingKw = 0;
  private keyLocked = false;
  /** Set through the control API; the daily profile applies while undefined. */
  private houseLoadOverride: number | undefined;
  private booted = false;
  private busy = false;

  constructor(private readonly options: VirtualStationOptions) {
    this.uid = options.uid;
    this.car = options.car;
    this.houseLoadOverride = options.houseLoadVa;
    if (options.registerWh !== undefined) this.registers.m3 = options.registerWh;
    this.lastTick = options.clock.now();
    this.configuration.set(KEY.chargeMode, options.chargeMode ?? 'immediate');
    this.configuration.set(KEY.ledPower, '100');
    this.configuration.set(KEY.authorizeTic, 'false');
    for (let n = 1; n <= 10; n++) this.configuration.set(KEY.tariff(n), n === 1 ? 'hc' : 'hp');
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
    this.client.on('open', () => {
      this.booted = false;
      this.boot().catch((error: unknown) => this.log(`boot failed: ${String(error)}`));
    });
  }

  private log(message: string): void {
    this.options.log?.(`[${this.uid}] ${message}`);
  }

  private get chargeMode(): ChargeMode {
    return this.configuration.get(KEY.chargeMode) as ChargeMode;
  }

  private registerHandlers(): void {
    this.client.handle('GetConfiguration', async ({ params }) => {
      const keys = (params as { key?: string[] }).key ?? [...this.configuration.keys()];
      return {
        configurationKey: keys
          .filter((k) => this.configuration.has(k))
          .map((key) => ({ key, readonly: false, value: this.configuration.get(key) })),
        unknownKey: keys.filter((k) => !this.configuration.has(k)),
      };
    });
    this.client.handle('ChangeConfiguration', async ({ params }) => {
      const { key, value } = params as { key: string; value: string };
      if (!this.configuration.has(key)) return { status: 'NotSupported' };
      const valid =
        key === KEY.chargeMode
          ? ['immediate', 'deferred', 'deferredExclusive'].includes(value)
          : key === KEY.ledPower
            ? /^\d+$/.test(value) && Number(value) >= 30 && Number(value) <= 100
            : key === KEY.authorizeTic
              ? value === 'true' || value === 'false'
              : value === 'hc' || value === 'hp';
      if (!valid) return { status: 'Rejected' };
      // The guide: mode, LED and tariffs change only with every socket unplugged.
      if (key !== KEY.authorizeTic && this.socket) return { status: 'Rejected' };
      this.configuration.set(key, value);
      this.log(`${key} = ${value}`);
      return { status: 'Accepted' };
    });
    this.client.handle('RemoteStartTransaction', async () => {
      if (!this.socket || this.transactionId !== undefined || this.errorCode !== 0) {
        return { status: 'Rejected' };
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

  /** Connects (and keeps reconnecting with backoff). */
  async start(): Promise<void> {
    await this.client.connect();
  }

  async stop(): Promise<void> {
    await this.client.close({ force: true });
  }

  private async boot(): Promise<void> {
    const response = (await this.client.call('BootNotification', {
      chargePointVendor: 'Hager',
      chargePointModel: 'XEV1R22',
      firmwareVersion: '2.4.1-sim',
    })) as { status: string; interval: number };
    this.heartbeatSeconds = response.interval || 600;
    this.booted = true;
    await this.sendStatus(0);
    await this.sendStatus(1);
    await this.sendStatus(2);
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

  private async sendStatus(connector: number): Promise<void> {
    const faulted =
      this.errorCode !== 0 && (connector === 0 || CONNECTOR[this.socket ?? 'm3'] === connector);
    await this.client.call('StatusNotification', {
      connectorId: connector,
      status: this.connectorStatus(connector),
      errorCode: faulted ? 'OtherError' : 'NoError',
      ...(faulted ? { vendorId: VENDOR, vendorErrorCode: String(this.errorCode) } : {}),
      timestamp: this.options.clock.now().toISOString(),
    });
  }

  private async dataTransfer(messageId: string, data: object): Promise<unknown> {
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
    void this.safe(() => this.sendStatus(CONNECTOR[socket]));
  }

  unplug(): void {
    const socket = this.socket;
    if (!socket) return;
    void this.safe(async () => {
      if (this.transactionId !== undefined) await this.stopTransaction('EVDisconnected');
      this.socket = undefined;
      this.stoppedByUser = false;
      await this.sendStatus(CONNECTOR[socket]);
    });
  }

  raiseError(code: number): void {
    this.errorCode = code;
    void this.safe(async () => {
      if (this.transactionId !== undefined) await this.stopTransaction('Other');
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
    this.keyLocked = locked;
    void this.safe(() =>
      this.dataTransfer(DATA_TRANSFER.keySwitch, {
        keySwitch: locked ? 'locked' : 'unlocked',
        evcsLocked: locked,
      }),
    );
  }

  cyberSecurityEvent(event: number, message?: string): void {
    void this.safe(() =>
      this.dataTransfer(DATA_TRANSFER.cyberSecurity, { event, ...(message ? { message } : {}) }),
    );
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
    return {
      uid: this.uid,
      connected: this.booted,
      simulatedTime: now.toISOString(),
      chargeMode: this.chargeMode,
      // The tariff the station last acted on (at its latest tick).
      tariff: currentTariff(this.lastTick, this.options.linkyOptions),
      plugged: this.socket ?? null,
      transactionId: this.transactionId ?? null,
      chargingKw: this.chargingKw,
      registersWh: { m3: Math.round(this.registers.m3), m2: Math.round(this.registers.m2) },
      errorCode: this.errorCode,
      keyLocked: this.keyLocked,
      houseLoadVa: this.houseLoadVa,
      authorizeTic: this.configuration.get(KEY.authorizeTic) === 'true',
      car: this.car
        ? {
            stateOfCharge: Math.round(this.car.stateOfCharge * 1000) / 1000,
            batteryKwh: this.car.batteryKwh,
          }
        : null,
    };
  }

  private async safe(work: () => Promise<unknown>): Promise<void> {
    try {
      if (this.booted) await work();
    } catch (error) {
      this.log(`call failed: ${String(error)}`);
    }
  }

  // --- time -------------------------------------------------------------------------------

  /** Advances the station to the simulated now: charge, consume, decide, report. */
  async tick(): Promise<void> {
    if (!this.booted || this.busy) return;
    this.busy = true;
    try {
      const now = this.options.clock.now();
      const seconds = Math.max(0, (now.getTime() - this.lastTick.getTime()) / 1000);
      this.lastTick = now;
      const classes = Object.fromEntries(
        Array.from({ length: 10 }, (_, i) => [
          `tariff${i + 1}`,
          this.configuration.get(KEY.tariff(i + 1)),
        ]),
      ) as StandardTariffClasses;
      const tariffType = tariffTypeOf(currentTariff(now, this.options.linkyOptions), classes);

      // Energy of the elapsed period.
      let carWh = 0;
      if (this.transactionId !== undefined && this.socket && this.car && this.chargingKw > 0) {
        carWh = this.car.charge(this.socket, this.chargingKw, seconds);
        this.registers[this.socket] += carWh;
      }
      this.options.linky.consume(now, (this.houseLoadVa * seconds) / 3600 + carWh);

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

      // Load shedding: the car gets what the subscription leaves to it.
      if (this.transactionId !== undefined && this.socket) {
        const maxKw = this.socket === 'm2' ? 2.3 : 7.4;
        const subscribedVa = (this.options.linkyOptions.intensitySubscribedA ?? 30) * VOLTS;
        const offeredKw = Math.min(maxKw, Math.max(0, (subscribedVa - this.houseLoadVa) / 1000));
        const previous = this.chargingKw;
        if (offeredKw < MIN_CHARGE_KW) {
          if (previous > 0) {
            this.sheddings += 1;
            this.log(`load shedding (${this.sheddings})`);
          }
          this.chargingKw = 0;
        } else {
          this.chargingKw = this.car?.full ? 0 : offeredKw;
        }
        if (previous > 0 !== this.chargingKw > 0) await this.sendStatus(CONNECTOR[this.socket]);
        if (this.sheddings >= SHEDDINGS_BEFORE_FAILURE && this.errorCode === 0) this.raiseError(5);
      }

      // Every 10 simulated minutes: MeterValues and, with consent, the TIC.
      const tenMinutes = Math.floor(now.getTime() / 600_000);
      if (tenMinutes !== this.lastReport) {
        this.lastReport = tenMinutes;
        await this.report(now);
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

  private async report(now: Date): Promise<void> {
    await this.client.call('MeterValues', {
      connectorId: this.socket ? CONNECTOR[this.socket] : 1,
      ...(this.transactionId !== undefined ? { transactionId: this.transactionId } : {}),
      meterValue: [
        {
          timestamp: now.toISOString(),
          sampledValue: [
            {
              value: String(Math.round(this.registers[this.socket ?? 'm3'])),
              measurand: 'Energy.Active.Import.Register',
              unit: 'Wh',
              context: 'Sample.Periodic',
            },
            {
              value: String(Math.round(this.chargingKw * 1000)),
              measurand: 'Power.Active.Import',
              unit: 'W',
              context: 'Sample.Periodic',
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

  private async startTransaction(now: Date): Promise<void> {
    if (!this.socket) return;
    const remote = this.remoteStartPending;
    this.remoteStartPending = false;
    this.manualStart = remote || this.manualStart;
    const response = (await this.client.call('StartTransaction', {
      connectorId: CONNECTOR[this.socket],
      idTag: remote ? REMOTE_ID_TAG : LOCAL_ID_TAG,
      meterStart: Math.round(this.registers[this.socket]),
      timestamp: now.toISOString(),
    })) as { transactionId: number; idTagInfo: { status: string } };
    if (response.idTagInfo.status !== 'Accepted') return;
    this.transactionId = response.transactionId;
    this.chargingKw = 0;
    this.log(`session ${this.transactionId} started (${remote ? 'remote' : this.chargeMode})`);
    await this.sendStatus(CONNECTOR[this.socket]);
  }

  private async stopTransaction(reason: string): Promise<void> {
    if (this.transactionId === undefined) return;
    const transactionId = this.transactionId;
    this.transactionId = undefined;
    this.chargingKw = 0;
    this.manualStart = false;
    await this.client.call('StopTransaction', {
      transactionId,
      meterStop: Math.round(this.registers[this.socket ?? 'm3']),
      timestamp: this.options.clock.now().toISOString(),
      reason,
    });
    this.log(`session ${transactionId} stopped (${reason})`);
    if (this.socket) await this.sendStatus(CONNECTOR[this.socket]);
  }
}
