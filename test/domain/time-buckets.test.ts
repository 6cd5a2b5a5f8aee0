import { describe, expect, it } from 'vitest';
import {
  STEPS,
  WINDOWS_TIME_ZONES,
  bucketStart,
  bucketsBetween,
  checkRange,
  dayOf,
  ianaZone,
  localDay,
  nextBucketStart,
  type RangeProblem,
  type Step,
} from '../../src/domain/time-buckets.js';

// In 2026 the EU changes clocks at 01:00Z on Sunday 29 March and Sunday 25 October:
// Paris/Berlin go CET (+1) → CEST (+2) → CET, London GMT (+0) → BST (+1) → GMT.
const PARIS = 'Europe/Paris';
const LONDON = 'Europe/London';
const BERLIN = 'Europe/Berlin';

const at = (iso: string) => new Date(iso);
const iso = (date: Date) => date.toISOString();
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('ianaZone', () => {
  it.each(Object.entries(WINDOWS_TIME_ZONES))('%s is %s', (windowsName, zone) => {
    expect(ianaZone(windowsName)).toBe(zone);
  });

  it.each(['Pacific Standard Time', 'Europe/Paris', '', 'toString', 'constructor'])(
    'refuses %j',
    (windowsName) => {
      expect(() => ianaZone(windowsName)).toThrow(/unknown Windows time zone/);
    },
  );
});

describe('STEPS', () => {
  it('lists the guide steps, finest first', () => {
    expect(STEPS).toEqual(['hour', 'day', 'week', 'month', 'year']);
  });
});

