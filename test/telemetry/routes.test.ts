import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GridMeterSchema, SetTariffsRequestSchema, TariffSchema } from '../../src/grid/schemas.js';
import {
  AggregationRequestSchema,
  AggregationRowSchema,
  ListRequestSchema,
  LogCountSchema,
  LogEntrySchema,
  LogSchema,
  MeasureSchema,
} from '../../src/telemetry/schemas.js';
import {
  createTestApp,
  describeEachDialect,
  guideExample,
  type TestApp,
} from '../helpers/test-app.js';
import { TestStation } from '../helpers/station.js';

/**
 * The edges of the measure, log, grid meter and tariff routes: refused requests, unknown ids,
 * tariff prices and their history, what installers see; the guide's examples against the
 * schemas. The happy paths are told in grid-story and station-story, the buckets in
 * aggregation-steps.
 */

const padded = (value: number, width = 9) => String(value).padStart(width, '0');

/** A historic HCHP frame. */
const hchpFrame = (hc: number, hp: number, ptec: 'HC..' | 'HP..', papp: number) => ({
  ADCO: '021728123456',
  OPTARIF: 'HC..',
  ISOUSC: '30',
  HCHC: padded(hc),
  HCHP: padded(hp),
  PTEC: ptec,
  IINST: '005',
  PAPP: padded(papp, 5),
});

/** A historic BASE frame. */
const baseFrame = (index: number) => ({
  ADCO: '021728654321',
  OPTARIF: 'BASE',
  ISOUSC: '30',
  BASE: padded(index),
  PTEC: 'TH..',
  IINST: '004',
  PAPP: '00900',
});

/** A Linky standard frame at tariff 1. */
const standardFrame = (index: number) => ({
  ADSC: '041876097623',
  NGTF: 'H PLEINE/CREUSE ',
  NTARF: '01',
  EAST: padded(index),
  EASF01: padded(index),
  ...Object.fromEntries(
    Array.from({ length: 9 }, (_, n) => [`EASF${padded(n + 2, 2)}`, padded(0)]),
  ),
  PREF: '06',
  SINSTS: '00700',
  IRMS1: '003',
});

interface Home {
  installationId: number;
  station: TestStation;
  stationPath: string;
  meterId: string;
  meterPath: string;
}

