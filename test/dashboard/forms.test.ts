import { describe, expect, it } from 'vitest';
import { chartViewOf } from '../../src/dashboard/energy.js';
import { dayStartIn, parsePrice } from '../../src/dashboard/tariff-pages.js';

describe('what the dashboard reads from its forms and links', () => {
  it.each([
    ['0.2516', 0.2516],
    ['0,2516', 0.2516],
    [' 12 ', 12],
    ['0', 0],
    ['', undefined],
    ['cheap', undefined],
    ['-1', undefined],
    ['.5', undefined],
    ['1e3', undefined],
    ['0x10', undefined],
    ['1,2,3', undefined],
  ])('the price %j is %j', (text, price) => {
    expect(parsePrice(text)).toBe(price);
  });

  it.each([
    ['2026-03-01', 'Europe/Paris', '2026-02-28T23:00:00.000Z'],
    ['2026-07-14', 'Europe/Paris', '2026-07-13T22:00:00.000Z'],
    ['2026-07-14', 'Europe/London', '2026-07-13T23:00:00.000Z'],
    ['2026-01-15', 'UTC', '2026-01-15T00:00:00.000Z'],
    ['2026-02-30', 'Europe/Paris', undefined],
    ['2026-3-1', 'Europe/Paris', undefined],
    ['soon', 'Europe/Paris', undefined],
    ['', 'Europe/Paris', undefined],
  ])('the day %j in %s starts at %j', (day, zone, start) => {
    expect(dayStartIn(day, zone)).toBe(start);
  });

  it.each([
    [{}, { step: 'day', measure: 'energy' }],
    [{ step: 'month' }, { step: 'month', measure: 'energy' }],
    [{ measure: 'cost' }, { step: 'day', measure: 'cost' }],
    [
      { step: 'month', measure: 'cost' },
      { step: 'month', measure: 'cost' },
    ],
    [
      { step: 'year', measure: 'power' },
      { step: 'day', measure: 'energy' },
    ],
    [
      { step: ['month'], measure: 1 },
      { step: 'day', measure: 'energy' },
    ],
  ])('the chart query %j shows %j', (query, view) => {
    expect(chartViewOf(query)).toEqual(view);
  });
});
