import { describe, expect, it } from 'vitest';
import type { ChargeMode } from '../../src/domain/charge-mode.js';
import {
  FULL_CURRENT_A,
  effectiveClass,
  localStartStatus,
  nextPlanAt,
  planCharge,
  tariffSchedule,
  transactionSchedule,
  type Override,
  type PlanStep,
  type PlanTrigger,
  type PlugState,
} from '../../src/domain/charge-plan.js';
import type { TariffType } from '../../src/domain/tariffs.js';

type Row = [
  mode: ChargeMode,
  trigger: PlanTrigger,
  tariff: TariffType,
  plug: PlugState,
  smart: boolean,
  override: Override,
  expected: PlanStep[],
];

// mode × tariff transition (the class after it) × plug state × charger capability (× override).
const SWITCHES: Row[] = [
  // immediate: the charger charges on its own, whatever the tariff.
  ['immediate', 'switch', 'hc', 'waiting', false, null, []],
  ['immediate', 'switch', 'hp', 'charging', false, null, []],
  ['immediate', 'switch', 'hc', 'waiting', true, null, []],
  ['immediate', 'switch', 'hp', 'charging', true, null, []],
  // deferred without Smart Charging: start at the low tariff, run on into the high one.
  ['deferred', 'switch', 'hc', 'unplugged', false, null, []],
  ['deferred', 'switch', 'hc', 'waiting', false, null, ['remoteStart']],
  ['deferred', 'switch', 'hc', 'charging', false, null, []],
  ['deferred', 'switch', 'hp', 'unplugged', false, null, []],
  ['deferred', 'switch', 'hp', 'waiting', false, null, []],
  ['deferred', 'switch', 'hp', 'charging', false, null, []],
  // deferredExclusive without Smart Charging: start at low, stop at high.
  ['deferredExclusive', 'switch', 'hc', 'unplugged', false, null, []],
  ['deferredExclusive', 'switch', 'hc', 'waiting', false, null, ['remoteStart']],
  ['deferredExclusive', 'switch', 'hc', 'charging', false, null, []],
  ['deferredExclusive', 'switch', 'hp', 'unplugged', false, null, []],
  ['deferredExclusive', 'switch', 'hp', 'waiting', false, null, []],
  ['deferredExclusive', 'switch', 'hp', 'charging', false, null, ['remoteStop']],
  // With Smart Charging the tariff profile moves on at each switch and pauses the charge itself.
  ['deferred', 'switch', 'hc', 'unplugged', true, null, ['installTariffProfile']],
  ['deferred', 'switch', 'hc', 'waiting', true, null, ['installTariffProfile', 'remoteStart']],
  ['deferred', 'switch', 'hc', 'charging', true, null, ['installTariffProfile']],
  ['deferred', 'switch', 'hp', 'waiting', true, null, ['installTariffProfile']],
  ['deferred', 'switch', 'hp', 'charging', true, null, ['installTariffProfile']],
  [
    'deferredExclusive',
    'switch',
    'hc',
    'waiting',
    true,
    null,
    ['installTariffProfile', 'remoteStart'],
  ],
  ['deferredExclusive', 'switch', 'hc', 'charging', true, null, ['installTariffProfile']],
  ['deferredExclusive', 'switch', 'hp', 'waiting', true, null, ['installTariffProfile']],
  ['deferredExclusive', 'switch', 'hp', 'charging', true, null, ['installTariffProfile']],
];

// The owner's manual start or stop wins until the next switch (which the caller clears).
const OVERRIDES: Row[] = [
  ['deferredExclusive', 'connect', 'hp', 'charging', false, 'start', []],
  ['deferredExclusive', 'connect', 'hp', 'charging', false, null, ['remoteStop']],
  ['deferredExclusive', 'connect', 'hc', 'waiting', false, 'stop', []],
  ['deferred', 'connect', 'hc', 'waiting', false, 'stop', []],
  ['deferred', 'connect', 'hc', 'waiting', false, null, ['remoteStart']],
  ['deferredExclusive', 'started', 'hp', 'charging', false, 'start', []],
  ['deferredExclusive', 'started', 'hp', 'charging', false, null, ['remoteStop']],
  ['deferredExclusive', 'started', 'hp', 'charging', true, 'start', ['transactionProfile']],
  ['deferredExclusive', 'started', 'hc', 'charging', true, 'start', []],
  ['deferredExclusive', 'started', 'hp', 'charging', true, null, []],
  ['deferredExclusive', 'connect', 'hc', 'waiting', true, 'stop', ['installTariffProfile']],
];