describe('bucketStart', () => {
  it.each<[string, Step, string, string]>([
    // Day buckets around the spring-forward day: local midnight is 23:00Z before, 22:00Z after.
    [PARIS, 'day', '2026-03-28T12:00:00.000Z', '2026-03-27T23:00:00.000Z'],
    [PARIS, 'day', '2026-03-28T23:00:00.000Z', '2026-03-28T23:00:00.000Z'],
    [PARIS, 'day', '2026-03-29T00:59:59.999Z', '2026-03-28T23:00:00.000Z'],
    [PARIS, 'day', '2026-03-29T01:00:00.000Z', '2026-03-28T23:00:00.000Z'],
    [PARIS, 'day', '2026-03-29T21:59:59.999Z', '2026-03-28T23:00:00.000Z'],
    [PARIS, 'day', '2026-03-29T22:00:00.000Z', '2026-03-29T22:00:00.000Z'],
    // Fall-back day: starts 22:00Z (CEST), the next one 23:00Z (CET).
    [PARIS, 'day', '2026-10-24T22:00:00.000Z', '2026-10-24T22:00:00.000Z'],
    [PARIS, 'day', '2026-10-25T00:30:00.000Z', '2026-10-24T22:00:00.000Z'],
    [PARIS, 'day', '2026-10-25T01:30:00.000Z', '2026-10-24T22:00:00.000Z'],
    [PARIS, 'day', '2026-10-25T22:59:59.999Z', '2026-10-24T22:00:00.000Z'],
    [PARIS, 'day', '2026-10-25T23:00:00.000Z', '2026-10-25T23:00:00.000Z'],
    // London: day starts at 00:00Z in winter, 23:00Z the evening before in summer.
    [LONDON, 'day', '2026-03-29T00:30:00.000Z', '2026-03-29T00:00:00.000Z'],
    [LONDON, 'day', '2026-03-29T22:59:59.999Z', '2026-03-29T00:00:00.000Z'],
    [LONDON, 'day', '2026-03-29T23:00:00.000Z', '2026-03-29T23:00:00.000Z'],
    [LONDON, 'day', '2026-10-24T23:00:00.000Z', '2026-10-24T23:00:00.000Z'],
    [LONDON, 'day', '2026-10-25T23:59:59.999Z', '2026-10-24T23:00:00.000Z'],
    [LONDON, 'day', '2026-10-26T00:00:00.000Z', '2026-10-26T00:00:00.000Z'],
    // Berlin follows the same rules as Paris.
    [BERLIN, 'day', '2026-03-29T12:00:00.000Z', '2026-03-28T23:00:00.000Z'],
    [BERLIN, 'day', '2026-03-30T12:00:00.000Z', '2026-03-29T22:00:00.000Z'],
    [BERLIN, 'day', '2026-10-25T12:00:00.000Z', '2026-10-24T22:00:00.000Z'],
    [BERLIN, 'day', '2026-10-26T12:00:00.000Z', '2026-10-25T23:00:00.000Z'],
    // UTC evening already belongs to the next local day in Paris.
    [PARIS, 'day', '2026-06-29T22:30:00.000Z', '2026-06-29T22:00:00.000Z'],
    // Hours: a real UTC hour each, the two local 02:00 of 25 October in Paris included.
    [PARIS, 'hour', '2026-10-25T00:30:00.000Z', '2026-10-25T00:00:00.000Z'],
    [PARIS, 'hour', '2026-10-25T01:30:00.000Z', '2026-10-25T01:00:00.000Z'],
    [PARIS, 'hour', '2026-10-25T01:59:59.999Z', '2026-10-25T01:00:00.000Z'],
    [LONDON, 'hour', '2026-10-25T00:45:00.000Z', '2026-10-25T00:00:00.000Z'],
    [LONDON, 'hour', '2026-10-25T01:45:00.000Z', '2026-10-25T01:00:00.000Z'],
    // Spring-forward: 01:59 CET is followed by 03:00 CEST.
    [PARIS, 'hour', '2026-03-29T00:59:59.999Z', '2026-03-29T00:00:00.000Z'],
    [PARIS, 'hour', '2026-03-29T01:00:00.000Z', '2026-03-29T01:00:00.000Z'],
    // A half-hour offset: 16:15 IST is in the local hour that starts at 16:00 IST = 10:30Z.
    ['Asia/Kolkata', 'hour', '2026-01-01T10:45:00.000Z', '2026-01-01T10:30:00.000Z'],
    // ISO weeks start on Monday 00:00 local: Monday 23 March (CET), Monday 30 March (CEST).
    [PARIS, 'week', '2026-03-29T12:00:00.000Z', '2026-03-22T23:00:00.000Z'],
    [PARIS, 'week', '2026-03-22T23:00:00.000Z', '2026-03-22T23:00:00.000Z'],
    [PARIS, 'week', '2026-03-22T22:59:59.999Z', '2026-03-15T23:00:00.000Z'],
    [PARIS, 'week', '2026-03-29T22:00:00.000Z', '2026-03-29T22:00:00.000Z'],
    [PARIS, 'week', '2026-10-25T12:00:00.000Z', '2026-10-18T22:00:00.000Z'],
    [PARIS, 'week', '2026-10-25T23:00:00.000Z', '2026-10-25T23:00:00.000Z'],
    [LONDON, 'week', '2026-03-29T12:00:00.000Z', '2026-03-23T00:00:00.000Z'],
    [LONDON, 'week', '2026-10-25T12:00:00.000Z', '2026-10-18T23:00:00.000Z'],
    // The guide's example date: Monday 29 June 2020, 00:00Z in London = 01:00 BST.
    [LONDON, 'week', '2020-07-01T10:00:00.000Z', '2020-06-28T23:00:00.000Z'],
    ['UTC', 'week', '2020-07-01T10:00:00.000Z', '2020-06-29T00:00:00.000Z'],
    // Months.
    [PARIS, 'month', '2026-03-15T12:00:00.000Z', '2026-02-28T23:00:00.000Z'],
    [PARIS, 'month', '2026-03-31T21:59:59.999Z', '2026-02-28T23:00:00.000Z'],
    [PARIS, 'month', '2026-03-31T22:00:00.000Z', '2026-03-31T22:00:00.000Z'],
    [PARIS, 'month', '2026-04-15T12:00:00.000Z', '2026-03-31T22:00:00.000Z'],
    [PARIS, 'month', '2026-10-31T23:30:00.000Z', '2026-10-31T23:00:00.000Z'],
    [LONDON, 'month', '2026-03-15T12:00:00.000Z', '2026-03-01T00:00:00.000Z'],
    [LONDON, 'month', '2026-04-15T12:00:00.000Z', '2026-03-31T23:00:00.000Z'],
    [BERLIN, 'month', '2026-10-15T12:00:00.000Z', '2026-09-30T22:00:00.000Z'],
    // Years.
    [PARIS, 'year', '2026-07-14T12:00:00.000Z', '2025-12-31T23:00:00.000Z'],
    [PARIS, 'year', '2026-12-31T22:59:59.999Z', '2025-12-31T23:00:00.000Z'],
    [PARIS, 'year', '2026-12-31T23:00:00.000Z', '2026-12-31T23:00:00.000Z'],
    [LONDON, 'year', '2026-07-14T12:00:00.000Z', '2026-01-01T00:00:00.000Z'],
    [BERLIN, 'year', '2024-02-29T12:00:00.000Z', '2023-12-31T23:00:00.000Z'],
  ])('%s %s containing %s starts at %s', (zone, step, instant, expected) => {
    expect(iso(bucketStart(at(instant), step, zone))).toBe(expected);
  });

  it('refuses an unknown zone or an invalid date', () => {
    expect(() => bucketStart(at('2026-01-01T00:00:00Z'), 'day', 'Nowhere/Town')).toThrow(
      RangeError,
    );
    expect(() => bucketStart(new Date(Number.NaN), 'day', PARIS)).toThrow(RangeError);
  });
});

