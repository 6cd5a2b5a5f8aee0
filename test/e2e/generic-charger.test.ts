import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  SimClock,
  VirtualCar,
  VirtualLinky,
  VirtualStation,
  type LinkyOptions,
} from '../../src/sim/index.js';
import { aHome, settled } from '../helpers/builders.js';
import { createTestApp, describeEachDialect, type TestApp } from '../helpers/test-app.js';

/**
 * Generic OCPP 1.6J chargers of the simulator (`witty sim --generic`), with and without Smart
 * Charging, driven by the platform along a declared subscription, both on one simulated clock
 * at ×1200: HP until 21:00Z, HC 21:00–22:00Z, HP 22:00–23:00Z, HC 23:00–00:00Z, HP after
 * (off-peak hours 22:00-23:00 and 00:00-01:00 in Paris). The energy each charger draws is
 * followed tick by tick, and read back from the platform's measures split by tariff.
 */
const START = '2026-01-15T20:30:00.000Z';
const END = '2026-01-16T00:30:00.000Z';
const OFF_PEAK = ['22:00-23:00', '00:00-01:00'];
const SPEED = 1200;
const TICK_MS = 40;
/** The house's Linky (a generic charger reads no TIC: only the house load comes from it). */
const LINKY: LinkyOptions = {
  subscription: 'HCHP',
  mode: 'historic',
  intensitySubscribedA: 60,
  hcWindows: [],
};

interface Scenario {
  name: string;
  mode: 'deferred' | 'deferredExclusive';
  smartCharging: boolean;
  subscription?: 'HCHP' | 'TEMPO';
  /** The owner's start from the API at this instant. */
  manualStartAt?: string;
  /** The owner's stop from the API at this instant. */
  manualStopAt?: string;
  /** The link is down from the first instant to the second. */
  offline?: [string, string];
}

const SCENARIOS: Scenario[] = [
  { name: 'deferred, remote start/stop', mode: 'deferred', smartCharging: false },
  { name: 'deferredExclusive, remote start/stop', mode: 'deferredExclusive', smartCharging: false },
  { name: 'deferred, smart charging', mode: 'deferred', smartCharging: true },
  { name: 'deferredExclusive, smart charging', mode: 'deferredExclusive', smartCharging: true },
  {
    name: 'deferredExclusive on a Tempo red day',
    mode: 'deferredExclusive',
    smartCharging: false,
    subscription: 'TEMPO',
  },
  {
    name: 'deferredExclusive on a Tempo red day, smart charging',
    mode: 'deferredExclusive',
    smartCharging: true,
    subscription: 'TEMPO',
  },
  {
    name: 'deferredExclusive, smart charging, offline 21:40–23:20',
    mode: 'deferredExclusive',
    smartCharging: true,
    offline: ['2026-01-15T21:40:00.000Z', '2026-01-15T23:20:00.000Z'],
  },
  {
    name: 'deferredExclusive, remote start/stop, reconnecting at 21:30',
    mode: 'deferredExclusive',
    smartCharging: false,
    offline: ['2026-01-15T21:20:00.000Z', '2026-01-15T21:30:00.000Z'],
  },
  {
    name: 'deferredExclusive, remote start/stop, the owner starts at 20:31',
    mode: 'deferredExclusive',
    smartCharging: false,
    manualStartAt: '2026-01-15T20:31:00.000Z',
  },
  {
    name: 'deferredExclusive, remote start/stop, the owner stops at 21:05',
    mode: 'deferredExclusive',
    smartCharging: false,
    manualStopAt: '2026-01-15T21:05:00.000Z',
  },
  {
    name: 'deferredExclusive, smart charging, the owner stops at 21:05',
    mode: 'deferredExclusive',
    smartCharging: true,
    manualStopAt: '2026-01-15T21:05:00.000Z',
  },
];

/** A simulated clock that stands at its start until go(), then runs at its speed. */
class HeldClock extends SimClock {
  private goneAt: number | undefined;
  go(): void {
    this.goneAt = Date.now();
  }
  override now(): Date {
    const elapsed = this.goneAt === undefined ? 0 : Date.now() - this.goneAt;
    return new Date(this.start.getTime() + elapsed * this.speed);
  }
}

/**
 * One reading of a charger's energy register: it holds the energy drawn up to an instant between
 * `after` (taken before the tick) and `before` (taken once the register is read), simulated time.
 */