// Transaction starts, connections and mode changes.
const OTHERS: Row[] = [
  // A deferred charge on a Smart Charging charger gets its own profile, to run on into HP.
  ['deferred', 'started', 'hc', 'charging', true, null, ['transactionProfile']],
  ['deferred', 'started', 'hp', 'charging', true, null, ['transactionProfile']],
  ['deferred', 'started', 'hc', 'charging', false, null, []],
  [
    'deferred',
    'connect',
    'hp',
    'charging',
    true,
    null,
    ['installTariffProfile', 'transactionProfile'],
  ],
  ['deferred', 'mode', 'hp', 'unplugged', true, null, ['installTariffProfile']],
  ['deferredExclusive', 'mode', 'hc', 'unplugged', false, null, []],
  // A start is never sent for a transaction that just started.
  ['deferred', 'started', 'hc', 'waiting', false, null, []],
];

const describeRow = ([mode, trigger, tariff, plug, smart, override]: Row) =>
  `${mode}, ${trigger} at ${tariff}, ${plug}, ${smart ? 'smart charging' : 'remote start/stop'}${override ? `, manual ${override}` : ''}`;

describe('planCharge', () => {
  it.each([...SWITCHES, ...OVERRIDES, ...OTHERS].map((row) => [describeRow(row), row] as const))(
    '%s',
    (_name, [mode, trigger, tariff, plug, smartCharging, override, expected]) => {
      expect(
        planCharge({
          mode,
          trigger,
          tariff,
          plug,
          smartCharging,
          override,
          profileInstalled: false,
        }),
      ).toEqual(expected);
    },
  );

  it('clears a tariff profile left on the charger once back in immediate, never on a start', () => {
    const input = {
      mode: 'immediate' as const,
      tariff: 'hp' as const,
      plug: 'unplugged' as const,
      smartCharging: true,
      override: null,
    };
    expect(planCharge({ ...input, trigger: 'mode', profileInstalled: true })).toEqual([
      'clearTariffProfile',
    ]);
    expect(planCharge({ ...input, trigger: 'connect', profileInstalled: false })).toEqual([]);
    expect(planCharge({ ...input, trigger: 'started', profileInstalled: true })).toEqual([]);
  });

  it('never starts a car that is not waiting, nor stops one that is not charging, whatever the input', () => {
    const modes: ChargeMode[] = ['immediate', 'deferred', 'deferredExclusive'];
    const triggers: PlanTrigger[] = ['switch', 'connect', 'mode', 'started'];
    const plugs: PlugState[] = ['unplugged', 'waiting', 'charging'];
    const overrides: Override[] = [null, 'start', 'stop'];
    for (const mode of modes)
      for (const trigger of triggers)
        for (const tariff of ['hc', 'hp'] as const)
          for (const plug of plugs)
            for (const smartCharging of [false, true])
              for (const override of overrides) {
                const steps = planCharge({
                  mode,
                  trigger,
                  tariff,
                  plug,
                  smartCharging,
                  override,
                  profileInstalled: true,
                });
                if (plug !== 'waiting') expect(steps).not.toContain('remoteStart');
                if (plug !== 'charging') expect(steps).not.toContain('remoteStop');
                if (tariff === 'hp') expect(steps).not.toContain('remoteStart');
                if (smartCharging) expect(steps).not.toContain('remoteStop');
                else expect(steps).not.toContain('installTariffProfile');
                if (mode === 'immediate')
                  expect(steps.filter((s) => s !== 'clearTariffProfile')).toEqual([]);
              }
  });
});