describe('nextBucketStart', () => {
  it.each<[string, Step, string, string, number]>([
    // zone, step, bucket start, next bucket start, hours in the bucket
    [PARIS, 'day', '2026-03-28T23:00:00.000Z', '2026-03-29T22:00:00.000Z', 23],
    [PARIS, 'day', '2026-10-24T22:00:00.000Z', '2026-10-25T23:00:00.000Z', 25],
    [PARIS, 'day', '2026-06-29T22:00:00.000Z', '2026-06-30T22:00:00.000Z', 24],
    [LONDON, 'day', '2026-03-29T00:00:00.000Z', '2026-03-29T23:00:00.000Z', 23],
    [LONDON, 'day', '2026-10-24T23:00:00.000Z', '2026-10-26T00:00:00.000Z', 25],
    [BERLIN, 'day', '2026-03-28T23:00:00.000Z', '2026-03-29T22:00:00.000Z', 23],
    [BERLIN, 'day', '2026-10-24T22:00:00.000Z', '2026-10-25T23:00:00.000Z', 25],
    [PARIS, 'hour', '2026-10-25T00:00:00.000Z', '2026-10-25T01:00:00.000Z', 1],
    [PARIS, 'hour', '2026-10-25T01:00:00.000Z', '2026-10-25T02:00:00.000Z', 1],
    [PARIS, 'hour', '2026-03-29T00:00:00.000Z', '2026-03-29T01:00:00.000Z', 1],
    [PARIS, 'week', '2026-03-22T23:00:00.000Z', '2026-03-29T22:00:00.000Z', 167],
    [PARIS, 'week', '2026-10-18T22:00:00.000Z', '2026-10-25T23:00:00.000Z', 169],
    [PARIS, 'month', '2026-02-28T23:00:00.000Z', '2026-03-31T22:00:00.000Z', 31 * 24 - 1],
    [PARIS, 'month', '2026-09-30T22:00:00.000Z', '2026-10-31T23:00:00.000Z', 31 * 24 + 1],
    [LONDON, 'month', '2026-02-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z', 28 * 24],
    [PARIS, 'year', '2025-12-31T23:00:00.000Z', '2026-12-31T23:00:00.000Z', 365 * 24],
    [BERLIN, 'year', '2023-12-31T23:00:00.000Z', '2024-12-31T23:00:00.000Z', 366 * 24],
  ])('%s %s from %s to %s (%i h)', (zone, step, start, next, hours) => {
    const following = nextBucketStart(at(start), step, zone);
    expect(iso(following)).toBe(next);
    expect((following.getTime() - at(start).getTime()) / HOUR).toBe(hours);
  });

  it('starts from the bucket that contains an instant in the middle of a bucket', () => {
    expect(iso(nextBucketStart(at('2026-03-29T12:34:56.000Z'), 'day', PARIS))).toBe(
      '2026-03-29T22:00:00.000Z',
    );
    expect(iso(nextBucketStart(at('2026-10-25T01:30:00.000Z'), 'hour', PARIS))).toBe(
      '2026-10-25T02:00:00.000Z',
    );
  });
});

