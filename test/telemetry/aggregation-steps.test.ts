import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATORS, type Operator } from '../../src/domain/aggregation.js';
import type { Step } from '../../src/domain/time-buckets.js';
import { createTestApp, describeEachDialect, type TestApp } from '../helpers/test-app.js';
import { TestStation } from '../helpers/station.js';

/**
 * The measure operators over several days of samples, bucket by bucket: every operator at every
 * step, ranges cut mid-hour and mid-day, the 23-hour day of spring, an installation in London,
 * and grid meters whose rows carry several tariffs (TEMPO) or the station's classes (STANDARD).
 * Every expected value is worked out by hand in the comments.
 */

/** An installation with its station connected and booted, and the station's grid meter. */
interface Home {
  station: TestStation;
  stationPath: string;
  meterPath: string;
}

async function aHome(
  t: TestApp,
  token: string,
  options: {
    serialNumber: string;
    timezone?: 'Romance Standard Time' | 'GMT Standard Time';
    ticConsent?: boolean;
    configuration?: Record<string, string>;
  },
): Promise<Home> {
  const timezone = options.timezone ?? 'Romance Standard Time';
  const installationId = (
    await t.api('POST', '/v1/installations', {
      token,
      body: {
        name: options.serialNumber,
        locationName: timezone === 'GMT Standard Time' ? 'London' : 'Paris',
        locationGpsCoordinates: { latitude: 48.85, longitude: 2.35 },
      },
    })
  ).json().installationId;
  const device = await t.app.platform.devices.provision({ serialNumber: options.serialNumber });
  const associated = await t.api('POST', `/v1/installations/${installationId}/charging-stations`, {
    token,
    body: {
      uid: device.uid,
      timezone,
      country: timezone === 'GMT Standard Time' ? 'en-gb' : 'fr-fr',
    },
  });
  expect(associated.statusCode).toBe(201);
  const station = new TestStation({ url: t.wsUrl, uid: device.uid, password: device.password });
  station.configuration.set('WittyAuthorizeTic', 'false');
  for (const [key, value] of Object.entries(options.configuration ?? {})) {
    station.configuration.set(key, value);
  }
  await station.connect();
  await station.boot();
  const meters = await t.api('GET', `/v1/installations/${installationId}/grid-meters`, { token });
  const meterPath = `/v1/installations/${installationId}/grid-meters/${meters.json()[0].id}`;
  if (options.ticConsent) {
    const consent = await t.api('POST', `${meterPath}/operators/authorize-tic`, {
      token,
      body: { authorizeTIC: true },
    });
    expect(consent.statusCode).toBe(200);
  }
  return {
    station,
    stationPath: `/v1/installations/${installationId}/charging-stations/${associated.json().id}`,
    meterPath,
  };
}

/**
 * Register readings (Wh) sent as MeterValues, in order: each one after the first makes a sample
 * of the energy since the previous reading, dated at the previous reading; a reading that
 * repeats the register only moves the start of the next interval.
 */
async function sendRegister(station: TestStation, readings: [at: string, wh: number][]) {
  for (const [at, wh] of readings) await station.meterValues(1, undefined, at, wh);
}

const padded = (value: number, width = 9) => String(value).padStart(width, '0');

/** What a bucket holds for one tariff, worked out by hand. */
interface Bucket {
  date: string;
  sum: number;
  count: number;
  average: number;
  min: number;
  max: number;
}

/** The row an operator gives for a bucket whose samples are all Base (th, an hp tariff). */
function baseRow(operator: Operator, bucket: Bucket) {
  const { date } = bucket;
  switch (operator) {
    case 'sum':
      return { date, tariffType: 'hp', value: bucket.sum, valueTh: bucket.sum };
    case 'count':
      return { date, tariffType: 'hp', value: bucket.count, valueTh: bucket.count };
    case 'average':
      return { date, tariffType: 'hp', value: bucket.average, valueTh: bucket.average };
    case 'min-max':
      return {
        date,
        tariffType: 'hp',
        value: bucket.max,
        valueMin: bucket.min,
        valueMax: bucket.max,
        valueTh: bucket.max,
      };
  }
}

