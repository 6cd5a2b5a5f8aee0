import { describe, expect, it } from 'vitest';
import {
  decideCharge,
  type ChargeAction,
  type ChargeMode,
  type ChargeState,
} from '../../src/domain/charge-mode.js';
import { tariffTypeOf } from '../../src/domain/tariffs.js';

type TariffType = ChargeState['tariffType'];

const MODES: readonly ChargeMode[] = ['immediate', 'deferred', 'deferredExclusive'];
const TARIFF_TYPES: readonly TariffType[] = ['hc', 'hp'];
const BOOLEANS = [false, true] as const;

/** A plugged car, not full, not charging, no manual start, in the given mode. */
const aState = (overrides: Partial<ChargeState> = {}): ChargeState => ({
  mode: 'immediate',
  plugged: true,
  tariffType: 'hp',
  charging: false,
  manualStart: false,
  carFull: false,
  ...overrides,
});

/** The socket after the station carried out an action. */
const apply = (state: ChargeState, action: ChargeAction): ChargeState =>
  action === 'keep' ? state : { ...state, charging: action === 'start' };

describe('decideCharge with a car plugged in and not full', () => {
  it.each<[ChargeMode, TariffType, charging: boolean, manualStart: boolean, ChargeAction]>([
    // immediate starts on plug and charges to the end, whatever the tariff.
    ['immediate', 'hc', false, false, 'start'],
    ['immediate', 'hc', false, true, 'start'],
    ['immediate', 'hc', true, false, 'keep'],
    ['immediate', 'hc', true, true, 'keep'],
    ['immediate', 'hp', false, false, 'start'],
    ['immediate', 'hp', false, true, 'start'],
    ['immediate', 'hp', true, false, 'keep'],
    ['immediate', 'hp', true, true, 'keep'],
    // deferred waits for hc or a manual start, then runs to the end.
    ['deferred', 'hc', false, false, 'start'],
    ['deferred', 'hc', false, true, 'start'],
    ['deferred', 'hc', true, false, 'keep'],
    ['deferred', 'hc', true, true, 'keep'],
    ['deferred', 'hp', false, false, 'keep'],
    ['deferred', 'hp', false, true, 'start'],
    ['deferred', 'hp', true, false, 'keep'],
    ['deferred', 'hp', true, true, 'keep'],
    // deferredExclusive charges only in hc, except a manual start, which runs to the end.
    ['deferredExclusive', 'hc', false, false, 'start'],
    ['deferredExclusive', 'hc', false, true, 'start'],
    ['deferredExclusive', 'hc', true, false, 'keep'],
    ['deferredExclusive', 'hc', true, true, 'keep'],
    ['deferredExclusive', 'hp', false, false, 'keep'],
    ['deferredExclusive', 'hp', false, true, 'start'],
    ['deferredExclusive', 'hp', true, false, 'stop'],
    ['deferredExclusive', 'hp', true, true, 'keep'],
  ])(
    '%s in %s, charging %s, manual start %s → %s',
    (mode, tariffType, charging, manualStart, action) => {
      expect(decideCharge(aState({ mode, tariffType, charging, manualStart }))).toBe(action);
    },
  );
});

describe('decideCharge with the car unplugged or full stops a charge and starts none', () => {
  const rows = MODES.flatMap((mode) =>
    TARIFF_TYPES.flatMap((tariffType) =>
      BOOLEANS.flatMap((charging) =>
        BOOLEANS.flatMap((manualStart) =>
          [
            { plugged: false, carFull: false },
            { plugged: true, carFull: true },
            { plugged: false, carFull: true },
          ].map((socket) => ({ mode, tariffType, charging, manualStart, ...socket })),
        ),
      ),
    ),
  );

  it('covers every mode × tariff × charging × manual start × (unplugged | full)', () => {
    expect(rows).toHaveLength(3 * 2 * 2 * 2 * 3);
  });

  it.each(rows)('%o', (state) => {
    expect(decideCharge(state)).toBe(state.charging ? 'stop' : 'keep');
  });
});