describe('bucketsBetween', () => {
  it.each<[string, Step, string, string, number]>([
    [PARIS, 'hour', '2026-10-24T22:00:00.000Z', '2026-10-25T23:00:00.000Z', 25],
    [PARIS, 'hour', '2026-03-28T23:00:00.000Z', '2026-03-29T22:00:00.000Z', 23],
    [LONDON, 'hour', '2026-10-24T23:00:00.000Z', '2026-10-26T00:00:00.000Z', 25],
    [LONDON, 'hour', '2026-03-29T00:00:00.000Z', '2026-03-29T23:00:00.000Z', 23],
    [PARIS, 'hour', '2026-06-29T22:00:00.000Z', '2026-06-30T22:00:00.000Z', 24],
    // A whole local March, then a whole local year, in days.
    [PARIS, 'day', '2026-02-28T23:00:00.000Z', '2026-03-31T22:00:00.000Z', 31],
    [LONDON, 'day', '2026-01-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z', 365],
    [PARIS, 'month', '2025-12-31T23:00:00.000Z', '2026-12-31T23:00:00.000Z', 12],
    // The end is exclusive, the start bucket always included.
    [PARIS, 'day', '2026-03-29T12:00:00.000Z', '2026-03-29T12:00:00.001Z', 1],
    [PARIS, 'day', '2026-03-29T12:00:00.000Z', '2026-03-29T22:00:00.000Z', 1],
    [PARIS, 'day', '2026-03-29T12:00:00.000Z', '2026-03-29T22:00:00.001Z', 2],
    [PARIS, 'day', '2026-03-29T12:00:00.000Z', '2026-03-29T12:00:00.000Z', 0],
    [PARIS, 'day', '2026-03-29T12:00:00.000Z', '2026-03-28T12:00:00.000Z', 0],
    // The guide's example request: 2 June 00:58Z to 4 June 12:15Z.
    [LONDON, 'day', '2020-06-02T00:58:24.458Z', '2020-06-04T12:15:33.458Z', 3],
    ['UTC', 'hour', '2020-06-02T00:58:24.458Z', '2020-06-04T12:15:33.458Z', 61],
  ])('%s %s in [%s, %s): %i buckets', (zone, step, start, end, count) => {
    expect(bucketsBetween(at(start), at(end), step, zone)).toHaveLength(count);
  });

  it('lists the day buckets across the spring-forward in Paris', () => {
    const days = bucketsBetween(
      at('2026-03-28T12:00:00.000Z'),
      at('2026-03-31T00:00:00.000Z'),
      'day',
      PARIS,
    );
    expect(days.map(iso)).toEqual([
      '2026-03-27T23:00:00.000Z',
      '2026-03-28T23:00:00.000Z',
      '2026-03-29T22:00:00.000Z',
      '2026-03-30T22:00:00.000Z',
    ]);
  });

  it('lists both 02:00 hours of the fall-back night in Paris', () => {
    const hours = bucketsBetween(
      at('2026-10-24T23:00:00.000Z'),
      at('2026-10-25T03:00:00.000Z'),
      'hour',
      PARIS,
    );
    expect(hours.map(iso)).toEqual([
      '2026-10-24T23:00:00.000Z', // 01:00 CEST
      '2026-10-25T00:00:00.000Z', // 02:00 CEST
      '2026-10-25T01:00:00.000Z', // 02:00 CET, the repeated hour
      '2026-10-25T02:00:00.000Z', // 03:00 CET
    ]);
    expect(hours.map((hour) => localDay(hour, PARIS))).toEqual(Array(4).fill('2026-10-25'));
  });

  it('lists Monday-midnight weeks across the spring-forward in Paris', () => {
    const weeks = bucketsBetween(
      at('2026-03-18T12:00:00.000Z'),
      at('2026-04-07T00:00:00.000Z'),
      'week',
      PARIS,
    );
    expect(weeks.map(iso)).toEqual([
      '2026-03-15T23:00:00.000Z',
      '2026-03-22T23:00:00.000Z',
      '2026-03-29T22:00:00.000Z',
      '2026-04-05T22:00:00.000Z',
    ]);
  });

  // Lord Howe Island moves its clocks by half an hour: on 2026-04-04 at 15:00Z, 02:00 (+11)
  // becomes 01:30 (+10:30); on 2026-10-03 at 15:30Z, 02:00 (+10:30) becomes 02:30 (+11).
  it.each<[string, string, string, string[]]>([
    [
      'fall-back',
      '2026-04-04T13:00:00.000Z',
      '2026-04-04T17:00:00.000Z',
      [
        '2026-04-04T13:00:00.000Z', // 00:00 +11
        '2026-04-04T14:00:00.000Z', // 01:00 +11
        '2026-04-04T15:00:00.000Z', // 01:30 +10:30, the change
        '2026-04-04T15:30:00.000Z', // 02:00 +10:30
        '2026-04-04T16:30:00.000Z', // 03:00 +10:30
      ],
    ],
    [
      'spring-forward',
      '2026-10-03T13:00:00.000Z',
      '2026-10-03T17:00:00.000Z',
      [
        '2026-10-03T12:30:00.000Z', // 23:00 +10:30
        '2026-10-03T13:30:00.000Z', // 00:00 +10:30
        '2026-10-03T14:30:00.000Z', // 01:00 +10:30
        '2026-10-03T15:30:00.000Z', // 02:30 +11, the change
        '2026-10-03T16:00:00.000Z', // 03:00 +11
      ],
    ],
  ])('lists the hours of a half-hour %s on Lord Howe Island', (_change, start, end, hours) => {
    expect(bucketsBetween(at(start), at(end), 'hour', 'Australia/Lord_Howe').map(iso)).toEqual(
      hours,
    );
  });

  it('lists years in Berlin', () => {
    const years = bucketsBetween(
      at('2024-06-01T00:00:00.000Z'),
      at('2026-01-01T00:00:00.000Z'),
      'year',
      BERLIN,
    );
    expect(years.map(iso)).toEqual([
      '2023-12-31T23:00:00.000Z',
      '2024-12-31T23:00:00.000Z',
      '2025-12-31T23:00:00.000Z',
    ]);
  });
});

