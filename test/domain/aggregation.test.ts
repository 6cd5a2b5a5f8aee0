import { describe, expect, it } from 'vitest';
import {
  OPERATORS,
  aggregate,
  countByBucket,
  type AggregationRow,
  type BucketStat,
  type Operator,
} from '../../src/domain/aggregation.js';

// Stand-ins for the tariff module's rules (the guide: hc*, hn → hc; hp*, pm, th → hp), kept
// local so these tests depend on the aggregation alone.
const tariffTypeOf = (tariff: string): 'hc' | 'hp' =>
  tariff.startsWith('hc') || tariff === 'hn' ? 'hc' : 'hp';
const valueKeyOf = (tariff: string) => `value${tariff.charAt(0).toUpperCase()}${tariff.slice(1)}`;

/** A piece of statistics; min and max default to the value of a single sample. */
const aStat = (
  bucketStart: string,
  tariff: string,
  {
    sum,
    count = 1,
    min = sum,
    max = sum,
  }: { sum: number; count?: number; min?: number; max?: number },
): BucketStat => ({ bucketStart: new Date(bucketStart), tariff, sum, count, min, max });

const run = (stats: BucketStat[], operator: Operator) =>
  aggregate(stats, operator, tariffTypeOf, valueKeyOf);

describe('OPERATORS', () => {
  it('lists the guide operators', () => {
    expect(OPERATORS).toEqual(['sum', 'count', 'average', 'min-max']);
  });
});