describe('decideCharge across a tariff change, the car plugged in before it', () => {
  // The car is plugged in (not charging) at the first tariff; the station decides, then the
  // tariff changes (or not) and it decides again.
  it.each<
    [ChargeMode, TariffType, TariffType, manualStart: boolean, ChargeAction, ChargeAction, boolean]
  >([
    ['immediate', 'hc', 'hp', false, 'start', 'keep', true],
    ['immediate', 'hp', 'hc', false, 'start', 'keep', true],
    ['immediate', 'hc', 'hc', false, 'start', 'keep', true],
    ['immediate', 'hp', 'hp', false, 'start', 'keep', true],
    ['immediate', 'hc', 'hp', true, 'start', 'keep', true],
    ['immediate', 'hp', 'hc', true, 'start', 'keep', true],
    ['immediate', 'hc', 'hc', true, 'start', 'keep', true],
    ['immediate', 'hp', 'hp', true, 'start', 'keep', true],
    ['deferred', 'hc', 'hp', false, 'start', 'keep', true],
    ['deferred', 'hp', 'hc', false, 'keep', 'start', true],
    ['deferred', 'hc', 'hc', false, 'start', 'keep', true],
    ['deferred', 'hp', 'hp', false, 'keep', 'keep', false],
    ['deferred', 'hc', 'hp', true, 'start', 'keep', true],
    ['deferred', 'hp', 'hc', true, 'start', 'keep', true],
    ['deferred', 'hc', 'hc', true, 'start', 'keep', true],
    ['deferred', 'hp', 'hp', true, 'start', 'keep', true],
    ['deferredExclusive', 'hc', 'hp', false, 'start', 'stop', false],
    ['deferredExclusive', 'hp', 'hc', false, 'keep', 'start', true],
    ['deferredExclusive', 'hc', 'hc', false, 'start', 'keep', true],
    ['deferredExclusive', 'hp', 'hp', false, 'keep', 'keep', false],
    ['deferredExclusive', 'hc', 'hp', true, 'start', 'keep', true],
    ['deferredExclusive', 'hp', 'hc', true, 'start', 'keep', true],
    ['deferredExclusive', 'hc', 'hc', true, 'start', 'keep', true],
    ['deferredExclusive', 'hp', 'hp', true, 'start', 'keep', true],
  ])(
    '%s, %s → %s, manual start %s: %s then %s, charging afterwards %s',
    (mode, before, after, manualStart, firstAction, secondAction, chargingAfter) => {
      const plugged = aState({ mode, tariffType: before, manualStart });
      expect(decideCharge(plugged)).toBe(firstAction);
      const changed = { ...apply(plugged, firstAction), tariffType: after };
      expect(decideCharge(changed)).toBe(secondAction);
      expect(apply(changed, secondAction).charging).toBe(chargingAfter);
    },
  );

  it.each(MODES)('%s: a car unplugged after the change stops its charge', (mode) => {
    for (const [before, after] of [
      ['hc', 'hp'],
      ['hp', 'hc'],
      ['hc', 'hc'],
    ] as const) {
      const charging = aState({ mode, tariffType: before, charging: true, manualStart: true });
      expect(decideCharge({ ...charging, tariffType: after, plugged: false })).toBe('stop');
    }
  });
});

describe('stories', () => {
  /** Runs the station over a sequence of tariffs and returns the actions it took. */
  const run = (initial: ChargeState, tariffs: readonly TariffType[]) => {
    let state = initial;
    return tariffs.map((tariffType) => {
      state = { ...state, tariffType };
      const action = decideCharge(state);
      state = apply(state, action);
      return action;
    });
  };

  it('deferredExclusive charges night after night, pausing through the day', () => {
    expect(
      run(aState({ mode: 'deferredExclusive' }), ['hp', 'hc', 'hc', 'hp', 'hp', 'hc']),
    ).toEqual(['keep', 'start', 'keep', 'stop', 'keep', 'start']);
  });

  it('deferred starts with the night and runs through the next day', () => {
    expect(run(aState({ mode: 'deferred' }), ['hp', 'hc', 'hp', 'hp'])).toEqual([
      'keep',
      'start',
      'keep',
      'keep',
    ]);
  });

  it.each<ChargeMode>(['deferred', 'deferredExclusive'])(
    'BASE (th, never low) in %s waits for a manual start, which then charges to the end',
    (mode) => {
      const base = tariffTypeOf('th');
      expect(run(aState({ mode }), [base, base])).toEqual(['keep', 'keep']);
      expect(run(aState({ mode, manualStart: true }), [base, base])).toEqual(['start', 'keep']);
    },
  );

  it('a charge stops when the car is full and does not restart', () => {
    const charging = aState({ mode: 'immediate', charging: true });
    expect(decideCharge({ ...charging, carFull: true })).toBe('stop');
    expect(decideCharge({ ...charging, charging: false, carFull: true })).toBe('keep');
  });
});