interface Reading {
  after: number;
  before: number;
  wh: number;
}

const ms = (iso: string) => Date.parse(iso);
const HC1: [string, string] = ['2026-01-15T21:00:00.000Z', '2026-01-15T22:00:00.000Z'];

describeEachDialect('generic chargers follow the tariff through the platform', (dialect) => {
  let t: TestApp;
  let token: string;
  // Simulated time stands at START while everything is set up, then runs (go()).
  const clock = new HeldClock(new Date(START), SPEED);
  const traces = new Map<string, Reading[]>();
  const simLog: string[] = [];
  /** When the owner's stop was sent, simulated ms. */
  const stoppedAt = new Map<string, number>();
  const homes = new Map<string, Awaited<ReturnType<typeof aHome>>>();
  const stations = new Map<string, VirtualStation>();

  beforeAll(async () => {
    t = await createTestApp(
      dialect,
      // Remote stops come 20 simulated minutes (a real second) before HP: the switch job runs
      // every 40 ms of real time here, 48 simulated seconds, on a machine that may be busy.
      { WITTY_CHARGE_STOP_LEAD_SECONDS: '1200' },
      { listen: true, clock },
    );
    ({ token } = await t.user('owner'));
    // The Tempo calendar says the 15th (06:00 to 06:00 the next day) is red.
    await t.app.platform.gridStore.upsertCalendarDays([
      { calendar: 'TEMPO', day: '2026-01-15', value: 'RED', updated_at: START },
    ]);
    let serial = 0;
    for (const scenario of SCENARIOS) {
      const home = await aHome(t, token, { serialNumber: `GENERIC-E2E-${dialect}-${++serial}` });
      const declared = await t.api('PUT', `${home.meterPath}/subscription`, {
        token,
        body: { gridSubscription: scenario.subscription ?? 'HCHP', offPeakHours: OFF_PEAK },
      });
      expect(declared.statusCode).toBe(200);
      const station = new VirtualStation({
        url: t.wsUrl,
        uid: home.device.uid,
        password: home.device.password,
        clock,
        linky: new VirtualLinky(LINKY),
        linkyOptions: LINKY,
        kind: 'generic',
        smartCharging: scenario.smartCharging,
        houseLoadVa: 500,
        registerWh: 1_000_000,
        log: (message) => simLog.push(`${clock.now().toISOString()} ${message}`),
      });
      await station.start();
      homes.set(scenario.name, home);
      stations.set(scenario.name, station);
      traces.set(scenario.name, []);
    }
    // Every charger online, then in its mode (the mode changes with no car plugged).
    for (const scenario of SCENARIOS) {
      const home = homes.get(scenario.name)!;
      for (let i = 0; i < 250 && !stations.get(scenario.name)!.state().connected; i++)
        await new Promise((resolve) => setTimeout(resolve, 20));
      const set = await t.api('POST', `${home.stationPath}/operators/set-charge-mode`, {
        token,
        body: { chargeMode: scenario.mode },
      });
      expect(set.statusCode).toBe(202);
      expect((await settled(t, token, set.headers.location!)).status).toBe('accepted');
    }
    // A car that cannot be filled in a night: 100 kWh at 10 %.
    for (const station of stations.values())
      station.plug(new VirtualCar({ batteryKwh: 100, stateOfCharge: 0.1 }), 'm3');

    /** Whether the charger has drawn energy since the first low period began. */
    const hasCharged = (name: string) => {
      const trace = traces.get(name)!;
      const atLow = trace.find((reading) => reading.after >= ms(HC1[0]));
      return atLow !== undefined && trace.at(-1)!.wh > atLow.wh;
    };
    clock.go();
    const pending = new Set(
      SCENARIOS.filter((s) => s.manualStartAt || s.manualStopAt || s.offline),
    );
    const offline = new Set<string>();
    while (clock.now().getTime() < ms(END)) {
      const now = clock.now().getTime();
      await Promise.all([...stations.values()].map((station) => station.tick()));
      await t.app.chargeDriver.runDue();
      for (const [name, station] of stations) {
        const state = station.state();
        traces.get(name)!.push({
          after: now,
          before: Date.parse(state.simulatedTime),
          wh: state.registersWh.m3,
        });
      }
      for (const scenario of pending) {
        const station = stations.get(scenario.name)!;
        if (scenario.manualStartAt && now >= ms(scenario.manualStartAt)) {
          const home = homes.get(scenario.name)!;
          const start = await t.api('POST', `${home.stationPath}/operators/start`, { token });
          expect(start.statusCode).toBe(202);
          pending.delete(scenario);
        } else if (
          scenario.manualStopAt &&
          now >= ms(scenario.manualStopAt) &&
          hasCharged(scenario.name)
        ) {
          const home = homes.get(scenario.name)!;
          const stop = await t.api('POST', `${home.stationPath}/operators/stop`, { token });
          expect(stop.statusCode).toBe(202);
          stoppedAt.set(scenario.name, now);
          pending.delete(scenario);
        } else if (
          scenario.offline &&
          !offline.has(scenario.name) &&
          now >= ms(scenario.offline[0])
        ) {
          offline.add(scenario.name);
          await station.stop();
        } else if (
          scenario.offline &&
          offline.has(scenario.name) &&
          now >= ms(scenario.offline[1])
        ) {
          await station.start();
          pending.delete(scenario);
        }
      }
      await new Promise((resolve) => setTimeout(resolve, TICK_MS));
    }
    // The last readings reach the platform.
    await Promise.all([...stations.values()].map((station) => station.tick()));
  }, 120_000);

  afterAll(async () => {
    await Promise.allSettled([...stations.values()].map((station) => station.stop()));
    await t.close();
  });

  /**
   * Energy the charger drew between two instants, from its register: at most what it drew
   * (`within`: from the first reading whole after `from` to the last whole before `to`), or at
   * least (`around`: from the last reading whole before `from` to the first whole after `to`).
   */
  function drawn(name: string, from: string, to: string, span: 'within' | 'around'): number {
    const trace = traces.get(name)!;
    const after = (instant: number) => trace.find((r) => r.after >= instant) ?? trace.at(-1)!;
    const before = (instant: number) => trace.findLast((r) => r.before <= instant) ?? trace[0]!;
    return span === 'within'
      ? Math.max(0, before(ms(to)).wh - after(ms(from)).wh)
      : after(ms(to)).wh - before(ms(from)).wh;
  }
  const none = (name: string, from: string, to: string) => drawn(name, from, to, 'within');
  const some = (name: string, from: string, to: string) => drawn(name, from, to, 'around');

  /** The station's energy samples as stored, to tell what went wrong when a figure is off. */
  async function samplesOf(name: string): Promise<string> {
    const rows = await t.app.platform.store.db
      .selectFrom('measure_samples')
      .select(['at', 'tariff', 'value'])
      .where('device_id', '=', homes.get(name)!.stationId)
      .where('measure', '=', 'EnergyConsumption')
      .orderBy('at')
      .execute();
    const uid = homes.get(name)!.device.uid;
    const log = simLog.filter((line) => line.includes(uid));
    return `energy samples: ${JSON.stringify(rows)}; simulator: ${log.join(' | ')}`;
  }

  /** The station's EnergyConsumption from the platform, kWh by tariff id. */
  async function measuredByTariff(name: string): Promise<Record<string, number>> {
    const home = homes.get(name)!;
    const response = await t.api('POST', `${home.stationPath}/measures/1/operators/sum`, {
      token,
      body: { startDate: START, endDate: END, step: 'day' },
    });
    expect(response.statusCode).toBe(200);
    const totals: Record<string, number> = {};
    for (const row of response.json<Record<string, number | string>[]>()) {
      for (const [key, value] of Object.entries(row)) {
        if (key.startsWith('value') && key !== 'value' && typeof value === 'number')
          totals[key] = (totals[key] ?? 0) + value;
      }
    }
    return totals;
  }

  const HP2: [string, string] = ['2026-01-15T22:00:00.000Z', '2026-01-15T23:00:00.000Z'];
  const HC2: [string, string] = ['2026-01-15T23:00:00.000Z', '2026-01-16T00:00:00.000Z'];

  it.each(SCENARIOS.filter((s) => !s.manualStartAt && !s.manualStopAt).map((s) => [s.name]))(
    '%s: nothing is drawn in HP before the first HC',
    (name) => {
      expect(none(name, START, HC1[0])).toBe(0);
      expect(some(name, ...HC1)).toBeGreaterThan(3000);
    },
  );

  it.each([['deferred, remote start/stop'], ['deferred, smart charging']])(
    '%s: waits for HC, then runs on into HP',
    async (name) => {
      expect(some(name, ...HP2)).toBeGreaterThan(5000);
      const measured = await measuredByTariff(name);
      expect(measured.valueHc).toBeGreaterThan(4);
      expect(measured.valueHp).toBeGreaterThan(5);
    },
  );

  it.each([
    ['deferredExclusive, remote start/stop'],
    ['deferredExclusive, smart charging'],
    ['deferredExclusive, remote start/stop, reconnecting at 21:30'],
  ])('%s: charges in HC only, pausing in HP and resuming in the next HC', async (name) => {
    expect(none(name, ...HP2)).toBe(0);
    expect(some(name, ...HC2)).toBeGreaterThan(3000);
    expect(none(name, HC2[1], END)).toBe(0);
    const measured = await measuredByTariff(name);
    expect(measured.valueHc).toBeGreaterThan(5);
    expect(measured.valueHp ?? 0, await samplesOf(name)).toBe(0);
  });

  it('deferredExclusive with smart charging: the charger follows its profile while offline', () => {
    const name = 'deferredExclusive, smart charging, offline 21:40–23:20';
    expect(some(name, ...HC1)).toBeGreaterThan(3000);
    // Offline from 21:40: it stopped at 22:00 and started again at 23:00 on its own.
    expect(none(name, ...HP2)).toBe(0);
    expect(some(name, HC2[0], '2026-01-15T23:20:00.000Z')).toBeGreaterThan(1500);
    expect(none(name, HC2[1], END)).toBe(0);
  });

  it.each([
    ['deferredExclusive on a Tempo red day'],
    ['deferredExclusive on a Tempo red day, smart charging'],
  ])('%s: HC red is used, HP red never', async (name) => {
    expect(none(name, ...HP2)).toBe(0);
    const measured = await measuredByTariff(name);
    expect(measured.valueHcjr).toBeGreaterThan(5);
    expect(measured.valueHpjr ?? 0, await samplesOf(name)).toBe(0);
  });

  it('the owner’s manual start charges through HP until the switch; the tariff rules after it', () => {
    const name = 'deferredExclusive, remote start/stop, the owner starts at 20:31';
    // How soon the start lands depends on the machine (a real second is 20 simulated minutes).
    expect(drawn(name, '2026-01-15T20:31:00.000Z', HC1[0], 'within')).toBeGreaterThan(0);
    expect(some(name, ...HC1)).toBeGreaterThan(3000);
    expect(none(name, ...HP2)).toBe(0);
    expect(some(name, ...HC2)).toBeGreaterThan(3000);
  });

  it.each([
    ['deferredExclusive, remote start/stop, the owner stops at 21:05'],
    ['deferredExclusive, smart charging, the owner stops at 21:05'],
  ])('%s: the car waits until the next low tariff', (name) => {
    // The stop is sent once the car has charged, from 21:05 on.
    const stop = new Date(stoppedAt.get(name)!);
    expect(none(name, START, HC1[0])).toBe(0);
    expect(some(name, HC1[0], stop.toISOString())).toBeGreaterThan(0);
    // The stop lands within a real second (20 simulated minutes); then, though the tariff is
    // still low until 21:40, the car waits for the next low period.
    const landed = new Date(stop.getTime() + 20 * 60_000).toISOString();
    expect(none(name, landed, HP2[1])).toBe(0);
    expect(some(name, ...HC2)).toBeGreaterThan(3000);
  });

  it('every decision is a command and a ChargeMode log record', async () => {
    const home = homes.get('deferredExclusive, remote start/stop')!;
    const commands = (await t.api('GET', `${home.stationPath}/commands`, { token })).json<
      { type: string; status: string; request: { step?: string } }[]
    >();
    const steps = commands.filter((c) => c.type === 'chargePlan');
    expect(steps.map((c) => c.request.step)).toEqual(
      expect.arrayContaining(['remoteStart', 'remoteStop']),
    );
    const log = await t.api('POST', `${home.stationPath}/logs/3/operators/list`, {
      token,
      body: { startDate: START, endDate: END },
    });
    const decisions = log
      .json<{ value: { trigger?: string; steps?: string[] } }[]>()
      .filter((entry) => entry.value.trigger !== undefined);
    expect(decisions.length).toBeGreaterThanOrEqual(3);
  });
});
