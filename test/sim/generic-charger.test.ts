import type { AddressInfo } from 'node:net';
import ocppRpc from 'ocpp-rpc';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualCar } from '../../src/sim/car.js';
import { SimClock } from '../../src/sim/clock.js';
import { VirtualLinky, type LinkyOptions } from '../../src/sim/linky.js';
import { controlServer, Simulation } from '../../src/sim/simulation.js';
import type { ChargingProfile } from '../../src/sim/smart-charging.js';
import { VirtualStation } from '../../src/sim/station.js';

const { RPCServer } = ocppRpc;
/** The CSMS side of a connection: an RPCClient (ocpp-rpc's RPCServerClient extends it). */
type ServerClient = InstanceType<typeof ocppRpc.RPCClient>;

// A generic OCPP 1.6J charger (docs/ocpp-profile.md §8) against a bare CSMS in this process, at
// 3600× (one simulated hour per real second, 72 simulated seconds per 20 ms tick).
const SPEED = 3600;
const START = '2026-11-25T10:00:00Z';
const UID = 'GENERIC-1';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits for a condition, polling; the simulated clock runs on meanwhile. */
async function eventually(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(5);
  }
}

/** A bare CSMS: records every call from the charger, answers StartTransaction as told. */
class Csms {
  readonly calls: { method: string; params: Record<string, unknown> }[] = [];
  /** idTagInfo.status of StartTransaction by idTag (default Accepted). */
  readonly idTagStatus = new Map<string, string>();
  /** While set, the CSMS refuses connections (the link is down). */
  refuse = false;
  client: ServerClient | undefined;
  private nextTransaction = 100;
  private constructor(
    readonly server: InstanceType<typeof RPCServer>,
    readonly url: string,
  ) {}

  static async start(): Promise<Csms> {
    const server = new RPCServer({ protocols: ['ocpp1.6'], strictMode: true });
    const http = await server.listen(0, '127.0.0.1');
    const csms = new Csms(server, `ws://127.0.0.1:${(http.address() as AddressInfo).port}`);
    server.auth((accept, reject) => (csms.refuse ? reject(503, 'down') : accept()));
    server.on('client', (client: ServerClient) => csms.attach(client));
    return csms;
  }

  private attach(client: ServerClient): void {
    this.client = client;
    const record =
      (method: string, answer: (params: Record<string, unknown>) => Record<string, unknown>) =>
      async ({ params }: { params?: unknown }) => {
        this.calls.push({ method, params: params as Record<string, unknown> });
        return answer(params as Record<string, unknown>);
      };
    client.handle(
      'BootNotification',
      record('BootNotification', () => ({
        status: 'Accepted',
        currentTime: new Date().toISOString(),
        interval: 600,
      })),
    );
    for (const method of ['StatusNotification', 'Heartbeat', 'MeterValues', 'DataTransfer']) {
      client.handle(
        method,
        record(method, () =>
          method === 'Heartbeat'
            ? { currentTime: new Date().toISOString() }
            : method === 'DataTransfer'
              ? { status: 'Accepted' }
              : {},
        ),
      );
    }
    client.handle(
      'StartTransaction',
      record('StartTransaction', ({ idTag }) => ({
        transactionId: this.nextTransaction++,
        idTagInfo: { status: this.idTagStatus.get(idTag as string) ?? 'Accepted' },
      })),
    );
    client.handle(
      'StopTransaction',
      record('StopTransaction', () => ({ idTagInfo: { status: 'Accepted' } })),
    );
  }

  /** A call from the CSMS to the charger. */
  call(method: string, params: object): Promise<Record<string, unknown>> {
    if (!this.client) throw new Error('no charger connected');
    return this.client.call(method, params) as Promise<Record<string, unknown>>;
  }

  of(method: string) {
    return this.calls.filter((call) => call.method === method);
  }