describeEachDialect('measure, log, grid meter and tariff routes', (dialect) => {
  let t: TestApp;
  let owner: { token: string };
  let stranger: { token: string };
  let installer: { token: string; account: { accountId: string } };
  /** HCHP, TIC consent, a short session; shared with the installer. */
  let home: Home;
  /** BASE, TIC consent, no TIC frame until the tariff tests send them. */
  let base: Home;
  /** STANDARD, TIC consent. */
  let standard: Home;
  const homes: Home[] = [];

  const api = (method: 'GET' | 'POST', path: string, body?: unknown, token = owner.token) =>
    t.api(method, path, { token, ...(body === undefined ? {} : { body }) });

  async function aHome(serialNumber: string): Promise<Home> {
    const installationId = (
      await api('POST', '/v1/installations', {
        name: serialNumber,
        locationName: 'Paris',
        locationGpsCoordinates: { latitude: 48.85, longitude: 2.35 },
      })
    ).json().installationId;
    const device = await t.app.platform.devices.provision({ serialNumber });
    const associated = await api('POST', `/v1/installations/${installationId}/charging-stations`, {
      uid: device.uid,
      timezone: 'Romance Standard Time',
      country: 'fr-fr',
    });
    const station = new TestStation({ url: t.wsUrl, uid: device.uid, password: device.password });
    station.configuration.set('WittyAuthorizeTic', 'false');
    await station.connect();
    await station.boot();
    const meterId = (await api('GET', `/v1/installations/${installationId}/grid-meters`)).json()[0]
      .id;
    const meterPath = `/v1/installations/${installationId}/grid-meters/${meterId}`;
    expect(
      (await api('POST', `${meterPath}/operators/authorize-tic`, { authorizeTIC: true }))
        .statusCode,
    ).toBe(200);
    const created: Home = {
      installationId,
      station,
      stationPath: `/v1/installations/${installationId}/charging-stations/${associated.json().id}`,
      meterId,
      meterPath,
    };
    homes.push(created);
    return created;
  }

  /** A TIC frame from the station of `where`, accepted. */
  const tic = async (where: Home, labels: Record<string, string>, timestamp: string) => {
    const answer = await where.station.dataTransfer('Tic', { labels, timestamp });
    expect(answer).toEqual({ status: 'Accepted' });
  };

  beforeAll(async () => {
    t = await createTestApp(dialect, {}, { listen: true });
    owner = await t.user('owner');
    stranger = await t.user('owner');
    installer = await t.user('installer');
    home = await aHome('ROUTES-HOME');
    base = await aHome('ROUTES-BASE');
    standard = await aHome('ROUTES-STANDARD');

    // Home: HCHP frames 08:00, 08:10 (HP +500 Wh), then a 20-minute session.
    await tic(home, hchpFrame(1_000_000, 2_000_000, 'HP..', 1500), '2026-04-01T08:00:00.000Z');
    await tic(home, hchpFrame(1_000_000, 2_000_500, 'HP..', 2500), '2026-04-01T08:10:00.000Z');
    const transactionId = await home.station.startTransaction(1, 5_000, '2026-04-01T09:00:00.000Z');
    await home.station.meterValues(1, transactionId, '2026-04-01T09:10:00.000Z', 6_000, 7_000);
    await home.station.stopTransaction(transactionId, 7_000, '2026-04-01T09:20:00.000Z');
    await tic(standard, standardFrame(50_000), '2026-04-01T08:00:00.000Z');

    await t.app.platform.store.db
      .insertInto('installation_users')
      .values({
        installation_id: home.installationId,
        account_id: installer.account.accountId,
        role_code: 'installer',
        enabled: 1,
        created_at: new Date().toISOString(),
      })
      .execute();
  });
  afterAll(async () => {
    for (const each of homes) await each.station.close();
    await t.close();
  });

  const DAY = { startDate: '2026-04-01T00:00:00.000Z', endDate: '2026-04-02T00:00:00.000Z' };

  describe('refused periods: 400 VALIDATION_FAILED naming the field', () => {
    const expectFieldError = async (path: string, body: unknown, field: string) => {
      const response = await api('POST', path, body);
      expect(response.statusCode, response.body).toBe(400);
      expect(response.json()).toMatchObject({
        code: 'VALIDATION_FAILED',
        errors: [expect.objectContaining({ field, in: 'body' })],
      });
      return response.json();
    };

    it.each([
      [
        'endDate equal to startDate',
        { startDate: DAY.startDate, endDate: DAY.startDate, step: 'day' },
        'endDate',
      ],
      [
        'endDate before startDate',
        { startDate: DAY.endDate, endDate: DAY.startDate, step: 'hour' },
        'endDate',
      ],
      // 32 days of hours: a coarser step would take the span, so the step is to blame.
      [
        '32 days at step hour',
        {
          startDate: '2026-03-01T00:00:00.000Z',
          endDate: '2026-04-02T00:00:00.000Z',
          step: 'hour',
        },
        'step',
      ],
      // More than 100 years at step year: no step takes it, the dates are to blame.
      [
        '101 years at step year',
        {
          startDate: '1925-01-01T00:00:00.000Z',
          endDate: '2026-01-01T00:00:00.000Z',
          step: 'year',
        },
        'endDate',
      ],
      ['an unknown step', { ...DAY, step: 'minute' }, 'step'],
      ['a missing step', DAY, 'step'],
      [
        'a startDate that is not a date-time',
        { ...DAY, startDate: 'yesterday', step: 'day' },
        'startDate',
      ],
      [
        'a startDate without its time zone',
        { ...DAY, startDate: '2026-04-01T00:00:00', step: 'day' },
        'startDate',
      ],
      ['an extra property', { ...DAY, step: 'day', tariff: 'hc' }, 'tariff'],
    ])('a measure operator refuses %s', async (_case, body, field) => {
      await expectFieldError(`${home.stationPath}/measures/1/operators/sum`, body, field);
    });

    it.each([
      ['a missing step', DAY, 'step'],
      ['endDate equal to startDate', { ...DAY, endDate: DAY.startDate, step: 'day' }, 'endDate'],
    ])('the log count refuses %s', async (_case, body, field) => {
      await expectFieldError(`${home.meterPath}/logs/1/operators/count`, body, field);
    });

    it.each([['/logs/operators/list'], ['/logs/1/operators/list']])(
      'a list (%s) covers at most 366 days',
      async (path) => {
        const response = await expectFieldError(
          `${home.stationPath}${path}`,
          { startDate: '2025-01-01T00:00:00.000Z', endDate: '2026-01-03T00:00:00.000Z' },
          'endDate',
        );
        expect(response.detail).toMatch(/366 days/);
        // 366 days exactly are accepted.
        const accepted = await api('POST', `${home.stationPath}${path}`, {
          startDate: '2025-01-01T00:00:00.000Z',
          endDate: '2026-01-02T00:00:00.000Z',
        });
        expect(accepted.statusCode).toBe(200);
      },
    );

    it.each([['/logs/operators/list'], ['/logs/1/operators/list']])(
      'a list (%s) takes order asc or desc only',
      async (path) => {
        const response = await expectFieldError(
          `${home.meterPath}${path}`,
          { ...DAY, order: 'newest' },
          'order',
        );
        expect(response.errors[0].message).toBe('must be one of "asc", "desc"');
      },
    );

    it('a list takes no step, and refuses endDate before startDate', async () => {
      await expectFieldError(
        `${home.stationPath}/logs/operators/list`,
        { ...DAY, step: 'day' },
        'step',
      );
      await expectFieldError(
        `${home.stationPath}/logs/operators/list`,
        { startDate: DAY.endDate, endDate: DAY.startDate },
        'endDate',
      );
    });

    it('31 days at step hour are accepted', async () => {
      const response = await api('POST', `${home.stationPath}/measures/1/operators/sum`, {
        startDate: '2026-03-04T00:00:00.000Z',
        endDate: '2026-04-04T00:00:00.000Z',
        step: 'hour',
      });
      expect(response.statusCode).toBe(200);
    });

    it('a leap second passes the date-time format but is refused by a measure operator', async () => {
      // ajv-formats accepts 23:59:60 (RFC 3339 leap second); JavaScript's Date does not.
      await expectFieldError(
        `${home.stationPath}/measures/1/operators/sum`,
        { startDate: '2016-12-31T23:59:60Z', endDate: '2017-01-01T01:00:00Z', step: 'hour' },
        'startDate',
      );
    });

    // A date that passes the schema but is not a JavaScript date (a leap second).
    it('a list refuses a leap-second startDate with 400, not 500', async () => {
      await expectFieldError(
        `${home.stationPath}/logs/operators/list`,
        { startDate: '2016-12-31T23:59:60Z', endDate: '2017-01-01T01:00:00Z' },
        'startDate',
      );
    });
  });

  describe('unknown ids: 404', () => {
    /** Where a request goes: the home station or meter, or the home meter under another installation. */
    type Target = 'station' | 'meter' | 'home meter under base';
    const pathOf = (target: Target, suffix: string) =>
      target === 'station'
        ? `${home.stationPath}${suffix}`
        : target === 'meter'
          ? `${home.meterPath}${suffix}`
          : `/v1/installations/${base.installationId}/grid-meters/${home.meterId}${suffix}`;
    const bodyOf = (suffix: string) => (suffix.endsWith('list') ? DAY : { ...DAY, step: 'day' });

    it.each([
      ['GET', 'station', '/measures/99', 'MEASURE_NOT_FOUND'],
      ['POST', 'station', '/measures/99/operators/sum', 'MEASURE_NOT_FOUND'],
      ['GET', 'meter', '/measures/99', 'MEASURE_NOT_FOUND'],
      ['POST', 'meter', '/measures/99/operators/min-max', 'MEASURE_NOT_FOUND'],
      ['GET', 'station', '/logs/99', 'LOG_NOT_FOUND'],
      ['POST', 'station', '/logs/99/operators/count', 'LOG_NOT_FOUND'],
      ['POST', 'meter', '/logs/3/operators/list', 'LOG_NOT_FOUND'],
      // The home meter asked for under the base installation (both are the owner's).
      ['GET', 'home meter under base', '', 'GRID_METER_NOT_FOUND'],
      ['POST', 'home meter under base', '/measures/1/operators/sum', 'GRID_METER_NOT_FOUND'],
      ['GET', 'home meter under base', '/tariffs', 'GRID_METER_NOT_FOUND'],
      // HCHP has hc and hp only.
      ['GET', 'meter', '/tariffs/th', 'TARIFF_NOT_FOUND'],
      ['GET', 'meter', '/tariffs/tariff11', 'TARIFF_NOT_FOUND'],
    ] as const)('%s %s%s → %s', async (method, target, suffix, code) => {
      const response = await api(
        method,
        pathOf(target, suffix),
        method === 'POST' ? bodyOf(suffix) : undefined,
      );
      expect(response.statusCode).toBe(404);
      expect(response.json().code).toBe(code);
    });

    it.each([
      ['GET', 'station', '/measures'],
      ['POST', 'station', '/measures/1/operators/sum'],
      ['POST', 'station', '/logs/operators/list'],
      ['GET', 'meter', '/measures'],
      ['GET', 'meter', '/tariffs'],
    ] as const)(
      'another user’s installation: %s %s%s → INSTALLATION_NOT_FOUND',
      async (method, target, suffix) => {
        const response = await api(
          method,
          pathOf(target, suffix),
          method === 'POST' ? bodyOf(suffix) : undefined,
          stranger.token,
        );
        expect(response.statusCode).toBe(404);
        expect(response.json().code).toBe('INSTALLATION_NOT_FOUND');
      },
    );
  });

  describe('tariffs', () => {
    const guideBase = guideExample<{ id: string }[]>('33-tariffs-set-request-base.json');
    const guideHchp = guideExample<{ id: string }[]>('34-tariffs-set-request-hchp.json');
    const guideStandard = guideExample<{ id: string }[]>('35-tariffs-set-request-standard.json');
    const guideResult = guideExample<Record<string, unknown>>('36-tariffs-set-result-base.json');
    const baseCosts = () =>
      api('POST', `${base.meterPath}/measures/2/operators/sum`, {
        startDate: '2026-02-02T09:00:00.000Z',
        endDate: '2026-02-02T10:00:00.000Z',
        step: 'hour',
      });
    const costRow = (value: number) => [
      { date: '2026-02-02T09:00:00.000Z', tariffType: 'hp', value, valueTh: value },
    ];

    it.each([
      ['GET', '/tariffs', undefined],
      ['GET', '/tariffs/th', undefined],
      ['POST', '/tariffs', guideBase],
    ] as const)(
      'with consent but no TIC yet, %s %s → 409 SUBSCRIPTION_NOT_DETECTED',
      async (method, path, body) => {
        const response = await api(method, `${base.meterPath}${path}`, body);
        expect(response.statusCode).toBe(409);
        expect(response.json().code).toBe('SUBSCRIPTION_NOT_DETECTED');
      },
    );

    it('a BASE meter: costs at the default price until prices are set', async () => {
      // Frames at 09:00 (baseline), 09:10 (+1000 Wh), 09:20 (+2000), 09:30 (+4000):
      // th samples 09:00 1 kWh, 09:10 2 kWh, 09:20 4 kWh.
      await tic(base, baseFrame(5_000_000), '2026-02-02T09:00:00.000Z');
      await tic(base, baseFrame(5_001_000), '2026-02-02T09:10:00.000Z');
      await tic(base, baseFrame(5_003_000), '2026-02-02T09:20:00.000Z');
      await tic(base, baseFrame(5_007_000), '2026-02-02T09:30:00.000Z');
      // 7 kWh × 0.194 = 1.358
      expect((await baseCosts()).json()).toEqual(costRow(1.358));
    });

    it('a BASE subscription takes th only (the guide’s HCHP example is refused)', async () => {
      const response = await api('POST', `${base.meterPath}/tariffs`, guideHchp);
      expect(response.statusCode).toBe(400);
      expect(response.json().errors.map((e: { message: string }) => e.message)).toEqual([
        'a price for th is required by the BASE subscription',
        'hc is not a tariff of the BASE subscription',
        'hp is not a tariff of the BASE subscription',
      ]);
    });

    it.each([
      ['a negative value', [{ ...guideBase[0], value: -0.1 }], '0.value'],
      ['a currency usd', [{ ...guideBase[0], currency: 'usd' }], '0.currency'],
      ['no price at all', [], 'body'],
    ])('a price set with %s → 400 naming the field', async (_case, body, field) => {
      const response = await api('POST', `${base.meterPath}/tariffs`, body);
      expect(response.statusCode).toBe(400);
      expect(response.json().errors).toEqual([expect.objectContaining({ field })]);
    });

    it('the guide’s BASE example sets th: 201 with the guide’s result shape, costs priced again', async () => {
      const response = await api('POST', `${base.meterPath}/tariffs`, guideBase);
      expect(response.statusCode).toBe(201);
      const tariffs = response.json();
      expect(tariffs).toEqual([
        {
          id: 'th',
          installationParentId: base.installationId,
          friendlyName: null,
          currency: 'eur',
          isDefault: false,
          values: [{ beginDate: '2020-07-03T13:25:37.120Z', value: 0.33 }],
        },
      ]);
      expect(Object.keys(tariffs[0]).sort()).toEqual(Object.keys(guideResult).sort());
      // 7 kWh × 0.33 = 2.31
      expect((await baseCosts()).json()).toEqual(costRow(2.31));
    });

    it('prices build a history: the price in force is the latest beginDate not after the sample', async () => {
      // 0.5 from 09:15, between the samples of 09:10 and 09:20:
      // 1 × 0.33 + 2 × 0.33 + 4 × 0.5 = 0.33 + 0.66 + 2 = 2.99
      const later = await api('POST', `${base.meterPath}/tariffs`, [
        { id: 'th', currency: 'eur', beginDate: '2026-02-02T09:15:00.000Z', value: 0.5 },
      ]);
      expect(later.statusCode).toBe(201);
      expect((await baseCosts()).json()).toEqual(costRow(2.99));
      // 0.4 from exactly 09:10, a sample's instant: in force for that sample.
      // 1 × 0.33 + 2 × 0.4 + 4 × 0.5 = 0.33 + 0.8 + 2 = 3.13
      await api('POST', `${base.meterPath}/tariffs`, [
        { id: 'th', currency: 'eur', beginDate: '2026-02-02T09:10:00.000Z', value: 0.4 },
      ]);
      expect((await baseCosts()).json()).toEqual(costRow(3.13));

      const th = await api('GET', `${base.meterPath}/tariffs/th`);
      expect(th.statusCode).toBe(200);
      // Newest beginDate first, whatever the order the prices were set in.
      expect(th.json()).toEqual({
        id: 'th',
        installationParentId: base.installationId,
        friendlyName: null,
        currency: 'eur',
        isDefault: false,
        values: [
          { beginDate: '2026-02-02T09:15:00.000Z', value: 0.5 },
          { beginDate: '2026-02-02T09:10:00.000Z', value: 0.4 },
          { beginDate: '2020-07-03T13:25:37.120Z', value: 0.33 },
        ],
      });
      expect(Object.keys(th.json()).sort()).toEqual(Object.keys(guideResult).sort());
    });

    it('a price with the same beginDate replaces the earlier one', async () => {
      // 0.6 replaces 0.5 from 09:15: 0.33 + 0.8 + 4 × 0.6 = 3.53
      await api('POST', `${base.meterPath}/tariffs`, [
        { id: 'th', currency: 'eur', beginDate: '2026-02-02T09:15:00.000Z', value: 0.6 },
      ]);
      expect((await api('GET', `${base.meterPath}/tariffs/th`)).json().values).toEqual([
        { beginDate: '2026-02-02T09:15:00.000Z', value: 0.6 },
        { beginDate: '2026-02-02T09:10:00.000Z', value: 0.4 },
        { beginDate: '2020-07-03T13:25:37.120Z', value: 0.33 },
      ]);
      expect((await baseCosts()).json()).toEqual(costRow(3.53));
    });

    // Repricing rebuilds every cost it deletes, even of samples far ahead (a station whose
    // clock is wrong).
    it('a sample dated more than a year ahead keeps its cost when prices change', async () => {
      // 2099-01-05 09:00 baseline, 09:10 +1000 Wh: th 1 kWh at 09:00Z, priced 0.6 (from 2026).
      await tic(base, baseFrame(5_007_000), '2099-01-05T09:00:00.000Z');
      await tic(base, baseFrame(5_008_000), '2099-01-05T09:10:00.000Z');
      const farCosts = () =>
        api('POST', `${base.meterPath}/measures/2/operators/sum`, {
          startDate: '2099-01-05T09:00:00.000Z',
          endDate: '2099-01-05T10:00:00.000Z',
          step: 'hour',
        });
      const row = (value: number) => [
        { date: '2099-01-05T09:00:00.000Z', tariffType: 'hp', value, valueTh: value },
      ];
      expect((await farCosts()).json()).toEqual(row(0.6));
      // 0.7 from 2030 on: 1 kWh × 0.7 = 0.7. The route answers [] instead.
      await api('POST', `${base.meterPath}/tariffs`, [
        { id: 'th', currency: 'eur', beginDate: '2030-01-01T00:00:00.000Z', value: 0.7 },
      ]);
      expect((await farCosts()).json()).toEqual(row(0.7));
    });

    it('an HCHP subscription takes hc and hp (the guide’s example)', async () => {
      const response = await api('POST', `${home.meterPath}/tariffs`, guideHchp);
      expect(response.statusCode).toBe(201);
      expect(response.json()).toEqual([
        expect.objectContaining({
          id: 'hc',
          isDefault: false,
          values: [{ beginDate: '2020-07-03T13:25:37.120Z', value: 0.33 }],
        }),
        expect.objectContaining({
          id: 'hp',
          isDefault: false,
          values: [{ beginDate: '2020-07-03T13:25:37.120Z', value: 0.42 }],
        }),
      ]);
    });

    it('a STANDARD subscription needs all ten tariffs: nine are refused, naming the missing one', async () => {
      const nine = guideStandard.filter((entry) => entry.id !== 'tariff7');
      const refused = await api('POST', `${standard.meterPath}/tariffs`, nine);
      expect(refused.statusCode).toBe(400);
      expect(refused.json().errors).toEqual([
        {
          field: 'body',
          in: 'body',
          message: 'a price for tariff7 is required by the STANDARD subscription',
        },
      ]);
      const accepted = await api('POST', `${standard.meterPath}/tariffs`, guideStandard);
      expect(accepted.statusCode).toBe(201);
      const tariffs = accepted.json();
      expect(tariffs.map((tariff: { id: string }) => tariff.id)).toEqual(
        Array.from({ length: 10 }, (_, n) => `tariff${n + 1}`),
      );
      expect(tariffs[0]).toMatchObject({
        friendlyName: 'my low cost tariff',
        values: [{ beginDate: '2020-07-03T13:25:37.120Z', value: 0.33 }],
      });
      expect(tariffs[3]).toMatchObject({
        friendlyName: null,
        values: [expect.objectContaining({ value: 0 })],
      });
    });

    // The guide asks for all ten tariffs at every change, friendly names optional: a later
    // change that does not repeat them keeps the names.
    it('a later price set without friendly names keeps the tariffs’ names', async () => {
      const prices = guideStandard.map(({ id }) => ({
        id,
        currency: 'eur',
        beginDate: '2026-01-01T00:00:00.000Z',
        value: 0.25,
      }));
      const response = await api('POST', `${standard.meterPath}/tariffs`, prices);
      expect(response.statusCode).toBe(201);
      expect(response.json()[0]).toMatchObject({
        id: 'tariff1',
        values: [
          { beginDate: '2026-01-01T00:00:00.000Z', value: 0.25 },
          { beginDate: '2020-07-03T13:25:37.120Z', value: 0.33 },
        ],
      });
      // Answers null.
      expect(response.json()[0].friendlyName).toBe('my low cost tariff');
    });

    // The name is the tariff's, not a price's: the one given last wins, whatever its beginDate.
    it('a friendly name given last wins, also with an earlier beginDate', async () => {
      const prices = guideStandard.map(({ id }) => ({
        id,
        currency: 'eur',
        beginDate: '2019-01-01T00:00:00.000Z',
        value: 0.2,
        ...(id === 'tariff1' ? { friendlyName: 'renamed off-peak' } : {}),
      }));
      const response = await api('POST', `${standard.meterPath}/tariffs`, prices);
      expect(response.statusCode).toBe(201);
      expect(response.json()[0]).toMatchObject({ id: 'tariff1', friendlyName: 'renamed off-peak' });
      // tariff2 keeps the name of the guide's example.
      expect(response.json()[1].friendlyName).toBe('my high cost tariff');
      const tariff1 = await api('GET', `${standard.meterPath}/tariffs/tariff1`);
      expect(tariff1.json().friendlyName).toBe('renamed off-peak');
    });

    it('ConsumptionCost is in the currency of the prices: eur, then gbp once prices are in gbp', async () => {
      const unitsOf = async (path: string) =>
        Object.fromEntries(
          (await api('GET', `${path}/measures`))
            .json()
            .map((m: { name: string; unit: string }) => [m.name, m.unit]),
        );
      expect(await unitsOf(standard.meterPath)).toMatchObject({ ConsumptionCost: 'eur' });
      expect(await unitsOf(standard.stationPath)).toMatchObject({ ConsumptionCost: 'eur' });

      const prices = guideStandard.map(({ id }) => ({
        id,
        currency: 'gbp',
        beginDate: '2026-03-01T00:00:00.000Z',
        value: 0.24,
      }));
      const response = await api('POST', `${standard.meterPath}/tariffs`, prices);
      expect(response.statusCode).toBe(201);
      expect(new Set(response.json().map((t: { currency: string }) => t.currency))).toEqual(
        new Set(['gbp']),
      );
      expect(await unitsOf(standard.meterPath)).toMatchObject({
        EnergyConsumption: 'kWh',
        ConsumptionCost: 'gbp',
      });
      expect((await api('GET', `${standard.meterPath}/measures/2`)).json()).toMatchObject({
        name: 'ConsumptionCost',
        unit: 'gbp',
      });
      expect(await unitsOf(standard.stationPath)).toMatchObject({ ConsumptionCost: 'gbp' });
      expect((await api('GET', `${standard.stationPath}/measures/3`)).json().unit).toBe('gbp');
      // Another installation's costs stay in euros.
      expect(await unitsOf(home.meterPath)).toMatchObject({ ConsumptionCost: 'eur' });
    });

    it('prices in two currencies at once are refused', async () => {
      const prices = guideStandard.map(({ id }, n) => ({
        id,
        currency: n === 0 ? 'eur' : 'gbp',
        beginDate: '2026-03-02T00:00:00.000Z',
        value: 0.24,
      }));
      const response = await api('POST', `${standard.meterPath}/tariffs`, prices);
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({
        code: 'VALIDATION_FAILED',
        errors: [{ field: 'currency', in: 'body' }],
      });
    });
  });

  describe('installers see general data only', () => {
    const as = (method: 'GET' | 'POST', path: string, body?: unknown) =>
      api(method, path, body, installer.token);

    it('measures are the owner’s, and the station’s log catalog leaves out SessionEnd', async () => {
      const stationMeasures = await as('GET', `${home.stationPath}/measures`);
      expect(stationMeasures.statusCode).toBe(403);
      expect(stationMeasures.json().code).toBe('INSTALLATION_ACCESS_DENIED');
      expect(
        (await as('GET', `${home.stationPath}/logs`)).json().map((l: { name: string }) => l.name),
      ).toEqual([
        'SessionStart',
        'ChargeMode',
        'Errors',
        'KeySwitch',
        'CyberSecurity',
        'SocketState',
      ]);
      // ApparentPower and Intensity are the house's consumption too; TIC logs are TIC data.
      for (const path of ['/measures', '/logs']) {
        const refused = await as('GET', `${home.meterPath}${path}`);
        expect(refused.statusCode).toBe(403);
        expect(refused.json().code).toBe('INSTALLATION_ACCESS_DENIED');
      }
    });

    it.each([
      ['GET', '/measures/1'],
      ['GET', '/measures/2'],
      ['GET', '/measures/3'],
      ['POST', '/measures/1/operators/sum'],
      ['POST', '/measures/3/operators/average'],
      ['GET', '/logs/2'],
      ['POST', '/logs/2/operators/count'],
      ['POST', '/logs/2/operators/list'],
    ] as const)('station %s %s → 403 INSTALLATION_ACCESS_DENIED', async (method, path) => {
      const body = path.endsWith('list') ? DAY : { ...DAY, step: 'day' };
      const response = await as(
        method,
        `${home.stationPath}${path}`,
        method === 'POST' ? body : undefined,
      );
      expect(response.statusCode).toBe(403);
      expect(response.json().code).toBe('INSTALLATION_ACCESS_DENIED');
    });

    it('the list of every log leaves SessionEnd out for installers only', async () => {
      const names = async (token: string) =>
        new Set(
          (await api('POST', `${home.stationPath}/logs/operators/list`, DAY, token))
            .json()
            .map((entry: { logName: string }) => entry.logName),
        );
      expect(await names(owner.token)).toContain('SessionEnd');
      const seen = await names(installer.token);
      expect(seen).toContain('SessionStart');
      expect(seen).not.toContain('SessionEnd');
    });

    it.each([
      ['EnergyConsumption', '1'],
      ['ConsumptionCost', '2'],
      ['ApparentPower', '3'],
      ['Intensity', '4'],
    ] as const)(
      'grid meter %s (measure %s) is the owner’s: 403 INSTALLATION_ACCESS_DENIED',
      async (_name, measureId) => {
        const requests = [
          as('GET', `${home.meterPath}/measures/${measureId}`),
          ...(['sum', 'count', 'average', 'min-max'] as const).map((operator) =>
            as('POST', `${home.meterPath}/measures/${measureId}/operators/${operator}`, {
              ...DAY,
              step: 'day',
            }),
          ),
        ];
        for (const refused of await Promise.all(requests)) {
          expect(refused.statusCode).toBe(403);
          expect(refused.json().code).toBe('INSTALLATION_ACCESS_DENIED');
        }
        // The owner reads the same measure.
        const own = await api('POST', `${home.meterPath}/measures/${measureId}/operators/sum`, {
          ...DAY,
          step: 'day',
        });
        expect(own.statusCode).toBe(200);
      },
    );

    it('the owner reads ApparentPower: PAPP 1500 VA at 08:00 and 2500 VA at 08:10', async () => {
      const power = await api('POST', `${home.meterPath}/measures/3/operators/sum`, {
        ...DAY,
        step: 'day',
      });
      expect(power.json()).toEqual([
        { date: '2026-03-31T22:00:00.000Z', tariffType: 'hp', value: 4000, valueHp: 4000 },
      ]);
    });

    it('the grid meter shows its identity and no TIC data', async () => {
      const [listed] = (
        await as('GET', `/v1/installations/${home.installationId}/grid-meters`)
      ).json();
      const read = (await as('GET', home.meterPath)).json();
      for (const meter of [listed, read]) {
        expect(meter).toMatchObject({ id: home.meterPath.split('/').pop(), type: 'gridMeter' });
        expect(meter.properties).toEqual({
          generalConsumption: null,
          ticType: null,
          intensitySubscribed: null,
          currentTariff: null,
          gridSubscription: null,
        });
      }
      // The owner sees the indexes.
      const [ownerView] = (
        await api('GET', `/v1/installations/${home.installationId}/grid-meters`)
      ).json();
      expect(ownerView.properties).toMatchObject({ ticType: 5, gridSubscription: 'HCHP' });
      expect(ownerView.properties.generalConsumption).toEqual({
        consumptionTotalIndex: 3_000_500,
        consumptions: [
          { name: 'HC', value: 1_000_000 },
          { name: 'HP', value: 2_000_500 },
        ],
      });
    });

    it.each([
      ['GET', '/tariffs', undefined],
      ['GET', '/tariffs/hc', undefined],
      ['POST', '/tariffs', guideExample('34-tariffs-set-request-hchp.json')],
      ['POST', '/operators/authorize-tic', { authorizeTIC: false }],
    ] as const)('grid meter %s %s → 403 INSTALLATION_ACCESS_DENIED', async (method, path, body) => {
      const response = await as(method, `${home.meterPath}${path}`, body);
      expect(response.statusCode).toBe(403);
      expect(response.json().code).toBe('INSTALLATION_ACCESS_DENIED');
    });

    it('the refused authorize-tic left the consent as it was', async () => {
      expect((await api('GET', home.meterPath)).statusCode).toBe(200);
    });
  });
});

