import { describe, expect, it } from 'vitest';
import { carAtHome, houseLoad, localHour, localWeekday } from '../../src/sim/household.js';

describe('the simulated household', () => {
  it.each([
    [3, 400],
    [7, 1500],
    [8, 1500],
    [9, 400],
    [18, 2500],
    [21, 2500],
    [22, 400],
  ])('at %i h the house draws %i VA', (hour, va) => {
    expect(houseLoad(hour)).toBe(va);
  });

  it.each([
    [0, 19, true],
    [0, 6, true],
    [0, 7, false],
    [4, 12, false],
    [5, 10, true],
    [5, 16, false],
    [6, 20, false],
  ])('weekday %i at %i h: car at home %s', (weekday, hour, home) => {
    expect(carAtHome(hour, weekday)).toBe(home);
  });

  it.each([
    ['2026-03-29T00:30:00Z', 'Europe/Paris', 1, 6], // Sunday, before the spring change
    ['2026-03-29T01:30:00Z', 'Europe/Paris', 3, 6], // 02:00 skipped
    ['2026-11-23T23:30:00Z', 'Europe/London', 23, 0], // Monday
    ['2026-11-23T23:30:00Z', 'Europe/Berlin', 0, 1], // already Tuesday
  ])('%s in %s is %i h on weekday %i', (instant, zone, hour, weekday) => {
    expect(localHour(new Date(instant), zone)).toBe(hour);
    expect(localWeekday(new Date(instant), zone)).toBe(weekday);
  });
});