describe('aggregate', () => {
  it('gives back the guide TEMPO example with operator sum', () => {
    const rows = run(
      [
        aStat('2020-06-29T00:00:00.000Z', 'hpjb', { sum: 3 }),
        aStat('2020-06-29T00:00:00.000Z', 'hpjw', { sum: 2 }),
        aStat('2020-06-29T00:00:00.000Z', 'hpjr', { sum: 1 }),
        aStat('2020-06-29T08:00:00.000Z', 'hcjb', { sum: 4 }),
        aStat('2020-06-29T08:00:00.000Z', 'hcjw', { sum: 5 }),
        aStat('2020-06-29T08:00:00.000Z', 'hcjr', { sum: 6 }),
      ],
      'sum',
    );
    expect(rows).toEqual([
      {
        date: '2020-06-29T00:00:00.000Z',
        tariffType: 'hp',
        value: 6,
        valueHpjb: 3,
        valueHpjw: 2,
        valueHpjr: 1,
      },
      {
        date: '2020-06-29T08:00:00.000Z',
        tariffType: 'hc',
        value: 15,
        valueHcjb: 4,
        valueHcjw: 5,
        valueHcjr: 6,
      },
    ]);
    // Serialized, the row reads like the guide's JSON: no valueMin / valueMax outside min-max.
    expect(JSON.stringify(rows[0])).toBe(
      '{"date":"2020-06-29T00:00:00.000Z","tariffType":"hp","value":6,"valueHpjb":3,"valueHpjw":2,"valueHpjr":1}',
    );
  });

  // One day bucket (Paris, 29 June 2020 starts 28 June 22:00Z) given in pieces, such as hourly
  // rollups, and the next day; TEMPO tariffs of both types. The input is deliberately unordered.
  const DAY1 = '2020-06-28T22:00:00.000Z';
  const DAY2 = '2020-06-29T22:00:00.000Z';
  const stats: BucketStat[] = [
    aStat(DAY2, 'hpjb', { sum: 7, count: 2, min: 3, max: 4 }),
    aStat(DAY1, 'hpjb', { sum: 10, count: 4, min: 1, max: 4 }),
    aStat(DAY1, 'hcjb', { sum: 3, count: 2, min: 1, max: 2 }),
    aStat(DAY1, 'hpjb', { sum: 6, count: 2, min: 2, max: 5 }), // second piece of DAY1 hpjb
    aStat(DAY1, 'hpjw', { sum: 9, count: 3, min: 0.5, max: 6 }),
    aStat(DAY1, 'hcjw', { sum: 8, count: 1, min: 8, max: 8 }),
    aStat(DAY1, 'hcjb', { sum: 5, count: 3, min: 0, max: 3 }), // second piece of DAY1 hcjb
  ];
  // Merged DAY1: hpjb sum 16 count 6 min 1 max 5; hpjw 9/3/0.5/6; hcjb 8/5/0/3; hcjw 8/1/8/8.
  it.each<[Operator, AggregationRow[]]>([
    [
      'sum',
      [
        { date: DAY1, tariffType: 'hc', value: 16, valueHcjb: 8, valueHcjw: 8 },
        { date: DAY1, tariffType: 'hp', value: 25, valueHpjb: 16, valueHpjw: 9 },
        { date: DAY2, tariffType: 'hp', value: 7, valueHpjb: 7 },
      ],
    ],
    [
      'count',
      [
        { date: DAY1, tariffType: 'hc', value: 6, valueHcjb: 5, valueHcjw: 1 },
        { date: DAY1, tariffType: 'hp', value: 9, valueHpjb: 6, valueHpjw: 3 },
        { date: DAY2, tariffType: 'hp', value: 2, valueHpjb: 2 },
      ],
    ],
    [
      // Weighted: hc (8 + 8) / (5 + 1) = 2.666667, not (1.6 + 8) / 2 nor 1.6 + 8.
      'average',
      [
        { date: DAY1, tariffType: 'hc', value: 2.666667, valueHcjb: 1.6, valueHcjw: 8 },
        { date: DAY1, tariffType: 'hp', value: 2.777778, valueHpjb: 2.666667, valueHpjw: 3 },
        { date: DAY2, tariffType: 'hp', value: 3.5, valueHpjb: 3.5 },
      ],
    ],
    [
      'min-max',
      [
        {
          date: DAY1,
          tariffType: 'hc',
          value: 8,
          valueMin: 0,
          valueMax: 8,
          valueHcjb: 3,
          valueHcjw: 8,
        },
        {
          date: DAY1,
          tariffType: 'hp',
          value: 6,
          valueMin: 0.5,
          valueMax: 6,
          valueHpjb: 5,
          valueHpjw: 6,
        },
        { date: DAY2, tariffType: 'hp', value: 4, valueMin: 3, valueMax: 4, valueHpjb: 4 },
      ],
    ],
  ])('%s merges pieces and groups by bucket and tariff type', (operator, expected) => {
    expect(run(stats, operator)).toEqual(expected);
  });

  it('orders rows by date, then hc before hp', () => {
    const rows = run(
      [
        aStat('2026-03-29T22:00:00.000Z', 'hc', { sum: 1 }),
        aStat('2026-03-29T22:00:00.000Z', 'hp', { sum: 1 }),
        aStat('2026-03-28T23:00:00.000Z', 'hp', { sum: 1 }),
        aStat('2026-03-28T23:00:00.000Z', 'hc', { sum: 1 }),
      ],
      'sum',
    );
    expect(rows.map((row) => `${row.date} ${row.tariffType}`)).toEqual([
      '2026-03-28T23:00:00.000Z hc',
      '2026-03-28T23:00:00.000Z hp',
      '2026-03-29T22:00:00.000Z hc',
      '2026-03-29T22:00:00.000Z hp',
    ]);
  });

  it('carries the other subscriptions: BASE, HCHP, EJP and STANDARD tariffs', () => {
    const rows = run(
      [
        aStat('2026-01-01T00:00:00.000Z', 'th', { sum: 1 }),
        aStat('2026-01-01T00:00:00.000Z', 'hc', { sum: 2 }),
        aStat('2026-01-01T00:00:00.000Z', 'hp', { sum: 3 }),
        aStat('2026-01-01T00:00:00.000Z', 'hn', { sum: 4 }),
        aStat('2026-01-01T00:00:00.000Z', 'pm', { sum: 5 }),
        aStat('2026-01-01T00:00:00.000Z', 'tariff10', { sum: 6 }),
      ],
      'sum',
    );
    expect(rows).toEqual([
      { date: '2026-01-01T00:00:00.000Z', tariffType: 'hc', value: 6, valueHc: 2, valueHn: 4 },
      {
        date: '2026-01-01T00:00:00.000Z',
        tariffType: 'hp',
        value: 15,
        valueTh: 1,
        valueHp: 3,
        valuePm: 5,
        valueTariff10: 6,
      },
    ]);
  });

  it.each<[Operator, number]>([
    ['sum', 0.3],
    ['average', 0.1],
    ['min-max', 0.2],
  ])('%s rounds float noise to 6 decimals', (operator, value) => {
    const rows = run(
      [
        aStat('2026-01-01T00:00:00.000Z', 'th', { sum: 0.1, min: 0.1, max: 0.1 }),
        aStat('2026-01-01T00:00:00.000Z', 'th', { sum: 0.2, count: 2, min: 0.05, max: 0.2 }),
      ],
      operator,
    );
    expect(rows[0]?.value).toBe(value);
    expect(rows[0]?.valueTh).toBe(value);
  });

  it('rounds to 6 decimals, and a tiny negative to 0 rather than -0', () => {
    expect(
      run(
        [
          aStat('2026-01-01T00:00:00.000Z', 'th', { sum: 1.23456789 }),
          aStat('2026-01-01T00:00:00.000Z', 'hc', { sum: -0.0000001 }),
        ],
        'sum',
      ),
    ).toEqual([
      // toEqual tells -0 from 0, so this row also checks that -0 never comes out.
      { date: '2026-01-01T00:00:00.000Z', tariffType: 'hc', value: 0, valueHc: 0 },
      { date: '2026-01-01T00:00:00.000Z', tariffType: 'hp', value: 1.234568, valueTh: 1.234568 },
    ]);
  });

  it('leaves out pieces without samples, and answers nothing without data', () => {
    expect(run([aStat('2026-01-01T00:00:00.000Z', 'th', { sum: 0, count: 0 })], 'min-max')).toEqual(
      [],
    );
    expect(run([], 'average')).toEqual([]);
  });
});