  statuses(connectorId = 1): unknown[] {
    return this.of('StatusNotification')
      .filter((call) => call.params.connectorId === connectorId)
      .map((call) => call.params.status);
  }

  lastStatus(connectorId = 1): unknown {
    return this.statuses(connectorId).at(-1);
  }

  async close(): Promise<void> {
    await this.server.close({ force: true });
  }
}

let csms: Csms | undefined;
let simulation: Simulation | undefined;
afterEach(async () => {
  await simulation?.stop();
  await csms?.close();
  simulation = undefined;
  csms = undefined;
});

function aGenericStation(url: string, clock: SimClock, smartCharging = true): VirtualStation {
  const linkyOptions: LinkyOptions = { subscription: 'HCHP', intensitySubscribedA: 30 };
  return new VirtualStation({
    url,
    uid: UID,
    password: 'generic-password-1234',
    clock,
    linky: new VirtualLinky(linkyOptions),
    linkyOptions,
    kind: 'generic',
    smartCharging,
    houseLoadVa: 800,
  });
}

/** A generic charger booted against a fresh CSMS. */
async function aGenericCharger(options: { smartCharging?: boolean } = {}) {
  csms = await Csms.start();
  const clock = new SimClock(new Date(START), SPEED);
  simulation = new Simulation(clock);
  const station = aGenericStation(csms.url, clock, options.smartCharging ?? true);
  simulation.add(station);
  await simulation.start(20);
  const server = csms;
  await eventually(() => station.state().connected && server.of('StatusNotification').length >= 3);
  return { station, clock, csms: server };
}

/** Plugs a car in and waits for its transaction. */
async function plugAndCharge(station: VirtualStation) {
  station.plug(new VirtualCar({ batteryKwh: 100, stateOfCharge: 0.1 }), 'm3');
  await eventually(() => station.state().transactionId !== null);
  return station.state().transactionId!;
}

/** An Absolute profile from now: one [startSeconds, amps] per period. */
function aProfile(
  clock: SimClock,
  fields: Partial<ChargingProfile> & { periods: [number, number][]; duration?: number },
): ChargingProfile {
  const { periods, duration, ...profile } = fields;
  return {
    chargingProfileId: 1,
    stackLevel: 0,
    chargingProfilePurpose: 'TxDefaultProfile',
    chargingProfileKind: 'Absolute',
    ...profile,
    chargingSchedule: {
      startSchedule: clock.now().toISOString(),
      ...(duration !== undefined ? { duration } : {}),
      chargingRateUnit: 'A',
      chargingSchedulePeriod: periods.map(([startPeriod, limit]) => ({ startPeriod, limit })),
    },
  };
}

const register = (station: VirtualStation) => station.state().registersWh.m3;