describeEachDialect('measure operators by step', (dialect) => {
  let t: TestApp;
  let token: string;
  const homes: Home[] = [];
  const post = (path: string, body: unknown) => t.api('POST', path, { token, body });

  beforeAll(async () => {
    t = await createTestApp(dialect, {}, { listen: true });
    ({ token } = await t.user('owner'));
  });
  afterAll(async () => {
    for (const home of homes) await home.station.close();
    await t.close();
  });

  /*
   * A station in Paris without TIC consent: every sample is Base (th, hp) at 0.194 €/kWh.
   * EnergyConsumption samples (kWh), UTC → Paris local time:
   *   A1 2025-12-31T22:40Z  Wed 31 Dec 23:40 (+01)  0.1
   *   A2 2025-12-31T22:50Z  Wed 31 Dec 23:50        0.2
   *   A3 2025-12-31T23:00Z  Thu  1 Jan 00:00        0.3
   *   D1 2026-03-28T22:50Z  Sat 28 Mar 23:50 (+01)  0.8
   *   D2 2026-03-28T23:00Z  Sun 29 Mar 00:00 (+01)  0.9   29 March lasts 23 hours:
   *   D3 2026-03-29T21:50Z  Sun 29 Mar 23:50 (+02)  1.6   clocks go 02:00 → 03:00
   *   D4 2026-03-29T22:00Z  Mon 30 Mar 00:00 (+02)  1.7
   *   B1 2026-05-31T21:40Z  Sun 31 May 23:40 (+02)  0.4
   *   B2 2026-05-31T21:50Z  Sun 31 May 23:50        0.5
   *   B3 2026-05-31T22:00Z  Mon  1 Jun 00:00        0.6   Monday: a new ISO week and month
   *   B4 2026-05-31T22:10Z  Mon  1 Jun 00:10        0.7
   *   C1..C6 2026-06-02T10:00Z..10:50Z (Tue 12:00..12:50)  1.0 1.1 1.2 1.3 1.4 1.5
   *   C7 2026-06-02T11:00Z  0.2
   *   C8 2026-06-02T11:10Z  0.3
   */
  describe('a station in Paris', () => {
    let paris: Home;
    beforeAll(async () => {
      paris = await aHome(t, token, { serialNumber: 'STEPS-PARIS' });
      homes.push(paris);
      await sendRegister(paris.station, [
        ['2025-12-31T22:40:00.000Z', 10_000], // first reading: the baseline
        ['2025-12-31T22:50:00.000Z', 10_100], // A1
        ['2025-12-31T23:00:00.000Z', 10_300], // A2
        ['2025-12-31T23:10:00.000Z', 10_600], // A3
        ['2026-03-28T22:50:00.000Z', 10_600], // same register: no sample, a new interval start
        ['2026-03-28T23:00:00.000Z', 11_400], // D1
        ['2026-03-28T23:10:00.000Z', 12_300], // D2
        ['2026-03-29T21:50:00.000Z', 12_300],
        ['2026-03-29T22:00:00.000Z', 13_900], // D3
        ['2026-03-29T22:10:00.000Z', 15_600], // D4
        ['2026-05-31T21:40:00.000Z', 15_600],
        ['2026-05-31T21:50:00.000Z', 16_000], // B1
        ['2026-05-31T22:00:00.000Z', 16_500], // B2
        ['2026-05-31T22:10:00.000Z', 17_100], // B3
        ['2026-05-31T22:20:00.000Z', 17_800], // B4
        ['2026-06-02T10:00:00.000Z', 17_800],
        ['2026-06-02T10:10:00.000Z', 18_800], // C1
        ['2026-06-02T10:20:00.000Z', 19_900], // C2
        ['2026-06-02T10:30:00.000Z', 21_100], // C3
        ['2026-06-02T10:40:00.000Z', 22_400], // C4
        ['2026-06-02T10:50:00.000Z', 23_800], // C5
        ['2026-06-02T11:00:00.000Z', 25_300], // C6
        ['2026-06-02T11:10:00.000Z', 25_500], // C7
        ['2026-06-02T11:20:00.000Z', 25_800], // C8
      ]);
    });

    /** Each step over a range of whole buckets, with the buckets worked out by hand. */
    const MATRIX: Record<Step, { startDate: string; endDate: string; buckets: Bucket[] }> = {
      hour: {
        startDate: '2026-06-02T10:00:00.000Z',
        endDate: '2026-06-02T12:00:00.000Z',
        buckets: [
          // C1..C6: 1.0+1.1+1.2+1.3+1.4+1.5 = 7.5 over 6 → 1.25
          { date: '2026-06-02T10:00:00.000Z', sum: 7.5, count: 6, average: 1.25, min: 1, max: 1.5 },
          // C7, C8: 0.2+0.3 = 0.5 over 2 → 0.25
          {
            date: '2026-06-02T11:00:00.000Z',
            sum: 0.5,
            count: 2,
            average: 0.25,
            min: 0.2,
            max: 0.3,
          },
        ],
      },
      day: {
        startDate: '2026-05-31T00:00:00.000Z',
        endDate: '2026-06-03T00:00:00.000Z',
        buckets: [
          // Sun 31 May starts at 00:00+02 = 30 May 22:00Z. B1+B2 = 0.4+0.5 = 0.9 over 2
          {
            date: '2026-05-30T22:00:00.000Z',
            sum: 0.9,
            count: 2,
            average: 0.45,
            min: 0.4,
            max: 0.5,
          },
          // Mon 1 June: B3+B4 = 0.6+0.7 = 1.3 over 2
          {
            date: '2026-05-31T22:00:00.000Z',
            sum: 1.3,
            count: 2,
            average: 0.65,
            min: 0.6,
            max: 0.7,
          },
          // Tue 2 June: C1..C8 = 7.5+0.5 = 8 over 8 → 1
          { date: '2026-06-01T22:00:00.000Z', sum: 8, count: 8, average: 1, min: 0.2, max: 1.5 },
        ],
      },
      week: {
        // 25 May 00:00Z is already 02:00 on Monday 25 May in Paris; its week began at 24 May 22:00Z.
        startDate: '2026-05-25T00:00:00.000Z',
        endDate: '2026-06-08T00:00:00.000Z',
        buckets: [
          // Week of Mon 25 May: B1+B2 (Sunday evening) = 0.9
          {
            date: '2026-05-24T22:00:00.000Z',
            sum: 0.9,
            count: 2,
            average: 0.45,
            min: 0.4,
            max: 0.5,
          },
          // Week of Mon 1 June from local midnight: B3+B4+C1..C8 = 1.3+8 = 9.3 over 10
          {
            date: '2026-05-31T22:00:00.000Z',
            sum: 9.3,
            count: 10,
            average: 0.93,
            min: 0.2,
            max: 1.5,
          },
        ],
      },
      month: {
        startDate: '2025-12-01T00:00:00.000Z',
        endDate: '2026-07-01T00:00:00.000Z',
        buckets: [
          // December (from 30 Nov 23:00Z): A1+A2 = 0.3 over 2
          {
            date: '2025-11-30T23:00:00.000Z',
            sum: 0.3,
            count: 2,
            average: 0.15,
            min: 0.1,
            max: 0.2,
          },
          // January (from 31 Dec 23:00Z): A3 alone, at local midnight
          {
            date: '2025-12-31T23:00:00.000Z',
            sum: 0.3,
            count: 1,
            average: 0.3,
            min: 0.3,
            max: 0.3,
          },
          // March (from 28 Feb 23:00Z): D1..D4 = 0.8+0.9+1.6+1.7 = 5 over 4 → 1.25
          { date: '2026-02-28T23:00:00.000Z', sum: 5, count: 4, average: 1.25, min: 0.8, max: 1.7 },
          // May (from 30 April 22:00Z, summer time): B1+B2 = 0.9
          {
            date: '2026-04-30T22:00:00.000Z',
            sum: 0.9,
            count: 2,
            average: 0.45,
            min: 0.4,
            max: 0.5,
          },
          // June: B3+B4+C1..C8 = 9.3 over 10
          {
            date: '2026-05-31T22:00:00.000Z',
            sum: 9.3,
            count: 10,
            average: 0.93,
            min: 0.2,
            max: 1.5,
          },
        ],
      },
      year: {
        startDate: '2025-01-01T00:00:00.000Z',
        endDate: '2027-01-01T00:00:00.000Z',
        buckets: [
          // 2025 (from 31 Dec 2024 23:00Z): A1+A2 = 0.3 over 2
          {
            date: '2024-12-31T23:00:00.000Z',
            sum: 0.3,
            count: 2,
            average: 0.15,
            min: 0.1,
            max: 0.2,
          },
          // 2026: A3 + D1..D4 + B1..B4 + C1..C8 = 0.3+5+2.2+8 = 15.5 over 1+4+4+8 = 17
          // → 15.5/17 = 0.9117647… = 0.911765 (six decimals); min C7 0.2, max D4 1.7
          {
            date: '2025-12-31T23:00:00.000Z',
            sum: 15.5,
            count: 17,
            average: 0.911765,
            min: 0.2,
            max: 1.7,
          },
        ],
      },
    };

    it.each(
      (Object.keys(MATRIX) as Step[]).flatMap((step) =>
        OPERATORS.map((operator) => ({ step, operator })),
      ),
    )('$operator by $step', async ({ step, operator }) => {
      const { startDate, endDate, buckets } = MATRIX[step];
      const response = await post(`${paris.stationPath}/measures/1/operators/${operator}`, {
        startDate,
        endDate,
        step,
      });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual(buckets.map((bucket) => baseRow(operator, bucket)));
    });

    it('a range cut mid-hour keeps the samples dated in [startDate, endDate)', async () => {
      // C3 (10:20) started before 10:25 and is left out although its interval ends at 10:30;
      // C4..C6 = 1.3+1.4+1.5 = 4.2; C7 (11:00) is in, C8 (11:10) starts after 11:05.
      const cut = await post(`${paris.stationPath}/measures/1/operators/sum`, {
        startDate: '2026-06-02T10:25:00.000Z',
        endDate: '2026-06-02T11:05:00.000Z',
        step: 'hour',
      });
      expect(cut.json()).toEqual([
        { date: '2026-06-02T10:00:00.000Z', tariffType: 'hp', value: 4.2, valueTh: 4.2 },
        { date: '2026-06-02T11:00:00.000Z', tariffType: 'hp', value: 0.2, valueTh: 0.2 },
      ]);
      // startDate is included and endDate excluded: C3..C6 = 1.2+1.3+1.4+1.5 = 5.4, C7 but not C8.
      const edges = await post(`${paris.stationPath}/measures/1/operators/count`, {
        startDate: '2026-06-02T10:20:00.000Z',
        endDate: '2026-06-02T11:10:00.000Z',
        step: 'hour',
      });
      expect(edges.json()).toEqual([
        { date: '2026-06-02T10:00:00.000Z', tariffType: 'hp', value: 4, valueTh: 4 },
        { date: '2026-06-02T11:00:00.000Z', tariffType: 'hp', value: 1, valueTh: 1 },
      ]);
    });

    it.each([
      [
        'day',
        [
          // Sunday from 21:45Z: B2 only (B1 at 21:40Z is before the start) = 0.5
          { date: '2026-05-30T22:00:00.000Z', tariffType: 'hp', value: 0.5, valueTh: 0.5 },
          // Monday, whole: B3+B4 = 1.3
          { date: '2026-05-31T22:00:00.000Z', tariffType: 'hp', value: 1.3, valueTh: 1.3 },
          // Tuesday until 10:35Z: C1..C4 = 1.0+1.1+1.2+1.3 = 4.6
          { date: '2026-06-01T22:00:00.000Z', tariffType: 'hp', value: 4.6, valueTh: 4.6 },
        ],
      ],
      [
        'week',
        [
          { date: '2026-05-24T22:00:00.000Z', tariffType: 'hp', value: 0.5, valueTh: 0.5 },
          // 1.3 + 4.6 = 5.9
          { date: '2026-05-31T22:00:00.000Z', tariffType: 'hp', value: 5.9, valueTh: 5.9 },
        ],
      ],
      [
        'month',
        [
          // May: B2 = 0.5; June: B3+B4+C1..C4 = 1.3+4.6 = 5.9
          { date: '2026-04-30T22:00:00.000Z', tariffType: 'hp', value: 0.5, valueTh: 0.5 },
          { date: '2026-05-31T22:00:00.000Z', tariffType: 'hp', value: 5.9, valueTh: 5.9 },
        ],
      ],
      [
        'year',
        // 0.5 + 5.9 = 6.4
        [{ date: '2025-12-31T23:00:00.000Z', tariffType: 'hp', value: 6.4, valueTh: 6.4 }],
      ],
    ] as const)(
      'a range cut mid-hour on both days, by %s, mixes partial and whole days',
      async (step, rows) => {
        const response = await post(`${paris.stationPath}/measures/1/operators/sum`, {
          startDate: '2026-05-31T21:45:00.000Z',
          endDate: '2026-06-02T10:35:00.000Z',
          step,
        });
        expect(response.json()).toEqual(rows);
      },
    );

    it('a day step across the spring change has a 23-hour day', async () => {
      const response = await post(`${paris.stationPath}/measures/1/operators/sum`, {
        startDate: '2026-03-28T00:00:00.000Z',
        endDate: '2026-03-31T00:00:00.000Z',
        step: 'day',
      });
      expect(response.json()).toEqual([
        // Sat 28 March starts at 27 March 23:00Z (+01): D1 = 0.8
        { date: '2026-03-27T23:00:00.000Z', tariffType: 'hp', value: 0.8, valueTh: 0.8 },
        // Sun 29 March, 28 March 23:00Z → 29 March 22:00Z (23 hours): D2+D3 = 0.9+1.6 = 2.5
        { date: '2026-03-28T23:00:00.000Z', tariffType: 'hp', value: 2.5, valueTh: 2.5 },
        // Mon 30 March starts at 22:00Z (+02): D4 = 1.7
        { date: '2026-03-29T22:00:00.000Z', tariffType: 'hp', value: 1.7, valueTh: 1.7 },
      ]);
    });

    it('costs follow the energy at the default Base price', async () => {
      const response = await post(`${paris.stationPath}/measures/3/operators/sum`, {
        startDate: '2026-06-02T00:00:00.000Z',
        endDate: '2026-06-03T00:00:00.000Z',
        step: 'day',
      });
      // C1..C8 = 8 kWh × 0.194 = 1.552 (each sample priced and rounded to 1e-6 first:
      // 0.194 + 0.2134 + 0.2328 + 0.2522 + 0.2716 + 0.291 + 0.0388 + 0.0582 = 1.552)
      expect(response.json()).toEqual([
        { date: '2026-06-01T22:00:00.000Z', tariffType: 'hp', value: 1.552, valueTh: 1.552 },
      ]);
    });
  });

  /*
   * A station in 'GMT Standard Time' (Europe/London, +00 in winter, +01 in summer):
   *   L1 2026-01-31T23:50Z  Sat 31 Jan 23:50 in London (already 1 February in Paris)  0.1
   *   L2 2026-06-01T22:50Z  Mon  1 Jun 23:50 (+01)                                     0.5
   *   L3 2026-06-01T23:00Z  Tue  2 Jun 00:00 (+01)                                     0.6
   */
  describe('a station in London', () => {
    let london: Home;
    beforeAll(async () => {
      london = await aHome(t, token, {
        serialNumber: 'STEPS-LONDON',
        timezone: 'GMT Standard Time',
      });
      homes.push(london);
      await sendRegister(london.station, [
        ['2026-01-31T23:50:00.000Z', 1000],
        ['2026-02-01T00:00:00.000Z', 1100], // L1
        ['2026-06-01T22:50:00.000Z', 1100],
        ['2026-06-01T23:00:00.000Z', 1600], // L2
        ['2026-06-01T23:10:00.000Z', 2200], // L3
      ]);
    });

    it.each([
      [
        'day',
        '2026-06-01T00:00:00.000Z',
        '2026-06-03T00:00:00.000Z',
        // London days start at 23:00Z in summer (Paris days at 22:00Z): L2 on 1 June, L3 on 2 June
        [
          { date: '2026-05-31T23:00:00.000Z', tariffType: 'hp', value: 0.5, valueTh: 0.5 },
          { date: '2026-06-01T23:00:00.000Z', tariffType: 'hp', value: 0.6, valueTh: 0.6 },
        ],
      ],
      [
        'week',
        '2026-05-25T00:00:00.000Z',
        '2026-06-08T00:00:00.000Z',
        // The week of Monday 1 June starts at London midnight, 31 May 23:00Z: L2+L3 = 1.1
        [{ date: '2026-05-31T23:00:00.000Z', tariffType: 'hp', value: 1.1, valueTh: 1.1 }],
      ],
      [
        'month',
        '2026-01-01T00:00:00.000Z',
        '2026-07-01T00:00:00.000Z',
        // L1 is in London's January (from 1 Jan 00:00Z); June from 31 May 23:00Z: 1.1
        [
          { date: '2026-01-01T00:00:00.000Z', tariffType: 'hp', value: 0.1, valueTh: 0.1 },
          { date: '2026-05-31T23:00:00.000Z', tariffType: 'hp', value: 1.1, valueTh: 1.1 },
        ],
      ],
      [
        'year',
        '2026-01-01T00:00:00.000Z',
        '2027-01-01T00:00:00.000Z',
        // 2026 starts at 00:00Z in London: 0.1+0.5+0.6 = 1.2
        [{ date: '2026-01-01T00:00:00.000Z', tariffType: 'hp', value: 1.2, valueTh: 1.2 }],
      ],
    ] as const)(
      'sum by %s follows the London time zone',
      async (step, startDate, endDate, rows) => {
        const response = await post(`${london.stationPath}/measures/1/operators/sum`, {
          startDate,
          endDate,
          step,
        });
        expect(response.json()).toEqual(rows);
      },
    );
  });

  /*
   * A TEMPO grid meter (historic TIC, OPTARIF BBR(), frames every 10 minutes on Mon 12 January:
   *   05:00Z baseline; 05:10Z HCJB +400 Wh; 05:20Z HCJW +200; 05:30Z HPJB +300; 05:40Z HPJW +100;
   *   05:50Z HCJR +500 and HPJR +700 (the colour changed inside the interval).
   * Samples, dated at the previous frame: 05:00 hcjb 0.4, 05:10 hcjw 0.2, 05:20 hpjb 0.3,
   * 05:30 hpjw 0.1, 05:40 hcjr 0.5 and hpjr 0.7. All in the 05:00Z hour:
   *   hc = hcjb 0.4 + hcjw 0.2 + hcjr 0.5 = 1.1 over 3;  hp = hpjb 0.3 + hpjw 0.1 + hpjr 0.7 = 1.1 over 3.
   */
  describe('a TEMPO grid meter', () => {
    let tempo: Home;
    const HOUR = { startDate: '2026-01-12T05:00:00.000Z', endDate: '2026-01-12T06:00:00.000Z' };
    const date = HOUR.startDate;
    const frame = (
      ptec: string,
      [hcjb, hpjb, hcjw, hpjw, hcjr, hpjr]: [number, number, number, number, number, number],
    ) => ({
      ADCO: '021728123456',
      OPTARIF: 'BBR(',
      ISOUSC: '45',
      BBRHCJB: padded(hcjb),
      BBRHPJB: padded(hpjb),
      BBRHCJW: padded(hcjw),
      BBRHPJW: padded(hpjw),
      BBRHCJR: padded(hcjr),
      BBRHPJR: padded(hpjr),
      PTEC: ptec,
      DEMAIN: '----',
      IINST: '002',
      IMAX: '090',
      PAPP: '00460',
      HHPHC: 'Y',
    });

    beforeAll(async () => {
      tempo = await aHome(t, token, { serialNumber: 'STEPS-TEMPO', ticConsent: true });
      homes.push(tempo);
      const frames: [string, ReturnType<typeof frame>][] = [
        ['05:00', frame('HCJB', [100_000, 200_000, 300_000, 400_000, 500_000, 600_000])],
        ['05:10', frame('HCJB', [100_400, 200_000, 300_000, 400_000, 500_000, 600_000])],
        ['05:20', frame('HCJW', [100_400, 200_000, 300_200, 400_000, 500_000, 600_000])],
        ['05:30', frame('HPJB', [100_400, 200_300, 300_200, 400_000, 500_000, 600_000])],
        ['05:40', frame('HPJW', [100_400, 200_300, 300_200, 400_100, 500_000, 600_000])],
        ['05:50', frame('HPJR', [100_400, 200_300, 300_200, 400_100, 500_500, 600_700])],
      ];
      for (const [time, labels] of frames) {
        const answer = await tempo.station.dataTransfer('Tic', {
          labels,
          timestamp: `2026-01-12T${time}:00.000Z`,
        });
        expect(answer).toEqual({ status: 'Accepted' });
      }
    });

    it('the grid meter reads TEMPO with the colour-and-hour tariff in force', async () => {
      const properties = (await t.api('GET', tempo.meterPath, { token })).json().properties;
      expect(properties).toMatchObject({
        ticType: 5,
        gridSubscription: 'TEMPO',
        currentTariff: 'HPJR',
        intensitySubscribed: 45,
      });
      expect(properties.generalConsumption.consumptions).toEqual([
        { name: 'HCJB', value: 100_400 },
        { name: 'HPJB', value: 200_300 },
        { name: 'HCJW', value: 300_200 },
        { name: 'HPJW', value: 400_100 },
        { name: 'HCJR', value: 500_500 },
        { name: 'HPJR', value: 600_700 },
      ]);
    });

    it.each([
      [
        'sum',
        // value is the sum of the row's tariffs: 0.4+0.2+0.5 = 1.1, 0.3+0.1+0.7 = 1.1
        [
          { date, tariffType: 'hc', value: 1.1, valueHcjb: 0.4, valueHcjw: 0.2, valueHcjr: 0.5 },
          { date, tariffType: 'hp', value: 1.1, valueHpjb: 0.3, valueHpjw: 0.1, valueHpjr: 0.7 },
        ],
      ],
      [
        'count',
        [
          { date, tariffType: 'hc', value: 3, valueHcjb: 1, valueHcjw: 1, valueHcjr: 1 },
          { date, tariffType: 'hp', value: 3, valueHpjb: 1, valueHpjw: 1, valueHpjr: 1 },
        ],
      ],
      [
        'average',
        // over the whole group: 1.1 / 3 = 0.366667 (six decimals)
        [
          {
            date,
            tariffType: 'hc',
            value: 0.366667,
            valueHcjb: 0.4,
            valueHcjw: 0.2,
            valueHcjr: 0.5,
          },
          {
            date,
            tariffType: 'hp',
            value: 0.366667,
            valueHpjb: 0.3,
            valueHpjw: 0.1,
            valueHpjr: 0.7,
          },
        ],
      ],
      [
        'min-max',
        // hc: min hcjw 0.2, max hcjr 0.5; hp: min hpjw 0.1, max hpjr 0.7
        [
          {
            date,
            tariffType: 'hc',
            value: 0.5,
            valueMin: 0.2,
            valueMax: 0.5,
            valueHcjb: 0.4,
            valueHcjw: 0.2,
            valueHcjr: 0.5,
          },
          {
            date,
            tariffType: 'hp',
            value: 0.7,
            valueMin: 0.1,
            valueMax: 0.7,
            valueHpjb: 0.3,
            valueHpjw: 0.1,
            valueHpjr: 0.7,
          },
        ],
      ],
    ] as const)(
      '%s by hour: one row per tariff type with a valueXxx per tariff',
      async (op, rows) => {
        const response = await post(`${tempo.meterPath}/measures/1/operators/${op}`, {
          ...HOUR,
          step: 'hour',
        });
        expect(response.json()).toEqual(rows);
      },
    );

    it('costs price each tariff at its own default price', async () => {
      const response = await post(`${tempo.meterPath}/measures/2/operators/sum`, {
        startDate: '2026-01-12T00:00:00.000Z',
        endDate: '2026-01-13T00:00:00.000Z',
        step: 'day',
      });
      // Mon 12 January starts at 11 January 23:00Z. hcjb 0.4 × 0.1325 = 0.053,
      // hcjw 0.2 × 0.1499 = 0.02998, hcjr 0.5 × 0.1575 = 0.07875 → 0.16173;
      // hpjb 0.3 × 0.1612 = 0.04836, hpjw 0.1 × 0.1871 = 0.01871, hpjr 0.7 × 0.706 = 0.4942 → 0.56127
      expect(response.json()).toEqual([
        {
          date: '2026-01-11T23:00:00.000Z',
          tariffType: 'hc',
          value: 0.16173,
          valueHcjb: 0.053,
          valueHcjw: 0.02998,
          valueHcjr: 0.07875,
        },
        {
          date: '2026-01-11T23:00:00.000Z',
          tariffType: 'hp',
          value: 0.56127,
          valueHpjb: 0.04836,
          valueHpjw: 0.01871,
          valueHpjr: 0.4942,
        },
      ]);
    });
  });

  /*
   * A STANDARD grid meter (Linky standard TIC): supplier indexes EASF01..EASF10 are tariff1..10,
   * NTARF the one in force. This station classes WittyTariff3 as hp (the test station's default
   * would be hc, odd tariffs hc and even ones hp), so the class comes from the station.
   *   05:00Z baseline; 05:10Z EASF01 +300 Wh; 05:20Z EASF02 +500; 05:30Z EASF03 +200.
   * Samples: 05:00 tariff1 0.3 (hc), 05:10 tariff2 0.5 (hp), 05:20 tariff3 0.2 (hp).
   */
  describe('a STANDARD grid meter', () => {
    let standard: Home;
    const frame = (ntarf: number, easf: number[]) => ({
      ADSC: '041876097623',
      VTIC: '02',
      NGTF: 'H PLEINE/CREUSE ',
      NTARF: padded(ntarf, 2),
      EAST: padded(easf.reduce((sum, index) => sum + index, 0)),
      ...Object.fromEntries(easf.map((index, n) => [`EASF${padded(n + 1, 2)}`, padded(index)])),
      PREF: '09',
      SINSTS: '00500',
      IRMS1: '002',
    });
    const indexes = (first: number, second: number, third: number) => [
      first,
      second,
      third,
      ...Array<number>(7).fill(0),
    ];

    beforeAll(async () => {
      standard = await aHome(t, token, {
        serialNumber: 'STEPS-STANDARD',
        ticConsent: true,
        configuration: { WittyTariff3: 'hp' },
      });
      homes.push(standard);
      const frames: [string, ReturnType<typeof frame>][] = [
        ['05:00', frame(1, indexes(10_000, 20_000, 30_000))],
        ['05:10', frame(1, indexes(10_300, 20_000, 30_000))],
        ['05:20', frame(2, indexes(10_300, 20_500, 30_000))],
        ['05:30', frame(3, indexes(10_300, 20_500, 30_200))],
      ];
      for (const [time, labels] of frames) {
        const answer = await standard.station.dataTransfer('Tic', {
          labels,
          timestamp: `2026-01-12T${time}:00.000Z`,
        });
        expect(answer).toEqual({ status: 'Accepted' });
      }
    });

    it('the grid meter reads STANDARD, standard mono, PREF 9 kVA × 5 A', async () => {
      const properties = (await t.api('GET', standard.meterPath, { token })).json().properties;
      expect(properties).toMatchObject({
        ticType: 3,
        gridSubscription: 'STANDARD',
        currentTariff: 'TARIFF3',
        intensitySubscribed: 45,
        generalConsumption: { consumptionTotalIndex: 10_300 + 20_500 + 30_200 },
      });
    });

    it('the station’s tariff classes decide hc and hp', async () => {
      const response = await post(`${standard.meterPath}/measures/1/operators/sum`, {
        startDate: '2026-01-12T05:00:00.000Z',
        endDate: '2026-01-12T06:00:00.000Z',
        step: 'hour',
      });
      expect(response.json()).toEqual([
        { date: '2026-01-12T05:00:00.000Z', tariffType: 'hc', value: 0.3, valueTariff1: 0.3 },
        // tariff2 0.5 + tariff3 0.2 = 0.7
        {
          date: '2026-01-12T05:00:00.000Z',
          tariffType: 'hp',
          value: 0.7,
          valueTariff2: 0.5,
          valueTariff3: 0.2,
        },
      ]);
    });
  });
});
