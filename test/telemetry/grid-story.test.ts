import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, describeEachDialect, type TestApp } from '../helpers/test-app.js';
import { aHome } from '../helpers/builders.js';
import { TestStation } from '../helpers/station.js';

const T0 = '2026-03-10T21:00:00.000Z'; // 22:00 in Paris
const at = (minutes: number) => new Date(Date.parse(T0) + minutes * 60_000).toISOString();

/** A historic HCHP frame as label → value (the gateway also takes raw datasets). */
const hchp = (hc: number, hp: number, ptec: 'HC..' | 'HP..', papp = 1500, iinst = 7) => ({
  ADCO: '021728123456',
  OPTARIF: 'HC..',
  ISOUSC: '30',
  HCHC: String(hc).padStart(9, '0'),
  HCHP: String(hp).padStart(9, '0'),
  PTEC: ptec,
  IINST: String(iinst).padStart(3, '0'),
  PAPP: String(papp).padStart(5, '0'),
});

describeEachDialect('grid meter: consent, TIC, measures, logs and tariffs', (dialect) => {
  let t: TestApp;
  let token: string;
  let installationId: number;
  let station: TestStation;
  let meter: string;
  let stationPath: string;

  const tic = (labels: Record<string, string>, timestamp: string) =>
    station.dataTransfer('Tic', { labels, timestamp }) as Promise<{ status: string }>;
  const post = (path: string, body: unknown) => t.api('POST', path, { token, body });

  beforeAll(async () => {
    t = await createTestApp(dialect, {}, { listen: true });
    ({ token } = await t.user('owner'));
    const home = await aHome(t, token, { serialNumber: 'GRID-1' });
    installationId = home.installationId;
    stationPath = home.stationPath;
    meter = home.meterPath;
    const { device } = home;
    station = new TestStation({ url: t.wsUrl, uid: device.uid, password: device.password });
    station.configuration.set('WittyAuthorizeTic', 'false');
    await station.connect();
    await station.boot();
  });
  afterAll(async () => {
    await station.close();
    await t.close();
  });

  describe('before consent', () => {
    it('the grid meter exists, with no TIC data', async () => {
      const [gridMeter] = (
        await t.api('GET', `/v1/installations/${installationId}/grid-meters`, { token })
      ).json();
      expect(gridMeter).toMatchObject({
        installationParentId: installationId,
        type: 'gridMeter',
        properties: {
          generalConsumption: null,
          ticType: null,
          currentTariff: null,
          gridSubscription: null,
        },
      });
    });

    it.each([
      ['GET', ''],
      ['POST', '/measures/1/operators/sum'],
      ['POST', '/logs/1/operators/list'],
      ['GET', '/tariffs'],
    ] as const)('%s grid meter%s → 403 TIC_CONSENT_REQUIRED', async (method, path) => {
      const response = await t.api(method, `${meter}${path}`, {
        token,
        ...(method === 'POST'
          ? {
              body: {
                startDate: T0,
                endDate: at(60),
                ...(path.includes('measures') ? { step: 'hour' } : {}),
              },
            }
          : {}),
      });
      expect(response.statusCode).toBe(403);
      expect(response.json().code).toBe('TIC_CONSENT_REQUIRED');
    });

    it('a TIC frame sent without consent is refused and not kept', async () => {
      expect(await tic(hchp(999, 999, 'HP..'), T0)).toEqual({ status: 'Rejected' });
    });
  });

  describe('with consent', () => {
    it('authorize-tic answers the consent and passes it to the station', async () => {
      const received = station.nextCall('ChangeConfiguration');
      const response = await post(`${meter}/operators/authorize-tic`, { authorizeTIC: true });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ authorizeTIC: true });
      expect((await received).params).toEqual({ key: 'WittyAuthorizeTic', value: 'true' });
      expect((await t.api('GET', stationPath, { token })).json().properties.authorizeTic).toBe(
        'consent',
      );
    });

    it('TIC frames become the grid meter state', async () => {
      // 22:00 HP (baseline), 22:10 HP +500 Wh, 22:20 HC +300 Wh, 22:30 HC +200 Wh
      expect(await tic(hchp(1_000_000, 2_000_000, 'HP..'), at(0))).toEqual({ status: 'Accepted' });
      await tic(hchp(1_000_000, 2_000_500, 'HP..', 2000, 9), at(10));
      await tic(hchp(1_000_300, 2_000_500, 'HC..', 1000, 4), at(20));
      await tic(hchp(1_000_500, 2_000_500, 'HC..', 1200, 5), at(30));
      const response = await t.api('GET', meter, { token });
      expect(response.statusCode).toBe(200);
      expect(response.json().properties).toEqual({
        generalConsumption: {
          consumptionTotalIndex: 3_001_000,
          consumptions: [
            { name: 'HC', value: 1_000_500 },
            { name: 'HP', value: 2_000_500 },
          ],
        },
        ticType: 5,
        intensitySubscribed: 30,
        currentTariff: 'HC',
        gridSubscription: 'HCHP',
      });
    });

    it('sum of EnergyConsumption by hour, grouped by tariff type', async () => {
      const response = await post(`${meter}/measures/1/operators/sum`, {
        startDate: T0,
        endDate: at(60),
        step: 'hour',
      });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual([
        { date: T0, tariffType: 'hc', value: 0.5, valueHc: 0.5 },
        { date: T0, tariffType: 'hp', value: 0.5, valueHp: 0.5 },
      ]);
    });

    it('count, average and min-max of ApparentPower', async () => {
      const body = { startDate: T0, endDate: at(60), step: 'hour' };
      const count = (await post(`${meter}/measures/3/operators/count`, body)).json();
      expect(count).toEqual([
        { date: T0, tariffType: 'hc', value: 2, valueHc: 2 },
        { date: T0, tariffType: 'hp', value: 2, valueHp: 2 },
      ]);
      const average = (await post(`${meter}/measures/3/operators/average`, body)).json();
      expect(average).toEqual([
        { date: T0, tariffType: 'hc', value: 1100, valueHc: 1100 },
        { date: T0, tariffType: 'hp', value: 1750, valueHp: 1750 },
      ]);
      const minMax = (await post(`${meter}/measures/3/operators/min-max`, body)).json();
      expect(minMax).toEqual([
        { date: T0, tariffType: 'hc', value: 1200, valueMin: 1000, valueMax: 1200, valueHc: 1200 },
        { date: T0, tariffType: 'hp', value: 2000, valueMin: 1500, valueMax: 2000, valueHp: 2000 },
      ]);
    });

    it('a day step buckets by local day (Paris), start reported in UTC', async () => {
      const response = await post(`${meter}/measures/1/operators/sum`, {
        startDate: '2026-03-10T00:00:00.000Z',
        endDate: '2026-03-12T00:00:00.000Z',
        step: 'day',
      });
      // 22:00–22:30 Paris is on 10 March, whose local day starts at 2026-03-09T23:00Z.
      expect(response.json()).toEqual([
        { date: '2026-03-09T23:00:00.000Z', tariffType: 'hc', value: 0.5, valueHc: 0.5 },
        { date: '2026-03-09T23:00:00.000Z', tariffType: 'hp', value: 0.5, valueHp: 0.5 },
      ]);
    });

    it('costs use the default prices until the owner sets prices, then are priced again', async () => {
      const body = { startDate: T0, endDate: at(60), step: 'hour' };
      expect((await post(`${meter}/measures/2/operators/sum`, body)).json()).toEqual([
        { date: T0, tariffType: 'hc', value: 0.07895, valueHc: 0.07895 }, // 0.5 kWh × 0.1579
        { date: T0, tariffType: 'hp', value: 0.10325, valueHp: 0.10325 }, // 0.5 kWh × 0.2065
      ]);
      const defaults = (await t.api('GET', `${meter}/tariffs`, { token })).json();
      expect(defaults).toEqual([
        expect.objectContaining({
          id: 'hc',
          isDefault: true,
          currency: 'eur',
          values: [{ beginDate: expect.any(String), value: 0.1579 }],
        }),
        expect.objectContaining({
          id: 'hp',
          isDefault: true,
          values: [{ beginDate: expect.any(String), value: 0.2065 }],
        }),
      ]);

      const set = await post(`${meter}/tariffs`, [
        { id: 'hc', currency: 'eur', beginDate: at(15), value: 0.2 },
        { id: 'hp', currency: 'eur', beginDate: at(15), value: 0.3 },
      ]);
      expect(set.statusCode).toBe(201);
      expect(set.json()[0]).toMatchObject({
        id: 'hc',
        isDefault: false,
        values: [{ beginDate: at(15), value: 0.2 }],
      });
      // Samples are dated at the start of their 10 minutes: hp 0.5 kWh at 22:00 and hc 0.3 kWh at
      // 22:10 keep the default prices (before 22:15); hc 0.2 kWh at 22:20 costs 0.2.
      // hc: 0.3 × 0.1579 + 0.2 × 0.2 = 0.04737 + 0.04 = 0.08737
      expect((await post(`${meter}/measures/2/operators/sum`, body)).json()).toEqual([
        { date: T0, tariffType: 'hc', value: 0.08737, valueHc: 0.08737 },
        { date: T0, tariffType: 'hp', value: 0.10325, valueHp: 0.10325 },
      ]);
    });

    it('a price with a date JavaScript cannot read (a leap second) is 400, not 500', async () => {
      const response = await post(`${meter}/tariffs`, [
        { id: 'hc', currency: 'eur', beginDate: '2026-06-30T23:59:60Z', value: 0.2 },
        { id: 'hp', currency: 'eur', beginDate: '2026-06-30T23:59:60Z', value: 0.3 },
      ]);
      expect(response.statusCode).toBe(400);
      expect(response.json().code).toBe('VALIDATION_FAILED');
    });

    it('a price set must cover exactly the subscription’s tariffs', async () => {
      const response = await post(`${meter}/tariffs`, [
        { id: 'th', currency: 'eur', beginDate: T0, value: 0.2 },
      ]);
      expect(response.statusCode).toBe(400);
      expect(response.json().errors.map((e: { message: string }) => e.message)).toEqual([
        'a price for hc is required by the HCHP subscription',
        'a price for hp is required by the HCHP subscription',
        'th is not a tariff of the HCHP subscription',
      ]);
    });

    it('logs: CurrentTariff and TicType records, count by hour, list of all', async () => {
      // Newest first by default, as the guide's grid meter examples; `order: "asc"` for oldest first.
      const list = (
        await post(`${meter}/logs/1/operators/list`, { startDate: T0, endDate: at(60) })
      ).json();
      expect(list).toEqual([
        { date: at(20), value: { currentTariff: 'HC' }, logName: 'CurrentTariff' },
        { date: at(0), value: { currentTariff: 'HP' }, logName: 'CurrentTariff' },
      ]);
      const oldestFirst = (
        await post(`${meter}/logs/1/operators/list`, {
          startDate: T0,
          endDate: at(60),
          order: 'asc',
        })
      ).json();
      expect(oldestFirst).toEqual([...list].reverse());
      const newestFirst = await post(`${meter}/logs/1/operators/list`, {
        startDate: T0,
        endDate: at(60),
        order: 'desc',
      });
      expect(newestFirst.json()).toEqual(list);
      const count = (
        await post(`${meter}/logs/1/operators/count`, {
          startDate: T0,
          endDate: at(60),
          step: 'hour',
        })
      ).json();
      expect(count).toEqual([{ date: T0, value: 2, logName: 'CurrentTariff' }]);
      const all = (
        await post(`${meter}/logs/operators/list`, { startDate: T0, endDate: at(60) })
      ).json();
      expect(all).toContainEqual({
        date: at(0),
        value: { ticType: 'historicMono' },
        logName: 'TicType',
      });
      const dates = all.map((entry: { date: string }) => entry.date);
      expect(dates).toEqual([...dates].sort().reverse());
      const ascending = (
        await post(`${meter}/logs/operators/list`, {
          startDate: T0,
          endDate: at(60),
          order: 'asc',
        })
      ).json();
      expect(ascending.map((entry: { date: string }) => entry.date)).toEqual([...dates].sort());
    });

    it('withdrawing consent stops serving TIC data', async () => {
      await post(`${meter}/operators/authorize-tic`, { authorizeTIC: false });
      expect((await t.api('GET', meter, { token })).statusCode).toBe(403);
      expect(await tic(hchp(1_000_600, 2_000_500, 'HC..'), at(40))).toEqual({ status: 'Rejected' });
    });
  });
});