describe('localDay', () => {
  it.each<[string, string, string]>([
    ['2026-03-28T23:00:00.000Z', PARIS, '2026-03-29'],
    ['2026-03-28T22:59:59.999Z', PARIS, '2026-03-28'],
    ['2026-10-25T22:59:59.999Z', PARIS, '2026-10-25'],
    ['2026-10-25T23:00:00.000Z', PARIS, '2026-10-26'],
    ['2026-03-29T23:30:00.000Z', LONDON, '2026-03-30'],
    ['2026-12-31T23:30:00.000Z', LONDON, '2026-12-31'],
    ['2026-12-31T23:30:00.000Z', BERLIN, '2027-01-01'],
  ])('%s in %s is %s', (instant, zone, day) => {
    expect(localDay(at(instant), zone)).toBe(day);
  });
});

describe('checkRange', () => {
  const start = at('2026-01-01T00:00:00.000Z');
  const after = (days: number, extraMs = 0) => new Date(start.getTime() + days * DAY + extraMs);

  it.each<[Step, number]>([
    ['hour', 31],
    ['day', 731],
    ['week', 1827],
    ['month', 7305],
    ['year', 36525],
  ])('step %s accepts a span of %i days', (step, days) => {
    expect(checkRange(start, after(days), step)).toBeUndefined();
    expect(checkRange(start, after(0, 1), step)).toBeUndefined();
  });

  it.each<[Step, string, Date, RangeProblem]>([
    [
      'hour',
      '45 days',
      after(45),
      { field: 'step', message: 'a span of 45 days is too long for step hour: at most 31 days' },
    ],
    [
      'hour',
      '31 days and 1 ms',
      after(31, 1),
      {
        field: 'step',
        message: 'a span of more than 31 days is too long for step hour: at most 31 days',
      },
    ],
    [
      'hour',
      '31.5 days',
      after(31.5),
      { field: 'step', message: 'a span of 31.5 days is too long for step hour: at most 31 days' },
    ],
    [
      'day',
      '732 days',
      after(732),
      {
        field: 'step',
        message: 'a span of 732 days is too long for step day: at most 2 years (731 days)',
      },
    ],
    [
      'week',
      '1828 days',
      after(1828),
      {
        field: 'step',
        message: 'a span of 1828 days is too long for step week: at most 5 years (1827 days)',
      },
    ],
    [
      'month',
      '7306 days',
      after(7306),
      {
        field: 'step',
        message: 'a span of 7306 days is too long for step month: at most 20 years (7305 days)',
      },
    ],
    [
      'year',
      '36526 days',
      after(36526),
      {
        field: 'endDate',
        message: 'a span of 36526 days is too long for step year: at most 100 years (36525 days)',
      },
    ],
    // No step would do: the dates are to blame.
    [
      'hour',
      '40000 days',
      after(40000),
      {
        field: 'endDate',
        message: 'a span of 40000 days is too long for step hour: at most 31 days',
      },
    ],
    [
      'day',
      'an empty span',
      start,
      { field: 'endDate', message: 'endDate must be after startDate' },
    ],
    [
      'day',
      'minus 1 day',
      after(-1),
      { field: 'endDate', message: 'endDate must be after startDate' },
    ],
    [
      'year',
      'minus 1 ms',
      after(0, -1),
      { field: 'endDate', message: 'endDate must be after startDate' },
    ],
  ])('step %s over %s: %j', (step, _span, end, problem) => {
    expect(checkRange(start, end, step)).toEqual(problem);
  });

  it('names the invalid date or step', () => {
    const invalid = new Date(Number.NaN);
    expect(checkRange(invalid, start, 'day')?.field).toBe('startDate');
    expect(checkRange(start, invalid, 'day')?.field).toBe('endDate');
    expect(checkRange(start, after(1), 'fortnight' as Step)).toEqual({
      field: 'step',
      message: 'step must be one of hour, day, week, month, year',
    });
  });
});

