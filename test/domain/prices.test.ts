import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PRICES,
  costOfSamples,
  energyCost,
  priceInForce,
  type PricePoint,
} from '../../src/domain/prices.js';
import { TARIFF_IDS, type TariffId } from '../../src/domain/tariffs.js';

describe('DEFAULT_PRICES', () => {
  it.each<[TariffId, number]>([
    ['th', 0.194],
    ['hc', 0.1579],
    ['hp', 0.2065],
    ['hn', 0.1781],
    ['pm', 0.344],
    ['hcjb', 0.1325],
    ['hpjb', 0.1612],
    ['hcjw', 0.1499],
    ['hpjw', 0.1871],
    ['hcjr', 0.1575],
    ['hpjr', 0.706],
  ])('%s: %f €/kWh (TRVE from 2026-02-01)', (tariff, price) => {
    expect(DEFAULT_PRICES[tariff]).toBe(price);
  });

  it('prices every tariff, STANDARD ones at the Base price', () => {
    expect(Object.keys(DEFAULT_PRICES).sort()).toEqual([...TARIFF_IDS].sort());
    for (let n = 1; n <= 10; n++) {
      expect(DEFAULT_PRICES[`tariff${n}` as TariffId]).toBe(DEFAULT_PRICES.th);
    }
  });
});

describe('priceInForce', () => {
  // Listed out of order on purpose: the history is not assumed sorted.
  const history: PricePoint[] = [
    { beginDate: '2026-02-01T00:00:00.000Z', value: 0.194 },
    { beginDate: '2020-01-02T10:00:00.000Z', value: 0.22 },
    { beginDate: '2020-07-03T13:25:37.120Z', value: 0.33 },
  ];

  it.each<[string, string, number]>([
    ['long before every point', '2019-06-01T00:00:00.000Z', 0.5],
    ['1 ms before the first point', '2020-01-02T09:59:59.999Z', 0.5],
    ['exactly at the first point', '2020-01-02T10:00:00.000Z', 0.22],
    ['1 ms after the first point', '2020-01-02T10:00:00.001Z', 0.22],
    ['1 ms before the guide’s example point', '2020-07-03T13:25:37.119Z', 0.22],
    ['exactly at the guide’s example point', '2020-07-03T13:25:37.120Z', 0.33],
    ['1 ms after it', '2020-07-03T13:25:37.121Z', 0.33],
    ['the last instant of January 2026', '2026-01-31T23:59:59.999Z', 0.33],
    ['exactly at the latest point', '2026-02-01T00:00:00.000Z', 0.194],
    ['long after every point', '2030-01-01T00:00:00.000Z', 0.194],
  ])('%s (%s) → %f', (_, at, price) => {
    expect(priceInForce(history, new Date(at), 0.5)).toBe(price);
  });

  it('gives the same answer whatever the order of the points', () => {
    const at = new Date('2021-01-01T00:00:00.000Z');
    const orders = [history, [...history].reverse(), [history[2]!, history[0]!, history[1]!]];
    for (const order of orders) expect(priceInForce(order, at, 0.5)).toBe(0.33);
  });

  it.each<[string, PricePoint[]]>([
    ['no point', []],
    ['only points in the future', [{ beginDate: '2027-01-01T00:00:00.000Z', value: 0.3 }]],
    ['only an unparsable beginDate', [{ beginDate: 'yesterday', value: 0.3 }]],
  ])('falls back when there is %s', (_, points) => {
    expect(priceInForce(points, new Date('2026-06-01T00:00:00.000Z'), DEFAULT_PRICES.th)).toBe(
      0.194,
    );
  });

  it('reads beginDates written with an offset at their UTC instant', () => {
    const points = [{ beginDate: '2026-02-01T00:00:00+01:00', value: 0.2 }];
    expect(priceInForce(points, new Date('2026-01-31T22:59:59.999Z'), 0.1)).toBe(0.1);
    expect(priceInForce(points, new Date('2026-01-31T23:00:00.000Z'), 0.1)).toBe(0.2);
  });

  it('takes the later of two points with the same beginDate (a correction)', () => {
    const points = [
      { beginDate: '2026-02-01T00:00:00.000Z', value: 0.2 },
      { beginDate: '2026-02-01T00:00:00.000Z', value: 0.21 },
    ];
    expect(priceInForce(points, new Date('2026-03-01T00:00:00.000Z'), 0.1)).toBe(0.21);
  });
});