describe('charging schedules', () => {
  const from = new Date('2026-12-04T12:00:00Z');
  const at = (hours: number) => new Date(from.getTime() + hours * 3600_000);
  // HP until 22:00 local (21:00Z), HC until 06:00 (05:00Z), HP again, HC from 21:00Z next day.
  const periods = [
    { start: from, type: 'hp' as const },
    { start: at(9), type: 'hc' as const },
    { start: at(17), type: 'hp' as const },
    { start: at(33), type: 'hc' as const },
  ];

  it('the tariff profile gives full current at low tariffs and none at high ones', () => {
    expect(tariffSchedule(periods, from)).toEqual([
      { startPeriod: 0, limit: 0 },
      { startPeriod: 9 * 3600, limit: FULL_CURRENT_A },
      { startPeriod: 17 * 3600, limit: 0 },
      { startPeriod: 33 * 3600, limit: FULL_CURRENT_A },
    ]);
  });

  it('a deferred charge waits for the first low period, then runs to its end', () => {
    expect(transactionSchedule('deferred', periods, null, from)).toEqual([
      { startPeriod: 0, limit: 0 },
      { startPeriod: 9 * 3600, limit: FULL_CURRENT_A },
    ]);
    expect(transactionSchedule('deferred', periods, 'start', from)).toEqual([
      { startPeriod: 0, limit: FULL_CURRENT_A },
    ]);
    expect(transactionSchedule('deferred', [{ start: from, type: 'hp' }], null, from)).toEqual([
      { startPeriod: 0, limit: 0 },
    ]);
  });

  it('a manual start in deferredExclusive charges through the current period, then follows the tariff', () => {
    expect(transactionSchedule('deferredExclusive', periods, 'start', from)).toEqual([
      { startPeriod: 0, limit: FULL_CURRENT_A },
      { startPeriod: 17 * 3600, limit: 0 },
      { startPeriod: 33 * 3600, limit: FULL_CURRENT_A },
    ]);
  });
});

describe('when the platform acts', () => {
  const from = new Date('2026-01-15T20:00:00Z');
  const at = (minutes: number) => new Date(from.getTime() + minutes * 60_000);
  const periods = [
    { start: from, type: 'hp' as const },
    { start: at(60), type: 'hc' as const },
    { start: at(120), type: 'hp' as const },
  ];
  const lead = 60_000;

  it.each([
    [0, 'hp'],
    [60, 'hc'],
    [118, 'hc'],
    [119, 'hp'],
    [119.5, 'hp'],
    [120, 'hp'],
  ] as const)('%s minutes on, the platform drives by %s', (minutes, expected) => {
    expect(effectiveClass(periods, at(minutes), lead)).toBe(expected);
  });

  it('plans at the start of a low tariff, and a lead before a high one', () => {
    expect(nextPlanAt(periods, at(0), lead)).toEqual(at(60));
    expect(nextPlanAt(periods, at(60), lead)).toEqual(at(119));
    expect(nextPlanAt(periods, at(119), lead)).toBeUndefined();
    expect(nextPlanAt([{ start: from, type: 'hp' }], from, lead)).toBeUndefined();
  });
});

describe('localStartStatus: a charger’s own start when the platform applies its mode', () => {
  it.each([
    ['immediate', 'hp', false, 'Accepted'],
    [null, null, false, 'Accepted'],
    ['deferred', 'hc', false, 'Accepted'],
    ['deferred', 'hp', false, 'Blocked'],
    ['deferred', null, false, 'Blocked'],
    ['deferred', 'hp', true, 'Accepted'],
    ['deferredExclusive', 'hc', false, 'Accepted'],
    ['deferredExclusive', 'hp', false, 'Blocked'],
    ['deferredExclusive', 'hp', true, 'Accepted'],
  ] as const)('%s at %s, profile holding: %s → %s', (mode, tariff, profileHolds, expected) => {
    expect(localStartStatus({ mode, tariff, profileHolds })).toBe(expected);
  });
});
