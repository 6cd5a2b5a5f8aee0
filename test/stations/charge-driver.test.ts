import { afterAll, beforeAll, expect, it } from 'vitest';
import { aHome, settled } from '../helpers/builders.js';
import { issueOperatorAccessToken } from '../../src/identity/index.js';
import { TestStation, type ReceivedCall } from '../helpers/station.js';
import { createTestApp, describeEachDialect, type TestApp } from '../helpers/test-app.js';

/**
 * The platform drives a generic charger by the declared tariff (src/stations/charge-driver.ts):
 * a real OCPP 1.6J peer in the test process, the platform's clock moved across the switches of
 * an HCHP subscription whose off-peak hours are 22:00-06:00 in Paris (21:00Z-05:00Z in winter).
 */
describeEachDialect('the platform drives a generic charger by the tariff', (dialect) => {
  let t: TestApp;
  let accountId: string;
  let serial = 0;

  beforeAll(async () => {
    t = await createTestApp(dialect, { WITTY_COMMAND_TIMEOUT_SECONDS: '5' }, { listen: true });
    ({ accountId } = (await t.user('owner')).account);
  });
  afterAll(() => t.close());

  /** A token of the owner (the test moves the platform's clock across days). */
  async function ownerToken(): Promise<string> {
    const { access_token } = await issueOperatorAccessToken(
      t.app.platform.provider,
      { config: t.config, identityStore: t.app.platform.identityStore, clock: t.clock },
      accountId,
    );
    return access_token;
  }

  async function api(method: 'GET' | 'PUT' | 'POST', url: string, body?: unknown) {
    const token = await ownerToken();
    const response = await t.api(method, url, { token, ...(body ? { body } : {}) });
    return response;
  }

  async function command(method: 'POST', url: string, body?: unknown) {
    const response = await api(method, url, body);
    expect(response.statusCode).toBe(202);
    return settled(t, await ownerToken(), response.headers.location!);
  }

  /** The same charger connecting again (a new connection and a boot). */
  async function reconnect(
    station: TestStation,
    home: { device: { uid: string; password: string } },
    smartCharging = false,
  ) {
    await station.close();
    const again = new TestStation({
      url: t.wsUrl,
      uid: home.device.uid,
      password: home.device.password,
      generic: true,
      smartCharging,
    });
    await again.connect();
    return again;
  }

  const HP_EVENING = '2026-01-15T20:00:00.000Z';
  const HC_NIGHT = '2026-01-15T21:00:30.000Z';
  const HP_MORNING = '2026-01-16T05:00:30.000Z';
  const HC_NEXT_NIGHT = '2026-01-16T21:00:30.000Z';

  async function until<T>(read: () => Promise<T | undefined> | T | undefined): Promise<T> {
    for (let i = 0; i < 250; i++) {
      const value = await read();
      if (value !== undefined) return value;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error('condition not reached');
  }

  const pause = (ms = 150) => new Promise((resolve) => setTimeout(resolve, ms));

  /** A home with a declared HCHP subscription (22:00-06:00 in Paris). */
  async function declaredHome() {
    t.clock.set(HP_EVENING);
    const home = await aHome(t, await ownerToken(), {
      serialNumber: `DRIVE-${dialect}-${++serial}`,
    });
    const declared = await api('PUT', `${home.meterPath}/subscription`, {
      gridSubscription: 'HCHP',
      offPeakHours: ['22:00-06:00'],
    });
    expect(declared.statusCode).toBe(200);
    return home;
  }

  /** A home with a declared HCHP subscription and a generic charger online, in `mode`. */
  async function genericHome(mode: string, smartCharging: boolean) {
    const home = await declaredHome();
    const station = new TestStation({
      url: t.wsUrl,
      uid: home.device.uid,
      password: home.device.password,
      generic: true,
      smartCharging,
    });
    await station.connect();
    await station.boot();
    await station.status(1, 'Available');
    const set = await command('POST', `${home.stationPath}/operators/set-charge-mode`, {
      chargeMode: mode,
    });
    expect(set.status).toBe('accepted');
    // The plan that follows the mode change is done.
    await until(async () => (await device(home.device.uid))?.charge_next_switch_at ?? undefined);
    return { home, station };
  }

  /** The platform's calls of an action the station received after `from`. */
  const callsOf = (station: TestStation, action: string, from = 0): ReceivedCall[] =>
    station.received.slice(from).filter((call) => call.action === action);

  /** The switch job runs, and the charger gets the platform's start on connector 1. */
  async function runDueStarts(station: TestStation): Promise<void> {
    const start = station.nextCall('RemoteStartTransaction');
    await t.app.chargeDriver.runDue();
    expect((await start).params).toEqual({ connectorId: 1, idTag: 'WITTY-REMOTE' });
  }

  const device = (uid: string) => t.app.platform.deviceStore.find(uid);

  async function chargeModeLog(home: { stationPath: string }) {
    // The ChargeMode log is logId 3 (the guide's catalog).
    const response = await api('POST', `${home.stationPath}/logs/3/operators/list`, {
      startDate: '2026-01-15T00:00:00.000Z',
      endDate: '2026-01-17T00:00:00.000Z',
    });
    expect(response.statusCode).toBe(200);
    return response.json<{ value: Record<string, unknown> }[]>().map((entry) => entry.value);
  }

  const localStart = async (station: TestStation, at: string) =>
    (
      (await station.client.call('StartTransaction', {
        connectorId: 1,
        idTag: 'TAG1',
        meterStart: 0,
        timestamp: at,
      })) as { transactionId: number; idTagInfo: { status: string } }
    ).idTagInfo.status;

  it('remote start/stop: a car waits through HP, starts at HC and stops at HP in deferredExclusive', async () => {
    const { home, station } = await genericHome('deferredExclusive', false);
    try {
      await station.status(1, 'Preparing');
      // The car's own start in HP waits for the low tariff.
      expect(await localStart(station, HP_EVENING)).toBe('Blocked');
      // The plug-in is planned for shortly after; at HP nothing is sent, the next plan is HC's.
      const seen = station.received.length;
      t.clock.advance(31_000);
      expect(await t.app.chargeDriver.runDue()).toBeGreaterThanOrEqual(1);
      expect((await device(home.device.uid))?.charge_next_switch_at).toBe(
        '2026-01-15T21:00:00.000Z',
      );
      expect(station.received.slice(seen)).toEqual([]);

      t.clock.set(HC_NIGHT);
      await runDueStarts(station);
      const transactionId = await station.startTransaction(1, 1000, HC_NIGHT, 'WITTY-REMOTE');
      await station.status(1, 'Charging');

      t.clock.set(HP_MORNING);
      const stop = station.nextCall('RemoteStopTransaction');
      await t.app.chargeDriver.runDue();
      expect((await stop).params).toEqual({ transactionId });
      await station.stopTransaction(transactionId, 9000, HP_MORNING, 'Remote');
      await station.status(1, 'Finishing');

      // The next night the car (still plugged) starts again.
      t.clock.set(HC_NEXT_NIGHT);
      await runDueStarts(station);

      // Every decision is in the ChargeMode log, and each call is a command.
      const decisions = (await chargeModeLog(home)).filter((value) => 'trigger' in value);
      expect(decisions).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ trigger: 'switch', tariff: 'hc', steps: ['remoteStart'] }),
          expect.objectContaining({ trigger: 'switch', tariff: 'hp', steps: ['remoteStop'] }),
        ]),
      );
      const commands = (await api('GET', `${home.stationPath}/commands`)).json<
        { type: string; request: { step?: string } }[]
      >();
      expect(commands.filter((c) => c.type === 'chargePlan').map((c) => c.request.step)).toEqual(
        expect.arrayContaining(['remoteStart', 'remoteStop']),
      );
    } finally {
      await station.close();
    }
  });

  it('deferred runs on into HP, and a local start at HC is accepted', async () => {
    const { home, station } = await genericHome('deferred', false);
    try {
      await station.status(1, 'Preparing');
      t.clock.set(HC_NIGHT);
      await t.app.chargeDriver.runDue();
      await until(() => callsOf(station, 'RemoteStartTransaction')[0]);
      // The charger's own start at the low tariff is accepted as well.
      expect(await localStart(station, HC_NIGHT)).toBe('Accepted');
      const seen = station.received.length;
      t.clock.set(HP_MORNING);
      await t.app.chargeDriver.runDue();
      await pause(100);
      expect(callsOf(station, 'RemoteStopTransaction', seen)).toEqual([]);
      expect((await device(home.device.uid))?.charge_tariff).toBe('hp');
    } finally {
      await station.close();
    }
  });

  it('a car plugged in the middle of a low period, into a charger that waits for a badge, is started shortly after', async () => {
    const { station } = await genericHome('deferred', false);
    try {
      t.clock.set(HC_NIGHT);
      await t.app.chargeDriver.runDue();
      t.clock.set('2026-01-15T23:00:00.000Z');
      await station.status(1, 'Preparing');
      await t.app.chargeDriver.runDue();
      expect(callsOf(station, 'RemoteStartTransaction')).toEqual([]);
      t.clock.advance(31_000);
      await runDueStarts(station);
    } finally {
      await station.close();
    }
  });

  it('a new declaration is followed at once: off-peak hours that begin earlier start the waiting car', async () => {
    const { home, station } = await genericHome('deferredExclusive', false);
    try {
      await station.status(1, 'Preparing');
      t.clock.advance(31_000);
      await t.app.chargeDriver.runDue();
      expect(callsOf(station, 'RemoteStartTransaction')).toEqual([]);
      const declared = await api('PUT', `${home.meterPath}/subscription`, {
        gridSubscription: 'HCHP',
        offPeakHours: ['20:00-06:00'],
      });
      expect(declared.statusCode).toBe(200);
      await runDueStarts(station);
    } finally {
      await station.close();
    }
  });

  it('the owner’s manual start in HP charges until the next switch, and the manual stop at HC waits for the next one', async () => {
    const started = await genericHome('deferredExclusive', false);
    const { home } = started;
    let { station } = started;
    try {
      await station.status(1, 'Preparing');
      expect((await command('POST', `${home.stationPath}/operators/start`)).status).toBe(
        'accepted',
      );
      const transactionId = await station.startTransaction(1, 0, HP_EVENING, 'WITTY-REMOTE');
      await station.status(1, 'Charging');
      // A reconnection in HP does not stop the manual start.
      station = await reconnect(station, home);
      await station.boot();
      await pause();
      expect(callsOf(station, 'RemoteStopTransaction')).toEqual([]);

      // At HC the override ends; the charge goes on (HC), then stops at HP.
      t.clock.set(HC_NIGHT);
      await t.app.chargeDriver.runDue();
      expect((await device(home.device.uid))?.charge_override).toBeNull();
      t.clock.set(HP_MORNING);
      const stop = station.nextCall('RemoteStopTransaction');
      await t.app.chargeDriver.runDue();
      expect((await stop).params).toEqual({ transactionId });
      await station.stopTransaction(transactionId, 5000, HP_MORNING, 'Remote');
      await station.status(1, 'Finishing');

      // Next night: started again at HC; then the owner stops it; a reconnection does not
      // restart it before the next switch.
      t.clock.set(HC_NEXT_NIGHT);
      await t.app.chargeDriver.runDue();
      await until(() => callsOf(station, 'RemoteStartTransaction')[0]);
      const second = await station.startTransaction(1, 5000, HC_NEXT_NIGHT, 'WITTY-REMOTE');
      await station.status(1, 'Charging');
      expect((await command('POST', `${home.stationPath}/operators/stop`)).status).toBe('accepted');
      await station.stopTransaction(second, 6000, HC_NEXT_NIGHT, 'Remote');
      await station.status(1, 'Finishing');
      expect((await device(home.device.uid))?.charge_override).toBe('stop');
      station = await reconnect(station, home);
      await station.boot();
      await pause();
      expect(callsOf(station, 'RemoteStartTransaction')).toEqual([]);
    } finally {
      await station.close();
    }
  });

  it('Smart Charging: a tariff profile that holds the charge in HP, a deferred charge’s own profile, both sent again after a reconnect', async () => {
    const started = await genericHome('deferred', true);
    const { home } = started;
    let { station } = started;
    try {
      const installed = await until(() => callsOf(station, 'SetChargingProfile')[0]);
      expect(installed.params).toMatchObject({
        connectorId: 0,
        csChargingProfiles: {
          chargingProfileId: 7301,
          stackLevel: 0,
          chargingProfilePurpose: 'TxDefaultProfile',
          chargingProfileKind: 'Absolute',
          chargingSchedule: { duration: 172800, chargingRateUnit: 'A' },
        },
      });
      const schedule = (
        installed.params.csChargingProfiles as {
          chargingSchedule: {
            startSchedule: string;
            chargingSchedulePeriod: { startPeriod: number; limit: number }[];
          };
        }
      ).chargingSchedule;
      const start = Date.parse(schedule.startSchedule);
      // 0 A until 21:00Z, 32 A until 05:00Z, 0 A until 21:00Z, 32 A…
      expect(
        schedule.chargingSchedulePeriod.map((p) => [
          new Date(start + p.startPeriod * 1000).toISOString().slice(0, 16),
          p.limit,
        ]),
      ).toEqual([
        [new Date(start).toISOString().slice(0, 16), 0],
        ['2026-01-15T21:00', 32],
        ['2026-01-16T05:00', 0],
        ['2026-01-16T21:00', 32],
        ['2026-01-17T05:00', 0],
      ]);
      await until(async () => (await device(home.device.uid))?.charge_profile_until ?? undefined);

      // The charger holds the charge itself: its own start in HP is accepted.
      await station.status(1, 'Preparing');
      const txProfile = station.nextCall('SetChargingProfile');
      const transactionId = await station.startTransaction(1, 0, HP_EVENING, 'TAG1');
      expect((await txProfile).params).toMatchObject({
        connectorId: 1,
        csChargingProfiles: {
          chargingProfileId: 7302,
          transactionId,
          chargingProfilePurpose: 'TxProfile',
          chargingSchedule: {
            chargingSchedulePeriod: [{ startPeriod: 0, limit: 0 }, { limit: 32 }],
          },
        },
      });
      await station.status(1, 'SuspendedEVSE');

      // After a reconnection both profiles are sent again; no remote stop ever.
      station = await reconnect(station, home, true);
      await station.boot();
      await until(() => (callsOf(station, 'SetChargingProfile').length >= 2 ? true : undefined));
      const purposes = callsOf(station, 'SetChargingProfile').map(
        (call) =>
          (call.params.csChargingProfiles as { chargingProfilePurpose: string })
            .chargingProfilePurpose,
      );
      expect(purposes.sort()).toEqual(['TxDefaultProfile', 'TxProfile']);
      expect(callsOf(station, 'RemoteStopTransaction')).toEqual([]);

      // Back in immediate (car unplugged) the tariff profile is cleared.
      await station.stopTransaction(transactionId, 100, HP_EVENING, 'EVDisconnected');
      await station.status(1, 'Available');
      const clear = station.nextCall('ClearChargingProfile');
      await command('POST', `${home.stationPath}/operators/set-charge-mode`, {
        chargeMode: 'immediate',
      });
      expect((await clear).params).toEqual({ id: 7301 });
      await until(async () =>
        (await device(home.device.uid))?.charge_profile_until === null ? true : undefined,
      );
      expect((await device(home.device.uid))?.charge_next_switch_at).toBeNull();
    } finally {
      await station.close();
    }
  });

  it('a transaction profile the charger refused goes again shortly after', async () => {
    const { home, station } = await genericHome('deferred', true);
    try {
      await until(async () => (await device(home.device.uid))?.charge_profile_until ?? undefined);
      let refusals = 1;
      station.answers.set('SetChargingProfile', (params) =>
        (params.csChargingProfiles as { chargingProfilePurpose: string }).chargingProfilePurpose ===
          'TxProfile' && refusals-- > 0
          ? { status: 'Rejected' }
          : { status: 'Accepted' },
      );
      await station.status(1, 'Preparing');
      const transactionId = await station.startTransaction(1, 0, HP_EVENING, 'TAG1');
      const txProfiles = () =>
        callsOf(station, 'SetChargingProfile').filter(
          (call) =>
            (call.params.csChargingProfiles as { transactionId?: number }).transactionId ===
            transactionId,
        );
      await until(() => (txProfiles().length === 1 ? true : undefined));
      await until(async () => {
        const next = (await device(home.device.uid))?.charge_next_switch_at;
        return next && next < '2026-01-15T20:05:00.000Z' ? true : undefined;
      });
      t.clock.advance(31_000);
      await t.app.chargeDriver.runDue();
      await until(() => (txProfiles().length === 2 ? true : undefined));
    } finally {
      await station.close();
    }
  });

  it('a charger that refuses the tariff profile is driven by remote start and stop', async () => {
    const home = await declaredHome();
    const station = new TestStation({
      url: t.wsUrl,
      uid: home.device.uid,
      password: home.device.password,
      generic: true,
      smartCharging: true,
    });
    station.answers.set('SetChargingProfile', () => ({ status: 'Rejected' }));
    await station.connect();
    await station.boot();
    try {
      await command('POST', `${home.stationPath}/operators/set-charge-mode`, {
        chargeMode: 'deferredExclusive',
      });
      await until(async () =>
        (await device(home.device.uid))?.smart_charging === 0 ? true : undefined,
      );
      await station.status(1, 'Preparing');
      expect(await localStart(station, HP_EVENING)).toBe('Blocked');
      t.clock.set(HC_NIGHT);
      await runDueStarts(station);
    } finally {
      await station.close();
    }
  });

  it('a Witty station applies its mode itself: the platform plans nothing for it', async () => {
    t.clock.set(HP_EVENING);
    const home = await aHome(t, await ownerToken(), {
      serialNumber: `DRIVE-${dialect}-${++serial}`,
    });
    const station = await TestStation.online(t.wsUrl, home.device);
    try {
      const set = await command('POST', `${home.stationPath}/operators/set-charge-mode`, {
        chargeMode: 'deferred',
      });
      expect(set.status).toBe('accepted');
      await pause(100);
      expect((await device(home.device.uid))?.charge_next_switch_at).toBeNull();
      expect(callsOf(station, 'RemoteStartTransaction')).toEqual([]);
    } finally {
      await station.close();
    }
  });
});
