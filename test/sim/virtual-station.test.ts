import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { ChargeMode } from '../../src/domain/charge-mode.js';
import type { Subscription } from '../../src/domain/tariffs.js';
import { VirtualCar } from '../../src/sim/car.js';
import { SimClock } from '../../src/sim/clock.js';
import {
  VirtualLinky,
  currentTariff,
  tempoColour,
  type LinkyOptions,
} from '../../src/sim/linky.js';
import { Simulation } from '../../src/sim/simulation.js';
import { VirtualStation } from '../../src/sim/station.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

// One virtual station against the real server at 3600× (one simulated hour per second).
const SPEED = 3600;
let t: TestApp;
let token: string;
let simulation: Simulation | undefined;
let counter = 0;

beforeAll(async () => {
  t = await createTestApp('sqlite', {}, { listen: true });
  ({ token } = await t.user('owner'));
});
afterEach(async () => {
  await simulation?.stop();
  simulation = undefined;
});
afterAll(() => t.close());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function aStation(options: {
  start: string;
  subscription: Subscription;
  chargeMode: ChargeMode;
  houseLoadVa?: number;
}) {
  const installation = await t.api('POST', '/v1/installations', {
    token,
    body: {
      name: `Sim ${++counter}`,
      locationName: 'Paris',
      locationGpsCoordinates: { latitude: 48.85, longitude: 2.35 },
    },
  });
  const device = await t.app.platform.devices.provision({ serialNumber: `SIM-${counter}` });
  const associated = await t.api(
    'POST',
    `/v1/installations/${installation.json().installationId}/charging-stations`,
    {
      token,
      body: { uid: device.uid, timezone: 'Romance Standard Time', country: 'fr-fr' },
    },
  );
  const path = `/v1/installations/${installation.json().installationId}/charging-stations/${associated.json().id}`;
  const clock = new SimClock(new Date(options.start), SPEED);
  simulation = new Simulation(clock);
  const linkyOptions: LinkyOptions = {
    subscription: options.subscription,
    intensitySubscribedA: 30,
  };
  const station = new VirtualStation({
    url: t.wsUrl,
    uid: device.uid,
    password: device.password,
    clock,
    linky: new VirtualLinky(linkyOptions),
    linkyOptions,
    chargeMode: options.chargeMode,
    houseLoadVa: options.houseLoadVa ?? 800,
  });
  simulation.add(station);
  await simulation.start(20);
  await sleep(100); // boot
  station.plug(new VirtualCar({ batteryKwh: 100, stateOfCharge: 0.2 }), 'm3');
  const read = async () => (await t.api('GET', path, { token })).json().properties;
  return { station, clock, read, linkyOptions };
}

/** Waits for a condition, polling; the simulated clock runs on meanwhile. */
async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(10);
  }
}

/** Waits until the simulated clock passes an instant. */
async function until(clock: SimClock, instant: string) {
  while (clock.now() < new Date(instant)) await sleep(10);
  await sleep(60); // a few ticks and their messages
}

it('deferred waits for HC, then charges on after HP begins', async () => {
  // 21:40 Paris (20:40Z in winter): HP until 22:00.
  const { station, clock, read } = await aStation({
    start: '2026-11-24T20:40:00Z',
    subscription: 'HCHP',
    chargeMode: 'deferred',
  });
  await until(clock, '2026-11-24T20:55:00Z');
  expect(station.state().transactionId).toBeNull();
  expect((await read()).currentSession).toBeNull();
  await until(clock, '2026-11-24T21:00:00Z'); // 22:00 Paris, HC
  await eventually(async () => (await read()).availability === 'charging');
  expect(station.state().transactionId).not.toBeNull();
  await until(clock, '2026-11-25T05:15:00Z'); // 06:15 Paris, HP again
  expect(station.state().tariff).toBe('hp');
  expect(station.state().chargingKw).toBeGreaterThan(0);
  expect((await read()).currentSession).not.toBeNull();
}, 30_000);

it('deferredExclusive stops when HP begins', async () => {
  const { station, clock, read } = await aStation({
    start: '2026-11-25T04:30:00Z',
    subscription: 'HCHP',
    chargeMode: 'deferredExclusive',
  });
  await eventually(() => station.state().transactionId !== null); // 05:30 Paris, HC
  await until(clock, '2026-11-25T05:00:00Z'); // 06:00 Paris, HP
  await eventually(() => station.state().transactionId === null);
  await eventually(async () => (await read()).currentSession === null);
  expect((await read()).lastSession.totalSessionEnergy).toBeGreaterThan(0);
}, 30_000);

it('on a Tempo red day, deferredExclusive never charges in HP (hpjr)', async () => {
  // The first red day of the 2026–2027 season, from 05:00 Paris to 08:00.
  let day = new Date('2026-11-01T12:00:00Z');
  while (tempoColour(day) !== 'red') day = new Date(day.getTime() + 86_400_000);
  const local5 = new Date(`${day.toISOString().slice(0, 10)}T04:00:00Z`); // 05:00 Paris in winter
  const { station, clock } = await aStation({
    start: local5.toISOString(),
    subscription: 'TEMPO',
    chargeMode: 'deferredExclusive',
  });
  const end = new Date(local5.getTime() + 3 * 3_600_000);
  let chargedInHc = false;
  while (clock.now() < end) {
    const state = station.state();
    if (state.tariff === 'hpjr') expect(state.chargingKw).toBe(0);
    // Before 06:00 the hours still belong to the previous day's colour (hcjb, hcjw or hcjr).
    if (state.tariff.startsWith('hc') && state.chargingKw > 0) chargedInHc = true;
    await sleep(15);
  }
  expect(chargedInHc).toBe(true);
  expect(currentTariff(end, { subscription: 'TEMPO' })).toBe('hpjr');
}, 30_000);

it('load shedding reduces the power, and repeated sheddings raise LoadSheddingFailure (5)', async () => {
  const { station, read } = await aStation({
    start: '2026-11-25T10:00:00Z',
    subscription: 'BASE',
    chargeMode: 'immediate',
    houseLoadVa: 1000,
  });
  // 30 A × 230 V = 6.9 kVA, less 1 kVA of house: 5.9 kW for the car.
  await eventually(() => Math.abs(station.state().chargingKw - 5.9) < 1e-9);
  for (let shedding = 0; shedding < 3; shedding++) {
    station.setHouseLoad(6000); // leaves 0.9 kW: below the 6 A minimum
    await sleep(80);
    station.setHouseLoad(1000);
    await sleep(80);
  }
  await eventually(() => station.state().errorCode === 5);
  await eventually(async () => (await read()).error.code === 5);
}, 30_000);
