import { describe, expect, it } from 'vitest';
import { VirtualCar } from '../../src/sim/car.js';

const HOUR = 3600;

describe('VirtualCar', () => {
  it('has the documented defaults: 60 kWh, 30 %', () => {
    const car = new VirtualCar();
    expect(car.batteryKwh).toBe(60);
    expect(car.stateOfCharge).toBe(0.3);
    expect(car.full).toBe(false);
  });

  it('takes 7.4 kWh in an hour at 7.4 kW from 30 %', () => {
    const car = new VirtualCar();
    expect(car.charge('m3', 7.4, HOUR)).toBeCloseTo(7400, 6);
    expect(car.stateOfCharge).toBeCloseTo(0.3 + 7.4 / 60, 12);
  });

  it('takes no more than the socket offers', () => {
    expect(new VirtualCar().charge('m3', 3.7, HOUR)).toBeCloseTo(3700, 6);
  });

  it('is limited to 2.3 kW on the M2 socket, whatever the offer', () => {
    expect(new VirtualCar().charge('m2', 7.4, HOUR)).toBeCloseTo(2300, 6);
    expect(new VirtualCar({ maxPowerM2Kw: 1.8 }).charge('m2', 7.4, HOUR)).toBeCloseTo(1800, 6);
  });

  it('is limited by its own charger on M3', () => {
    expect(new VirtualCar({ maxPowerM3Kw: 3.7 }).charge('m3', 22, HOUR)).toBeCloseTo(3700, 6);
  });

  it.each<[stateOfCharge: number, share: number]>([
    [0.5, 1],
    [0.8, 1],
    [0.85, 0.775],
    [0.9, 0.55],
    [0.95, 0.325],
    [0.999, 0.1045],
  ])('at %f draws %f of the power (linear taper from 80 % to 10 % at 100 %)', (soc, share) => {
    // One second is short enough for the power to stay put.
    const car = new VirtualCar({ stateOfCharge: soc });
    expect(car.charge('m3', 7.4, 1)).toBeCloseTo((7400 * share) / 3600, 3);
  });

  it('takes less than full power for an hour started at 80 %', () => {
    const car = new VirtualCar({ stateOfCharge: 0.8 });
    const energy = car.charge('m3', 7.4, HOUR);
    // ds/dt = (7.4/60)(1 − 4.5 (s − 0.8)) ⇒ s(1 h) = 0.8 + (1 − e^(−4.5 × 7.4 / 60)) / 4.5
    const expected = ((1 - Math.exp((-4.5 * 7.4) / 60)) / 4.5) * 60_000;
    expect(energy).toBeCloseTo(expected, 6);
    expect(energy).toBeLessThan(7400);
    expect(energy).toBeGreaterThan(740);
  });

  it('gives the same energy in ten-minute steps as in one go, across the taper', () => {
    const stepped = new VirtualCar({ stateOfCharge: 0.6 });
    let total = 0;
    for (let step = 0; step < 18; step++) total += stepped.charge('m3', 7.4, 600);
    const once = new VirtualCar({ stateOfCharge: 0.6 });
    expect(total).toBeCloseTo(once.charge('m3', 7.4, 3 * HOUR), 6);
    expect(stepped.stateOfCharge).toBeCloseTo(once.stateOfCharge, 12);
  });

  it('never charges beyond full, and a full car takes nothing', () => {
    const car = new VirtualCar({ stateOfCharge: 0.95 });
    expect(car.charge('m3', 7.4, 10 * HOUR)).toBeCloseTo(0.05 * 60_000, 6);
    expect(car.stateOfCharge).toBe(1);
    expect(car.full).toBe(true);
    expect(car.charge('m3', 7.4, HOUR)).toBe(0);
    expect(car.stateOfCharge).toBe(1);
  });

  it('fills up from empty in a finite time (the taper ends at 10 %, not 0)', () => {
    const car = new VirtualCar({ stateOfCharge: 0 });
    let total = 0;
    let hours = 0;
    while (!car.full && hours < 24) {
      total += car.charge('m3', 7.4, HOUR);
      hours++;
    }
    expect(car.full).toBe(true);
    expect(total).toBeCloseTo(60_000, 6);
    // 48 kWh at 7.4 kW (6.49 h), then the taper: ln(1 / 0.1) / (4.5 × 7.4 / 60) = 4.15 h.
    expect(hours).toBe(11);
  });

  it('takes nothing for no power or no time', () => {
    const car = new VirtualCar();
    expect(car.charge('m3', 0, HOUR)).toBe(0);
    expect(car.charge('m3', 7.4, 0)).toBe(0);
    expect(car.stateOfCharge).toBe(0.3);
  });

  it.each([
    [{ batteryKwh: 0 }],
    [{ stateOfCharge: 1.2 }],
    [{ stateOfCharge: -0.1 }],
    [{ maxPowerM3Kw: Number.NaN }],
  ])('refuses options %o', (options) => {
    expect(() => new VirtualCar(options)).toThrow(RangeError);
  });

  it('refuses a negative offer or duration', () => {
    const car = new VirtualCar();
    expect(() => car.charge('m3', -1, HOUR)).toThrow(RangeError);
    expect(() => car.charge('m3', 7.4, -1)).toThrow(RangeError);
  });
});