describe('countByBucket', () => {
  it('counts SessionStart records per Paris day, leaving out days without any', () => {
    const instants = [
      '2026-03-29T21:59:59.999Z', // 29 March, 23:59 CEST
      '2026-03-28T23:00:00.000Z', // 29 March, 00:00 CET
      '2026-03-29T22:00:00.000Z', // 30 March, 00:00 CEST
      '2026-03-28T22:59:59.999Z', // 28 March, 23:59 CET
      '2026-03-29T01:30:00.000Z', // 29 March, 03:30 CEST
      '2026-04-02T10:00:00.000Z', // 2 April
    ].map((iso) => new Date(iso));
    expect(countByBucket(instants, 'day', 'Europe/Paris', 'SessionStart')).toEqual([
      { date: '2026-03-27T23:00:00.000Z', value: 1, logName: 'SessionStart' },
      { date: '2026-03-28T23:00:00.000Z', value: 3, logName: 'SessionStart' },
      { date: '2026-03-29T22:00:00.000Z', value: 1, logName: 'SessionStart' },
      { date: '2026-04-01T22:00:00.000Z', value: 1, logName: 'SessionStart' },
    ]);
  });

  it('counts the two 02:00 hours of the fall-back night apart, in London days too', () => {
    const instants = [
      '2026-10-25T00:10:00.000Z',
      '2026-10-25T00:50:00.000Z',
      '2026-10-25T01:10:00.000Z',
    ].map((iso) => new Date(iso));
    expect(countByBucket(instants, 'hour', 'Europe/Paris', 'TicType')).toEqual([
      { date: '2026-10-25T00:00:00.000Z', value: 2, logName: 'TicType' },
      { date: '2026-10-25T01:00:00.000Z', value: 1, logName: 'TicType' },
    ]);
    // In London 00:10Z is still 25 October BST (01:10), a day that began at 23:00Z.
    expect(countByBucket(instants, 'day', 'Europe/London', 'TicType')).toEqual([
      { date: '2026-10-24T23:00:00.000Z', value: 3, logName: 'TicType' },
    ]);
  });

  it('answers nothing without records', () => {
    expect(countByBucket([], 'week', 'Europe/Berlin', 'CurrentTariff')).toEqual([]);
  });
});
