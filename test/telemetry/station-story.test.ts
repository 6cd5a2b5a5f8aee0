import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, describeEachDialect, type TestApp } from '../helpers/test-app.js';
import { aHome } from '../helpers/builders.js';
import { TestStation } from '../helpers/station.js';

const T0 = '2026-06-01T08:00:00.000Z'; // 10:00 in Paris (summer time)
const at = (minutes: number) => new Date(Date.parse(T0) + minutes * 60_000).toISOString();

describeEachDialect('station measures and logs from a session', (dialect) => {
  let t: TestApp;
  let token: string;
  let station: TestStation;
  let base: string;
  const post = (path: string, body: unknown) => t.api('POST', `${base}${path}`, { token, body });

  beforeAll(async () => {
    t = await createTestApp(dialect, {}, { listen: true });
    ({ token } = await t.user('owner'));
    const home = await aHome(t, token, { serialNumber: 'LOGS-1' });
    base = home.stationPath;
    const { device } = home;
    station = new TestStation({ url: t.wsUrl, uid: device.uid, password: device.password });
    await station.connect();
    await station.boot();

    // A 30-minute session without TIC consent: energy counts in Base (th) at the default price.
    await station.status(1, 'Available', { timestamp: at(-1) });
    await station.status(1, 'Preparing', { timestamp: at(0) });
    const transactionId = await station.startTransaction(1, 10_000, at(0));
    await station.status(1, 'Charging', { timestamp: at(0) });
    await station.meterValues(1, transactionId, at(10), 11_200, 7200);
    await station.meterValues(1, transactionId, at(20), 12_400, 7200);
    await station.status(1, 'Faulted', {
      errorCode: 'OtherError',
      vendorId: 'fr.hager.witty',
      vendorErrorCode: '3',
      timestamp: at(25),
    });
    await station.status(1, 'Charging', { timestamp: at(26) });
    await station.meterValues(1, transactionId, at(30), 13_000, 3600);
    await station.stopTransaction(transactionId, 13_000, at(30));
    await station.status(1, 'Finishing', { timestamp: at(30) });
    await station.dataTransfer('KeySwitch', { keySwitch: 'unlocked', evcsLocked: false });
    await station.dataTransfer('CyberSecurity', { event: 3, message: 'MyNewSSID' });
  });
  afterAll(async () => {
    await station.close();
    await t.close();
  });

  it('lists the catalogs', async () => {
    expect(
      (await t.api('GET', `${base}/measures`, { token }))
        .json()
        .map((m: { name: string }) => m.name),
    ).toEqual(['EnergyConsumption', 'ChargingPower', 'ConsumptionCost']);
    expect((await t.api('GET', `${base}/measures/1`, { token })).json()).toEqual({
      measureId: '1',
      name: 'EnergyConsumption',
      type: 'Energy',
      unit: 'kWh',
      periodicity: '10m',
    });
    expect((await t.api('GET', `${base}/logs/1`, { token })).json()).toEqual({
      logId: '1',
      name: 'SessionStart',
      periodicity: 'Immediate',
    });
  });

  it('sums the session energy and cost by hour in Base without TIC consent', async () => {
    const body = { startDate: at(0), endDate: at(60), step: 'hour' };
    expect((await post('/measures/1/operators/sum', body)).json()).toEqual([
      { date: T0, tariffType: 'hp', value: 3, valueTh: 3 }, // 1.2 + 1.2 + 0.6 kWh
    ]);
    expect((await post('/measures/3/operators/sum', body)).json()).toEqual([
      { date: T0, tariffType: 'hp', value: 0.582, valueTh: 0.582 }, // 3 kWh × 0.194
    ]);
    expect((await post('/measures/2/operators/min-max', body)).json()).toEqual([
      { date: T0, tariffType: 'hp', value: 7.2, valueMin: 3.6, valueMax: 7.2, valueTh: 7.2 },
    ]);
  });

  it('the last session’s cost is the sum of its priced samples', async () => {
    const { lastSession } = (await t.api('GET', base, { token })).json().properties;
    expect(lastSession).toMatchObject({
      totalSessionEnergy: 3,
      totalSessionCost: 0.582,
      sessionDuration: '00:30',
      chargingDuration: '00:29',
    });
  });

  it('logs the session, the fault, the key and the network event', async () => {
    const all = (
      await post('/logs/operators/list', {
        startDate: at(-5),
        endDate: new Date(Date.now() + 86_400_000).toISOString(),
      })
    ).json();
    expect(Array.isArray(all), JSON.stringify(all)).toBe(true);
    const byName = (name: string) =>
      all.filter((entry: { logName: string }) => entry.logName === name);
    expect(byName('SessionStart')).toEqual([
      { date: at(0), value: { evcsSocket: 'm3', evcsCableValue: null }, logName: 'SessionStart' },
    ]);
    expect(byName('SessionEnd')).toEqual([
      {
        date: at(30),
        value: { chargingDuration: 1740, sessionDuration: 1800, cost: 0.582, energy: 3 },
        logName: 'SessionEnd',
      },
    ]);
    expect(byName('Errors')).toEqual([
      { date: at(25), value: { code: 'carOverconsumption', state: true }, logName: 'Errors' },
      { date: at(26), value: { code: 'carOverconsumption', state: false }, logName: 'Errors' },
    ]);
    expect(
      byName('SocketState').map((e: { value: { socketState: string } }) => e.value.socketState),
    ).toEqual(['available', 'occupied', 'charging', 'inTrouble', 'charging', 'occupied']);
    expect(byName('KeySwitch')).toEqual([
      expect.objectContaining({ value: { keySwitch: 'unlocked' } }),
    ]);
    expect(byName('CyberSecurity')).toEqual([
      expect.objectContaining({
        value: { event: 3, timestamp: expect.any(String), message: 'MyNewSSID' },
      }),
    ]);
    expect(byName('ChargeMode')).toEqual([
      expect.objectContaining({ value: { chargeMode: 'immediate' } }),
    ]);
    // Oldest first by default, as the guide's station examples; `order: "desc"` reverses.
    const dates = all.map((entry: { date: string }) => entry.date);
    expect(dates).toEqual([...dates].sort());
    const newestFirst = (
      await post('/logs/operators/list', {
        startDate: at(-5),
        endDate: new Date(Date.now() + 86_400_000).toISOString(),
        order: 'desc',
      })
    ).json();
    expect(newestFirst).toEqual([...all].reverse());
    const errors = (
      await post('/logs/4/operators/list', { startDate: at(-5), endDate: at(60), order: 'desc' })
    ).json();
    expect(errors.map((entry: { value: { state: boolean } }) => entry.value.state)).toEqual([
      false,
      true,
    ]);
  });

  it('counts SessionStart records by day (local day start in UTC)', async () => {
    const response = await post('/logs/1/operators/count', {
      startDate: '2026-06-01T00:00:00.000Z',
      endDate: '2026-06-02T00:00:00.000Z',
      step: 'day',
    });
    expect(response.json()).toEqual([
      { date: '2026-05-31T22:00:00.000Z', value: 1, logName: 'SessionStart' },
    ]);
  });
});