describe('dayOf', () => {
  it.each([
    'Europe/Paris',
    'Europe/London',
    'Australia/Lord_Howe',
    'Asia/Kathmandu',
    'America/St_Johns',
  ])(
    'gives the start and date of the local day of any instant in %s, in any order, as bucketStart and localDay do',
    (zone) => {
      // Instants over two years, DST nights included, visited out of order so that days found
      // earlier are asked for again among others.
      let seed = 42;
      const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
      const from = Date.parse('2025-01-01T00:00:00Z');
      const span = 2 * 366 * 86_400_000;
      const instants = Array.from({ length: 4000 }, (_, n) =>
        n % 2 === 0 ? from + Math.floor(random() * span) : from + Math.floor((n / 4000) * span),
      );
      // Around each change of offset, by the millisecond.
      for (const night of ['2025-03-30T01:00:00Z', '2025-10-26T01:00:00Z', '2025-04-05T15:00:00Z'])
        for (const delta of [-1, 0, 1, 1_800_000 - 1, 1_800_000])
          instants.push(Date.parse(night) + delta);
      // A day's last millisecond, then the next day's first, each right after its day was found.
      for (let day = 0; day < 400; day += 7) {
        const start = bucketStart(new Date(from + day * 86_400_000), 'day', zone).getTime();
        const end = nextBucketStart(new Date(start), 'day', zone).getTime();
        instants.push(start + 1000, end - 1, end);
      }
      for (const time of instants) {
        const instant = new Date(time);
        expect(dayOf(instant, zone), instant.toISOString()).toEqual({
          start: bucketStart(instant, 'day', zone).toISOString(),
          date: localDay(instant, zone),
        });
      }
    },
  );
});