describe('energyCost', () => {
  it.each<[number, number, number]>([
    [1, 0.194, 0.194],
    [0, 0.194, 0],
    [1.2, 0.1579, 0.18948],
    // 0.1 × 0.2 is 0.020000000000000004 in floating point.
    [0.1, 0.2, 0.02],
    // 3 × 0.1579 is 0.47369999999999995 in floating point.
    [3, 0.1579, 0.4737],
    // 7.4 kWh at 0.1234567 = 0.91357958, rounded to the millionth.
    [7.4, 0.1234567, 0.91358],
    [99, 0.2065, 20.4435],
  ])('%f kWh at %f → %f', (energyKwh, price, cost) => {
    expect(energyCost(energyKwh, price)).toBe(cost);
  });
});

describe('costOfSamples', () => {
  // An HCHP home where HC end at 07:00 Paris time (06:00 UTC in March). The owner's hp price
  // rises from 0.2065 to 0.2500 at 06:10 UTC; an hc price set for later must not apply yet.
  const histories: Partial<Record<TariffId, PricePoint[]>> = {
    hc: [
      { beginDate: '2026-04-01T00:00:00.000Z', value: 0.99 },
      { beginDate: '2026-01-31T23:00:00.000Z', value: 0.1579 },
    ],
    hp: [
      { beginDate: '2026-03-10T06:10:00.000Z', value: 0.25 },
      { beginDate: '2026-01-31T23:00:00.000Z', value: 0.2065 },
    ],
  };
  const historyOf = (tariff: TariffId) => histories[tariff] ?? [];

  /** 10-minute samples of a 7.2 kW charge (1.2 kWh each) from `start`, tagged with a tariff. */
  const tenMinuteSamples = (start: string, tariffs: TariffId[]) =>
    tariffs.map((tariff, index) => ({
      at: new Date(Date.parse(start) + index * 600_000),
      tariff,
      energyKwh: 1.2,
    }));

  it('prices a session across an HC→HP switch and a price change, each sample at its instant', () => {
    // 05:30, 05:40, 05:50 UTC in hc at 0.1579:   3 × 1.2 × 0.1579 = 3 × 0.18948 = 0.56844
    // 06:00 UTC in hp, before the rise, 0.2065:   1 × 1.2 × 0.2065 =               0.2478
    // 06:10 (exactly at the rise), 06:20 at 0.25: 2 × 1.2 × 0.25   =               0.6
    //                                                               total       1.41624
    // Priced at the start (all hc) it would be 6 × 0.18948 = 1.13688: 0.28 € wrong.
    const samples = tenMinuteSamples('2026-03-10T05:30:00.000Z', [
      'hc',
      'hc',
      'hc',
      'hp',
      'hp',
      'hp',
    ]);
    expect(costOfSamples(samples, historyOf)).toBe(1.41624);
  });

  it('uses the default price of a tariff the owner never priced', () => {
    // tariff1 and th have no history: 1.2 × 0.194 = 0.2328 each.
    const samples = tenMinuteSamples('2026-03-10T05:30:00.000Z', ['tariff1', 'th']);
    expect(costOfSamples(samples, historyOf)).toBe(0.4656);
  });

  it('uses the default price before the owner’s first price begins', () => {
    // The owner's hc price begins on 1 March: a sample on 15 February takes the default hc,
    // 1.2 × 0.1579 = 0.18948, not 1.2 × 0.30.
    const samples = tenMinuteSamples('2026-02-15T01:00:00.000Z', ['hc']);
    const ownerPrices = () => [{ beginDate: '2026-03-01T00:00:00.000Z', value: 0.3 }];
    expect(costOfSamples(samples, ownerPrices)).toBe(0.18948);
  });

  it('costs nothing without samples, and sums without float noise', () => {
    expect(costOfSamples([], historyOf)).toBe(0);
    const at = new Date('2026-03-10T12:00:00.000Z');
    const tenths = Array.from({ length: 10 }, () => ({
      at,
      tariff: 'th' as const,
      energyKwh: 0.1,
    }));
    // Ten times 0.1 × 0.2: 0.2 exactly, not 0.20000000000000004.
    expect(costOfSamples(tenths, () => [{ beginDate: '2026-01-01T00:00:00Z', value: 0.2 }])).toBe(
      0.2,
    );
  });
});
