import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aHome } from '../helpers/builders.js';
import { TestStation } from '../helpers/station.js';
import { createTestApp, describeEachDialect, type TestApp } from '../helpers/test-app.js';

// A generic charger sends no TIC: the owner declares the grid subscription, and the station's
// consumption is counted and priced by the declared hours until TIC data, consented, wins.

const T0 = '2026-03-10T20:40:00.000Z'; // 21:40 in Paris (winter time)
const at = (minutes: number) => new Date(Date.parse(T0) + minutes * 60_000).toISOString();

/** A historic HCHP frame as label → value. */
const hchpFrame = (hc: number, hp: number, ptec: 'HC..' | 'HP..') => ({
  ADCO: '021728123456',
  OPTARIF: 'HC..',
  ISOUSC: '30',
  HCHC: String(hc).padStart(9, '0'),
  HCHP: String(hp).padStart(9, '0'),
  PTEC: ptec,
  IINST: '007',
  PAPP: '01500',
});

describeEachDialect('a declared grid subscription, without TIC', (dialect) => {
  let t: TestApp;
  let owner: string;
  let installer: string;
  let stranger: string;
  let installationId: number;
  let meter: string;
  let stationPath: string;
  let station: TestStation;

  const subscription = () => `${meter}/subscription`;
  const api = (
    method: 'GET' | 'PUT' | 'DELETE' | 'POST',
    url: string,
    body?: unknown,
    token = owner,
  ) => t.api(method, url, { token, ...(body === undefined ? {} : { body }) });

  beforeAll(async () => {
    t = await createTestApp(dialect, {}, { listen: true });
    ({ token: owner } = await t.user('owner'));
    ({ token: stranger } = await t.user('owner'));
    const installerUser = await t.user('installer');
    installer = installerUser.token;
    const home = await aHome(t, owner, { serialNumber: `DECLARED-${dialect}` });
    ({ installationId, stationPath, meterPath: meter } = home);
    await t.app.platform.store.db
      .insertInto('installation_users')
      .values({
        installation_id: installationId,
        account_id: installerUser.account.accountId,
        role_code: 'installer',
        enabled: 1,
        created_at: new Date().toISOString(),
      })
      .execute();
    station = new TestStation({
      url: t.wsUrl,
      uid: home.device.uid,
      password: home.device.password,
    });
    station.configuration.set('WittyAuthorizeTic', 'false');
    await station.connect();
    await station.boot();
    t.clock.set('2026-03-10T21:30:00.000Z'); // 22:30 in Paris
  });
  afterAll(async () => {
    await station.close();
    await t.close();
  });

  describe('before a declaration', () => {
    it('GET subscription answers 409 SUBSCRIPTION_NOT_DETECTED', async () => {
      const response = await api('GET', subscription());
      expect(response.statusCode).toBe(409);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.json().code).toBe('SUBSCRIPTION_NOT_DETECTED');
    });

    it('tariffs and the meter still need the TIC consent', async () => {
      expect((await api('GET', `${meter}/tariffs`)).json().code).toBe('TIC_CONSENT_REQUIRED');
      expect((await api('GET', meter)).json().code).toBe('TIC_CONSENT_REQUIRED');
    });
  });

  describe('refused declarations', () => {
    it.each([
      ['BASE with hours', { gridSubscription: 'BASE', offPeakHours: ['22:00-06:00'] }, /BASE/],
      ['HCHP without hours', { gridSubscription: 'HCHP' }, /needs its off-peak hours/],
      ['HCHP with no window', { gridSubscription: 'HCHP', offPeakHours: [] }, /needs/],
      ['EJP with hours', { gridSubscription: 'EJP', offPeakHours: ['22:00-06:00'] }, /EJP/],
      ['a bad window', { gridSubscription: 'HCHP', offPeakHours: ['22h-6h'] }, /HH:MM-HH:MM/],
      ['a window past 24:00', { gridSubscription: 'HCHP', offPeakHours: ['22:00-25:00'] }, /HH/],
      ['an empty window', { gridSubscription: 'HCHP', offPeakHours: ['01:00-01:00'] }, /empty/],
      [
        'windows that overlap',
        { gridSubscription: 'HCHP', offPeakHours: ['22:00-06:00', '05:30-07:00'] },
        /overlap/,
      ],
      ['STANDARD, read from the TIC only', { gridSubscription: 'STANDARD' }, /must be one of/],
      ['an unknown member', { gridSubscription: 'BASE', peak: true }, /peak/],
    ])('%s → 400 VALIDATION_FAILED', async (_case, body, message) => {
      const response = await api('PUT', subscription(), body);
      expect(response.statusCode).toBe(400);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      const problem = response.json();
      expect(problem.code).toBe('VALIDATION_FAILED');
      expect(problem.errors.length).toBeGreaterThan(0);
      expect(JSON.stringify(problem.errors)).toMatch(message);
      expect((await api('GET', subscription())).statusCode).toBe(409);
    });
  });

  describe('who may call the subscription routes', () => {
    const body = { gridSubscription: 'BASE' };
    it.each(['GET', 'PUT', 'DELETE'] as const)('%s: each failure', async (method) => {
      const send = (url: string, token?: string) =>
        t.api(method, url, {
          ...(token ? { token } : {}),
          ...(method === 'PUT' ? { body } : {}),
        });
      const unknownInstallation = await send(
        subscription().replace(`/installations/${installationId}/`, '/installations/999999/'),
        owner,
      );
      expect([unknownInstallation.statusCode, unknownInstallation.json().code]).toEqual([
        404,
        'INSTALLATION_NOT_FOUND',
      ]);
      const unknownMeter = await send(
        `/v1/installations/${installationId}/grid-meters/${randomUUID()}/subscription`,
        owner,
      );
      expect([unknownMeter.statusCode, unknownMeter.json().code]).toEqual([
        404,
        'GRID_METER_NOT_FOUND',
      ]);
      const otherAccount = await send(subscription(), stranger);
      expect([otherAccount.statusCode, otherAccount.json().code]).toEqual([
        404,
        'INSTALLATION_NOT_FOUND',
      ]);
      const byInstaller = await send(subscription(), installer);
      expect([byInstaller.statusCode, byInstaller.json().code]).toEqual([
        403,
        'INSTALLATION_ACCESS_DENIED',
      ]);
      const anonymous = await send(subscription());
      expect(anonymous.statusCode).toBe(401);
      // None of them declared anything.
      expect((await api('GET', subscription())).statusCode).toBe(409);
    });
  });

  describe('HCHP declared 22:00-06:00', () => {
    const declaredAt = '2026-03-10T21:30:00.000Z';
    // The test clock runs on from where it is set.
    const declaredDate = expect.stringMatching(/^2026-03-10T21:30:0/);

    it('PUT declares it and answers the subscription in force', async () => {
      t.clock.set(declaredAt);
      const response = await api('PUT', subscription(), {
        gridSubscription: 'HCHP',
        offPeakHours: ['22:00-06:00'],
      });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({
        gridSubscription: 'HCHP',
        offPeakHours: ['22:00-06:00'],
        source: 'declared',
        declaredSubscription: {
          gridSubscription: 'HCHP',
          offPeakHours: ['22:00-06:00'],
          declaredDate,
        },
        currentTariff: 'HC',
      });
    });

    it('GET answers it, with the tariff of the moment', async () => {
      t.clock.set('2026-03-11T12:00:00.000Z'); // 13:00 in Paris
      const response = await api('GET', subscription());
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ source: 'declared', currentTariff: 'HP' });
      t.clock.set(declaredAt);
    });

    it('the grid meter shows it, its TIC properties null', async () => {
      const expected = {
        generalConsumption: null,
        ticType: null,
        intensitySubscribed: null,
        currentTariff: 'HC',
        gridSubscription: 'HCHP',
      };
      const one = await api('GET', meter);
      expect(one.statusCode).toBe(200);
      expect(one.json().properties).toEqual(expected);
      const list = await api('GET', `/v1/installations/${installationId}/grid-meters`);
      expect(list.json()[0].properties).toEqual(expected);
      // Installers see none of it.
      const seen = await api(
        'GET',
        `/v1/installations/${installationId}/grid-meters`,
        undefined,
        installer,
      );
      expect(seen.json()[0].properties).toMatchObject({
        currentTariff: null,
        gridSubscription: null,
      });
    });

    it('the tariffs are the declared subscription’s, without TIC consent', async () => {
      const tariffs = await api('GET', `${meter}/tariffs`);
      expect(tariffs.statusCode).toBe(200);
      expect(tariffs.json().map((tariff: { id: string }) => tariff.id)).toEqual(['hc', 'hp']);
      expect((await api('GET', `${meter}/tariffs/hp`)).json()).toMatchObject({
        id: 'hp',
        isDefault: true,
      });
      expect((await api('GET', `${meter}/tariffs/th`)).json().code).toBe('TARIFF_NOT_FOUND');
      const set = await api('POST', `${meter}/tariffs`, [
        { id: 'hc', currency: 'eur', beginDate: '2026-03-01T00:00:00.000Z', value: 0.2 },
        { id: 'hp', currency: 'eur', beginDate: '2026-03-01T00:00:00.000Z', value: 0.3 },
      ]);
      expect(set.statusCode).toBe(201);
      const missing = await api('POST', `${meter}/tariffs`, [
        { id: 'th', currency: 'eur', beginDate: '2026-03-01T00:00:00.000Z', value: 0.2 },
      ]);
      expect(missing.json().code).toBe('VALIDATION_FAILED');
    });

    it('station samples are split hc/hp by the declared hours and priced with the set prices', async () => {
      // 21:40 → 22:20 Paris, 1 kWh every 10 minutes: two intervals before 22:00, two after.
      await station.status(1, 'Preparing', { timestamp: at(0) });
      const transactionId = await station.startTransaction(1, 10_000, at(0));
      for (let step = 1; step <= 4; step++)
        await station.meterValues(1, transactionId, at(10 * step), 10_000 + 1000 * step, 6000);
      await station.stopTransaction(transactionId, 14_000, at(40));
      const body = { startDate: '2026-03-10T20:00:00.000Z', endDate: '2026-03-10T22:00:00.000Z' };
      const energy = await api('POST', `${stationPath}/measures/1/operators/sum`, {
        ...body,
        step: 'hour',
      });
      expect(energy.statusCode).toBe(200);
      expect(energy.json()).toEqual([
        { date: '2026-03-10T20:00:00.000Z', tariffType: 'hp', value: 2, valueHp: 2 },
        { date: '2026-03-10T21:00:00.000Z', tariffType: 'hc', value: 2, valueHc: 2 },
      ]);
      const cost = await api('POST', `${stationPath}/measures/3/operators/sum`, {
        ...body,
        step: 'hour',
      });
      expect(cost.json()).toEqual([
        { date: '2026-03-10T20:00:00.000Z', tariffType: 'hp', value: 0.6, valueHp: 0.6 },
        { date: '2026-03-10T21:00:00.000Z', tariffType: 'hc', value: 0.4, valueHc: 0.4 },
      ]);
    });
  });

  describe('TIC data, once consented, wins', () => {
    it('the TIC subscription is in force, the declaration kept beside it', async () => {
      const consent = await api('POST', `${meter}/operators/authorize-tic`, { authorizeTIC: true });
      expect(consent.statusCode).toBe(200);
      // Consent alone, no frame yet: the declaration stays in force.
      expect((await api('GET', subscription())).json().source).toBe('declared');
      const frame = (minutes: number, hp: number) =>
        station.dataTransfer('Tic', {
          labels: hchpFrame(1_000_000, hp, 'HP..'),
          timestamp: at(minutes),
        });
      expect(await frame(50, 2_000_000)).toEqual({ status: 'Accepted' });
      const response = await api('GET', subscription());
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({
        gridSubscription: 'HCHP',
        offPeakHours: null,
        source: 'tic',
        declaredSubscription: {
          gridSubscription: 'HCHP',
          offPeakHours: ['22:00-06:00'],
          declaredDate: expect.stringMatching(/^2026-03-10T21:30:0/),
        },
        currentTariff: 'HP',
      });
      expect((await api('GET', meter)).json().properties).toMatchObject({
        ticType: 5,
        currentTariff: 'HP',
        gridSubscription: 'HCHP',
      });
    });

    it('station readings count in the TIC’s tariff, not the declared one', async () => {
      // 22:40 Paris is off-peak by the declaration, but the meter says HP.
      const transactionId = await station.startTransaction(1, 14_000, at(60));
      await station.meterValues(1, transactionId, at(70), 15_000, 6000);
      await station.stopTransaction(transactionId, 15_000, at(70));
      const energy = await api('POST', `${stationPath}/measures/1/operators/sum`, {
        startDate: '2026-03-10T21:00:00.000Z',
        endDate: '2026-03-10T22:00:00.000Z',
        step: 'hour',
      });
      expect(energy.json()).toEqual([
        { date: '2026-03-10T21:00:00.000Z', tariffType: 'hc', value: 2, valueHc: 2 },
        { date: '2026-03-10T21:00:00.000Z', tariffType: 'hp', value: 1, valueHp: 1 },
      ]);
    });

    it('DELETE removes the declaration; the TIC stays in force', async () => {
      const removed = await api('DELETE', subscription());
      expect(removed.statusCode).toBe(204);
      expect(removed.body).toBe('');
      expect((await api('GET', subscription())).json()).toMatchObject({
        source: 'tic',
        declaredSubscription: null,
      });
      // Removing nothing is no error.
      expect((await api('DELETE', subscription())).statusCode).toBe(204);
    });

    it('without consent and declaration there is no subscription again', async () => {
      await api('POST', `${meter}/operators/authorize-tic`, { authorizeTIC: false });
      expect((await api('GET', subscription())).json().code).toBe('SUBSCRIPTION_NOT_DETECTED');
      expect((await api('GET', `${meter}/tariffs`)).json().code).toBe('TIC_CONSENT_REQUIRED');
    });
  });
});