describe('the guide’s telemetry and grid examples against the schemas', () => {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats.default(ajv);
  for (const schema of [
    MeasureSchema,
    LogSchema,
    AggregationRowSchema,
    LogEntrySchema,
    LogCountSchema,
    GridMeterSchema,
    TariffSchema,
  ]) {
    ajv.addSchema(schema);
  }
  const one = (id: string) => ({ $ref: id });
  const many = (id: string) => ({ type: 'array', items: { $ref: id } });

  it.each([
    ['13-measure-aggregation-request.json', AggregationRequestSchema],
    ['25-grid-meter-measure-aggregation-request.json', AggregationRequestSchema],
    ['17-log-count-request.json', AggregationRequestSchema],
    ['27-grid-meter-log-count-request.json', AggregationRequestSchema],
    ['19-log-list-request.json', ListRequestSchema],
    ['21-logs-list-all-request.json', ListRequestSchema],
    ['29-grid-meter-log-list-request.json', ListRequestSchema],
    ['33-tariffs-set-request-base.json', SetTariffsRequestSchema],
    ['34-tariffs-set-request-hchp.json', SetTariffsRequestSchema],
    ['35-tariffs-set-request-standard.json', SetTariffsRequestSchema],
    ['12-charging-station-measure.json', one('Measure')],
    ['24-grid-meter-measure.json', one('Measure')],
    ['14-measure-aggregation-result-tempo-hour.json', many('AggregationRow')],
    ['15-measure-aggregation-result-all-fields.json', many('AggregationRow')],
    ['16-charging-station-logs.json', many('Log')],
    ['26-grid-meter-logs.json', many('Log')],
    ['18-log-count-result-session-start.json', many('LogCount')],
    ['28-grid-meter-log-count-result-tic-type.json', many('LogCount')],
    ['20-log-list-result-session-start.json', many('LogEntry')],
    ['22-logs-list-all-result.json', many('LogEntry')],
    ['30-grid-meter-log-list-result-current-tariff.json', many('LogEntry')],
    ['31-grid-meter-log-list-result-tic-type.json', many('LogEntry')],
    ['23-grid-meter.json', one('GridMeter')],
    ['32-tariff.json', one('Tariff')],
    ['36-tariffs-set-result-base.json', one('Tariff')],
  ] as const)('%s is valid', (file, schema) => {
    const validate = ajv.compile(schema);
    expect(validate(guideExample(file)), JSON.stringify(validate.errors)).toBe(true);
  });

  it('a request with an unknown step or an extra property is not', () => {
    const validate = ajv.compile(AggregationRequestSchema);
    const example = guideExample<Record<string, unknown>>('13-measure-aggregation-request.json');
    expect(validate({ ...example, step: 'minute' })).toBe(false);
    expect(validate({ ...example, operator: 'sum' })).toBe(false);
  });
});