describe('a generic OCPP 1.6J charger', () => {
  it('boots as a non-Hager charger and sends no Witty DataTransfer', async () => {
    const { station, csms } = await aGenericCharger();
    await sleep(100);
    const boot = csms.of('BootNotification')[0]!.params;
    expect(boot.chargePointVendor).not.toBe('Hager');
    expect(boot.chargePointModel).not.toMatch(/XEV/);
    expect(csms.of('DataTransfer')).toEqual([]);
    expect([0, 1, 2].map((connector) => csms.lastStatus(connector))).toEqual([
      'Available',
      'Available',
      'Available',
    ]);
    expect(station.state()).toMatchObject({
      kind: 'generic',
      smartCharging: true,
      chargeMode: null,
      chargingProfiles: [],
      chargingLimit: null,
    });
    expect(() => station.turnKey(true)).toThrow('A generic charger has no key switch.');
  });

  it('answers GetConfiguration with standard keys only, and NotSupported for a Witty key', async () => {
    const { csms } = await aGenericCharger();
    const all = await csms.call('GetConfiguration', {});
    const values = Object.fromEntries(
      (all.configurationKey as { key: string; value: string }[]).map((k) => [k.key, k.value]),
    );
    expect(values).toMatchObject({
      SupportedFeatureProfiles: 'Core,SmartCharging',
      ChargeProfileMaxStackLevel: '8',
      ChargingScheduleAllowedChargingRateUnit: 'Current',
      ChargingScheduleMaxPeriods: '48',
      MaxChargingProfilesInstalled: '10',
      HeartbeatInterval: '600',
    });
    expect(Object.keys(values).some((key) => key.startsWith('Witty'))).toBe(false);

    const asked = await csms.call('GetConfiguration', {
      key: ['WittyChargeMode', 'WittyTariff1', 'HeartbeatInterval'],
    });
    expect(asked.unknownKey).toEqual(['WittyChargeMode', 'WittyTariff1']);
    expect(asked.configurationKey).toEqual([
      { key: 'HeartbeatInterval', readonly: false, value: '600' },
    ]);

    const change = (key: string, value: string) => csms.call('ChangeConfiguration', { key, value });
    expect(await change('WittyChargeMode', 'deferred')).toEqual({ status: 'NotSupported' });
    expect(await change('SupportedFeatureProfiles', 'Core')).toEqual({ status: 'Rejected' });
    expect(await change('HeartbeatInterval', 'often')).toEqual({ status: 'Rejected' });
    expect(await change('HeartbeatInterval', '300')).toEqual({ status: 'Accepted' });
  });

  it('plugs and charges: Preparing, StartTransaction with its own idTag, Charging', async () => {
    const { station, csms } = await aGenericCharger();
    await plugAndCharge(station);
    const start = csms.of('StartTransaction')[0]!.params;
    expect(start).toMatchObject({ connectorId: 1, idTag: 'GENERIC-LOCAL' });
    await eventually(() => csms.lastStatus() === 'Charging');
    expect(csms.statuses()).toEqual(['Available', 'Preparing', 'SuspendedEVSE', 'Charging']);
    const before = register(station);
    await eventually(() => register(station) > before + 1000);
    expect(station.state().chargingKw).toBe(7.4);
  });

  it('refused, waits in Preparing for a RemoteStartTransaction; remote stop ends Finishing', async () => {
    const { station, clock, csms } = await aGenericCharger();
    csms.idTagStatus.set('GENERIC-LOCAL', 'Blocked');
    station.plug(new VirtualCar({ batteryKwh: 100, stateOfCharge: 0.1 }), 'm3');
    await eventually(() => csms.of('StartTransaction').length === 1);
    const later = clock.now().getTime() + 3 * 3_600_000;
    await eventually(() => clock.now().getTime() > later); // three simulated hours
    expect(csms.of('StartTransaction')).toHaveLength(1);
    expect(station.state().transactionId).toBeNull();
    expect(csms.lastStatus()).toBe('Preparing');

    const started = await csms.call('RemoteStartTransaction', {
      connectorId: 1,
      idTag: 'WITTY-REMOTE',
    });
    expect(started).toEqual({ status: 'Accepted' });
    await eventually(() => station.state().transactionId !== null);
    expect(csms.of('StartTransaction')[1]!.params.idTag).toBe('WITTY-REMOTE');
    await eventually(() => csms.lastStatus() === 'Charging');
    expect(await csms.call('RemoteStartTransaction', { idTag: 'WITTY-REMOTE' })).toEqual({
      status: 'Rejected',
    });

    const transactionId = station.state().transactionId!;
    expect(await csms.call('RemoteStopTransaction', { transactionId: transactionId + 1 })).toEqual({
      status: 'Rejected',
    });
    expect(await csms.call('RemoteStopTransaction', { transactionId })).toEqual({
      status: 'Accepted',
    });
    await eventually(() => csms.lastStatus() === 'Finishing');
    expect(csms.of('StopTransaction')[0]!.params).toMatchObject({
      transactionId,
      reason: 'Remote',
    });
    // From Finishing, a remote start charges again.
    expect(await csms.call('RemoteStartTransaction', { idTag: 'WITTY-REMOTE' })).toEqual({
      status: 'Accepted',
    });
    await eventually(() => csms.lastStatus() === 'Charging');
  });

  it('follows a TxDefaultProfile: 0 A suspends, 32 A charges', async () => {
    const { station, clock, csms } = await aGenericCharger();
    // 0 A for the first simulated hour, then 32 A.
    const profile = aProfile(clock, {
      periods: [
        [0, 0],
        [3600, 32],
      ],
      duration: 6 * 3600,
    });
    const switchAt = Date.parse(profile.chargingSchedule.startSchedule!) + 3_600_000;
    expect(
      await csms.call('SetChargingProfile', { connectorId: 0, csChargingProfiles: profile }),
    ).toEqual({ status: 'Accepted' });
    expect(station.state().chargingLimit).toMatchObject({ limit: 0, unit: 'A', kw: 0 });
    await plugAndCharge(station);
    await eventually(() => csms.lastStatus() === 'SuspendedEVSE');
    const suspended = register(station);
    await eventually(() => clock.now().getTime() > switchAt - 600_000);
    expect(register(station)).toBe(suspended);
    expect(station.state().chargingKw).toBe(0);
    expect(csms.statuses()).not.toContain('Charging');

    await eventually(() => csms.lastStatus() === 'Charging');
    expect(clock.now().getTime()).toBeGreaterThanOrEqual(switchAt);
    await eventually(() => register(station) > suspended + 1000);
    expect(station.state().chargingKw).toBeCloseTo(7.36, 9);
    expect(station.state().chargingLimit).toMatchObject({
      chargingProfileId: 1,
      purpose: 'TxDefaultProfile',
      limit: 32,
    });
    // Energy flows from the instant the limit rises, not from the tick after.
    const wh = register(station) - suspended;
    const hours = (clock.now().getTime() - switchAt) / 3_600_000;
    expect(wh).toBeLessThanOrEqual(7360 * hours + 1);

    const composite = await csms.call('GetCompositeSchedule', { connectorId: 1, duration: 3600 });
    expect(composite).toMatchObject({
      status: 'Accepted',
      connectorId: 1,
      chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ limit: 32 }] },
    });
  });

  it('applies a new profile from the instant it arrives, not to the time since the last tick', async () => {
    csms = await Csms.start();
    const clock = new SimClock(new Date(START), SPEED);
    const station = aGenericStation(csms.url, clock);
    const server = csms;
    await station.start();
    try {
      await eventually(() => station.state().connected);
      const hold = aProfile(clock, { periods: [[0, 0]], duration: 24 * 3600 });
      await server.call('SetChargingProfile', { connectorId: 0, csChargingProfiles: hold });
      station.plug(new VirtualCar({ batteryKwh: 100, stateOfCharge: 0.1 }), 'm3');
      await eventually(() => {
        void station.tick();
        return station.state().transactionId !== null;
      });
      await station.tick();
      const held = register(station);
      // No tick for a while: the charger stays at 0 A all that time.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const released = clock.now().getTime();
      const release = aProfile(clock, { periods: [[0, 32]], duration: 24 * 3600 });
      await server.call('SetChargingProfile', { connectorId: 0, csChargingProfiles: release });
      await station.tick();
      const hours = (clock.now().getTime() - released) / 3_600_000;
      expect(register(station) - held).toBeLessThanOrEqual(7360 * hours + 1);
    } finally {
      await station.stop();
    }
  });

  it('lets a TxProfile override the default for its transaction, until cleared or ended', async () => {
    const { station, clock, csms } = await aGenericCharger();
    const set = (connectorId: number, csChargingProfiles: ChargingProfile) =>
      csms.call('SetChargingProfile', { connectorId, csChargingProfiles });
    expect(await set(0, aProfile(clock, { periods: [[0, 0]] }))).toEqual({ status: 'Accepted' });
    const txProfile = (transactionId?: number) =>
      aProfile(clock, {
        chargingProfileId: 2,
        chargingProfilePurpose: 'TxProfile',
        ...(transactionId !== undefined ? { transactionId } : {}),
        periods: [[0, 16]],
      });
    // No transaction yet: a TxProfile is refused.
    expect(await set(1, txProfile())).toEqual({ status: 'Rejected' });

    const transactionId = await plugAndCharge(station);
    await eventually(() => csms.lastStatus() === 'SuspendedEVSE');
    expect(await set(1, txProfile(transactionId + 1))).toEqual({ status: 'Rejected' });
    expect(await set(0, txProfile(transactionId))).toEqual({ status: 'Rejected' });
    expect(await set(1, txProfile(transactionId))).toEqual({ status: 'Accepted' });
    await eventually(() => csms.lastStatus() === 'Charging');
    expect(station.state().chargingKw).toBeCloseTo(3.68, 9);
    expect(station.state().chargingLimit).toMatchObject({ chargingProfileId: 2, limit: 16 });

    expect(await csms.call('ClearChargingProfile', { id: 42 })).toEqual({ status: 'Unknown' });
    expect(await csms.call('ClearChargingProfile', { id: 2 })).toEqual({ status: 'Accepted' });
    await eventually(() => csms.lastStatus() === 'SuspendedEVSE');

    // A TxProfile goes with its transaction.
    expect(await set(1, txProfile())).toEqual({ status: 'Accepted' });
    expect(station.state().chargingProfiles).toHaveLength(2);
    station.unplug();
    await eventually(() => csms.of('StopTransaction').length === 1);
    expect(station.state().chargingProfiles.map((p) => p.chargingProfileId)).toEqual([1]);
    expect(
      await csms.call('ClearChargingProfile', { chargingProfilePurpose: 'TxDefaultProfile' }),
    ).toEqual({ status: 'Accepted' });
    expect(station.state().chargingProfiles).toEqual([]);
  });

  it("applies a RemoteStartTransaction's chargingProfile to the transaction it starts", async () => {
    const { station, clock, csms } = await aGenericCharger();
    csms.idTagStatus.set('GENERIC-LOCAL', 'Blocked');
    station.plug(new VirtualCar({ batteryKwh: 100, stateOfCharge: 0.1 }), 'm3');
    await eventually(
      () => csms.lastStatus() === 'Preparing' && csms.of('StartTransaction').length > 0,
    );
    const chargingProfile = aProfile(clock, {
      chargingProfileId: 5,
      chargingProfilePurpose: 'TxProfile',
      periods: [[0, 10]],
    });
    expect(
      await csms.call('RemoteStartTransaction', { idTag: 'WITTY-REMOTE', chargingProfile }),
    ).toEqual({ status: 'Accepted' });
    await eventually(() => csms.lastStatus() === 'Charging');
    expect(station.state().chargingKw).toBeCloseTo(2.3, 9);
    expect(station.state().chargingProfiles).toEqual([
      {
        connectorId: 1,
        ...chargingProfile,
        transactionId: station.state().transactionId,
      },
    ]);
  });

  it('keeps its profiles across a reconnection, and follows them while the link is down', async () => {
    const { station, clock, csms } = await aGenericCharger();
    await plugAndCharge(station);
    const profile = aProfile(clock, {
      periods: [
        [0, 0],
        [5400, 32],
      ],
      duration: 12 * 3600,
    });
    const switchAt = Date.parse(profile.chargingSchedule.startSchedule!) + 5_400_000;
    await csms.call('SetChargingProfile', { connectorId: 0, csChargingProfiles: profile });
    await eventually(() => csms.lastStatus() === 'SuspendedEVSE');

    csms.refuse = true;
    await csms.client!.close({ code: 1001, force: true });
    await eventually(() => !station.state().connected);
    const offline = register(station);
    const sent = csms.calls.length;
    await eventually(() => clock.now().getTime() > switchAt - 600_000);
    expect(register(station)).toBe(offline);
    // Still off-line after the limit rose: the charger charged on its own.
    await eventually(() => clock.now().getTime() > switchAt + 1_800_000);
    expect(station.state().connected).toBe(false);
    expect(station.state().chargingKw).toBeCloseTo(7.36, 9);
    expect(register(station)).toBeGreaterThan(offline + 1000);
    expect(csms.calls.length).toBe(sent);

    csms.refuse = false;
    await eventually(() => csms.of('BootNotification').length === 2, 8000);
    await eventually(() => csms.lastStatus() === 'Charging');
    expect(station.state().chargingProfiles).toHaveLength(1);
    expect(station.state().chargingLimit).toMatchObject({ chargingProfileId: 1, limit: 32 });
    expect(await csms.call('ClearChargingProfile', { id: profile.chargingProfileId })).toEqual({
      status: 'Accepted',
    });
  }, 15_000);

  it('sends the StopTransaction of a session that ended offline after it boots again', async () => {
    const { station, csms } = await aGenericCharger();
    const transactionId = await plugAndCharge(station);
    csms.refuse = true;
    await csms.client!.close({ code: 1001, force: true });
    await eventually(() => !station.state().connected);
    station.unplug();
    await eventually(() => station.state().plugged === null);
    expect(csms.of('StopTransaction')).toEqual([]);
    csms.refuse = false;
    await eventually(() => csms.of('StopTransaction').length === 1, 8000);
    expect(csms.of('StopTransaction')[0]!.params).toMatchObject({
      transactionId,
      reason: 'EVDisconnected',
    });
    await eventually(() => csms.lastStatus() === 'Available');
  }, 15_000);
});