describeEachDialect('Tempo and EJP day calendars', (dialect) => {
  let t: TestApp;
  let owner: string;
  let meter: string;

  beforeAll(async () => {
    t = await createTestApp(dialect);
    ({ token: owner } = await t.user('owner'));
    ({ meterPath: meter } = await aHome(t, owner, { serialNumber: `CALENDAR-${dialect}` }));
    const updatedAt = new Date().toISOString();
    await t.app.platform.gridStore.upsertCalendarDays([
      { calendar: 'TEMPO', day: '2026-01-14', value: 'RED', updated_at: updatedAt },
      { calendar: 'TEMPO', day: '2026-01-15', value: 'WHITE', updated_at: updatedAt },
      { calendar: 'TEMPO', day: '2026-01-16', value: 'BLUE', updated_at: updatedAt },
      { calendar: 'EJP', day: '2026-01-20', value: 'PEAK', updated_at: updatedAt },
    ]);
  });
  afterAll(() => t.close());

  const read = (path: string, token = owner) => t.api('GET', path, { token });

  it('any account reads a calendar, day by day', async () => {
    const { token: installer } = await t.user('installer');
    for (const token of [owner, installer]) {
      const tempo = await read(
        '/v1/tariff-calendars/TEMPO?startDate=2026-01-15&endDate=2026-01-31',
        token,
      );
      expect(tempo.statusCode).toBe(200);
      expect(tempo.json()).toEqual([
        { date: '2026-01-15', value: 'WHITE' },
        { date: '2026-01-16', value: 'BLUE' },
      ]);
    }
    expect(
      (await read('/v1/tariff-calendars/EJP?startDate=2026-01-01&endDate=2026-12-31')).json(),
    ).toEqual([{ date: '2026-01-20', value: 'PEAK' }]);
  });

  it.each([
    ['an unknown calendar', '/v1/tariff-calendars/BBR?startDate=2026-01-01&endDate=2026-01-02'],
    ['no endDate', '/v1/tariff-calendars/TEMPO?startDate=2026-01-01'],
    [
      'a date that is not a day',
      '/v1/tariff-calendars/TEMPO?startDate=2026-01-01&endDate=2026-02-30',
    ],
    [
      'an end before the start',
      '/v1/tariff-calendars/TEMPO?startDate=2026-02-01&endDate=2026-01-01',
    ],
    ['more than 366 days', '/v1/tariff-calendars/TEMPO?startDate=2025-01-01&endDate=2026-01-02'],
  ])('%s → 400 VALIDATION_FAILED', async (_case, path) => {
    const response = await read(path);
    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe('VALIDATION_FAILED');
  });

  it('without a token → 401', async () => {
    const response = await t.api(
      'GET',
      '/v1/tariff-calendars/TEMPO?startDate=2026-01-01&endDate=2026-01-02',
    );
    expect(response.statusCode).toBe(401);
  });

  it('a declared Tempo follows the calendar: a red day, its night, the next white day', async () => {
    t.clock.set('2026-01-14T12:00:00.000Z'); // 13:00 in Paris, a red day
    const declared = await t.api('PUT', `${meter}/subscription`, {
      token: owner,
      body: { gridSubscription: 'TEMPO' },
    });
    expect(declared.json()).toMatchObject({
      gridSubscription: 'TEMPO',
      offPeakHours: ['22:00-06:00'],
      declaredSubscription: { gridSubscription: 'TEMPO', offPeakHours: [] },
      currentTariff: 'HPJR',
    });
    t.clock.set('2026-01-15T04:30:00.000Z'); // 05:30: still the red day's night
    expect((await read(`${meter}/subscription`)).json().currentTariff).toBe('HCJR');
    t.clock.set('2026-01-15T05:30:00.000Z'); // 06:30: the white day
    expect((await read(`${meter}/subscription`)).json().currentTariff).toBe('HPJW');
    const tariffs = (await read(`${meter}/tariffs`)).json();
    expect(tariffs.map((tariff: { id: string }) => tariff.id)).toEqual([
      'hcjb',
      'hpjb',
      'hcjw',
      'hpjw',
      'hcjr',
      'hpjr',
    ]);
  });

  it('a declared EJP has its mobile peak on the calendar’s peak days', async () => {
    const declare = await t.api('PUT', `${meter}/subscription`, {
      token: owner,
      body: { gridSubscription: 'EJP', offPeakHours: [] },
    });
    expect(declare.statusCode).toBe(200);
    t.clock.set('2026-01-20T05:30:00.000Z'); // 06:30 on a peak day
    expect((await read(`${meter}/subscription`)).json().currentTariff).toBe('HN');
    t.clock.set('2026-01-20T06:30:00.000Z'); // 07:30
    expect((await read(`${meter}/subscription`)).json().currentTariff).toBe('PM');
    t.clock.set('2026-01-20T23:30:00.000Z'); // 00:30 the next day
    expect((await read(`${meter}/subscription`)).json().currentTariff).toBe('PM');
    t.clock.set('2026-01-21T08:00:00.000Z');
    expect((await read(`${meter}/subscription`)).json().currentTariff).toBe('HN');
  });
});
