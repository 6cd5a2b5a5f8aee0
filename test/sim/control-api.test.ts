import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimClock } from '../../src/sim/clock.js';
import { VirtualLinky, type LinkyOptions } from '../../src/sim/linky.js';
import { Simulation, controlServer } from '../../src/sim/simulation.js';
import { VirtualStation } from '../../src/sim/station.js';

// The control API over stations that are not connected: the API changes their state only.
let app: FastifyInstance;
const UID = 'SimControl000000000001';

beforeAll(async () => {
  const clock = new SimClock(new Date('2026-11-25T10:00:00Z'), 60);
  const simulation = new Simulation(clock);
  const linkyOptions: LinkyOptions = { subscription: 'HCHP' };
  simulation.add(
    new VirtualStation({
      url: 'ws://127.0.0.1:9',
      uid: UID,
      password: 'not-used-password',
      clock,
      linky: new VirtualLinky(linkyOptions),
      linkyOptions,
    }),
  );
  app = await controlServer(simulation);
});
afterAll(() => app.close());

const post = (path: string, payload?: unknown) =>
  app.inject({
    method: 'POST',
    url: `/stations/${UID}${path}`,
    ...(payload === undefined ? {} : { payload: payload as object }),
  });

describe('simulator control API', () => {
  it('lists the stations with the simulated time and speed', async () => {
    const response = await app.inject('/stations');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      speed: 60,
      stations: [{ uid: UID, connected: false, plugged: null }],
    });
  });

  it('plugs and unplugs a car', async () => {
    const plugged = await post('/plug', { socket: 'm2', batteryKwh: 40, stateOfCharge: 0.5 });
    expect(plugged.statusCode).toBe(200);
    expect(plugged.json()).toMatchObject({
      plugged: 'm2',
      car: { batteryKwh: 40, stateOfCharge: 0.5 },
    });
    expect((await post('/unplug')).statusCode).toBe(200);
  });

  it('raises and clears an error, turns the key, changes the house load, fires a network event', async () => {
    expect((await post('/error', { code: 5 })).json().errorCode).toBe(5);
    expect((await post('/error', { code: 0 })).json().errorCode).toBe(0);
    expect((await post('/key', { locked: true })).json().keyLocked).toBe(true);
    expect((await post('/house-load', { apparentPowerVa: 3000 })).json().houseLoadVa).toBe(3000);
    expect((await post('/cybersecurity', { event: 3, message: 'NewSSID' })).statusCode).toBe(200);
  });

  it('answers 404 for a station it does not simulate', async () => {
    const response = await app.inject({ method: 'POST', url: '/stations/Nobody/unplug' });
    expect(response.statusCode).toBe(404);
    expect(response.json().code).toBe('NOT_FOUND');
  });

  it.each([
    ['/plug', { socket: 'm4' }],
    ['/plug', { stateOfCharge: 1.5 }],
    ['/plug', { wheels: 4 }],
    ['/error', { code: 7 }],
    ['/error', {}],
    ['/key', { locked: 'yes' }],
    ['/cybersecurity', { event: 5 }],
    ['/house-load', { apparentPowerVa: -1 }],
    ['/house-load', undefined],
  ])('400 for POST %s with %j', async (path, body) => {
    const response = await post(path, body);
    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe('VALIDATION_FAILED');
  });
});