describe('a generic charger without SmartCharging', () => {
  it('announces Core only and answers SetChargingProfile with a CALLERROR', async () => {
    const { station, clock, csms } = await aGenericCharger({ smartCharging: false });
    const keys = await csms.call('GetConfiguration', {
      key: ['SupportedFeatureProfiles', 'ChargeProfileMaxStackLevel'],
    });
    expect(keys).toEqual({
      configurationKey: [{ key: 'SupportedFeatureProfiles', readonly: true, value: 'Core' }],
      unknownKey: ['ChargeProfileMaxStackLevel'],
    });
    await expect(
      csms.call('SetChargingProfile', {
        connectorId: 0,
        csChargingProfiles: aProfile(clock, { periods: [[0, 0]] }),
      }),
    ).rejects.toMatchObject({ rpcErrorCode: 'NotImplemented' });
    await expect(csms.call('ClearChargingProfile', {})).rejects.toMatchObject({
      rpcErrorCode: 'NotImplemented',
    });
    expect(station.state()).toMatchObject({ smartCharging: false, chargingProfiles: [] });
    await plugAndCharge(station);
    await eventually(() => csms.lastStatus() === 'Charging');
  });
});

describe('the control API of a generic charger', () => {
  it('shows its kind and profiles, and refuses the Witty key switch and cybersecurity events', async () => {
    const clock = new SimClock(new Date(START), 60);
    const offline = new Simulation(clock);
    // Never connected: the control API reads and changes its state only.
    offline.add(aGenericStation('ws://127.0.0.1:9', clock));
    const app = await controlServer(offline);
    try {
      const state = await app.inject(`/stations/${UID}`);
      expect(state.json()).toMatchObject({
        kind: 'generic',
        smartCharging: true,
        chargingProfiles: [],
        chargingLimit: null,
      });
      for (const [path, payload] of [
        ['key', { locked: true }],
        ['cybersecurity', { event: 1 }],
      ] as const) {
        const response = await app.inject({
          method: 'POST',
          url: `/stations/${UID}/${path}`,
          payload,
        });
        expect(response.statusCode).toBe(400);
        expect(response.json().code).toBe('VALIDATION_FAILED');
      }
    } finally {
      await app.close();
    }
  });
});
