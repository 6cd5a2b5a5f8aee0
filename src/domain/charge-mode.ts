/**
 * The charge-mode rule a Witty station applies on its own (docs/ocpp-profile.md §6), as a pure
 * decision the simulator takes at each tick: no I/O, no clock.
 */

/** The guide's charge modes, as spelled on the wire. */
export type ChargeMode = 'immediate' | 'deferred' | 'deferredExclusive';

/** Whether a mode (as stored, possibly unset) waits for the low tariff. */
export function isDeferred(mode: string | null | undefined): boolean {
  return mode === 'deferred' || mode === 'deferredExclusive';
}

/** What the station knows about one socket when it decides. */
export interface ChargeState {
  mode: ChargeMode;
  plugged: boolean;
  /** Class of the tariff in force (tariffTypeOf): BASE's th is hp, so BASE never starts alone. */
  tariffType: 'hc' | 'hp';
  charging: boolean;
  /** started by a remote start (or by the user) in a deferred mode */
  manualStart: boolean;
  carFull: boolean;
}

/** Start a charge, stop the one running, or leave the socket as it is. */
export type ChargeAction = 'start' | 'stop' | 'keep';

/** What the station does with a socket in the given state (ocpp-profile §6 table). */
export function decideCharge(state: ChargeState): ChargeAction {
  // Nothing to charge: whatever the mode, energy stops flowing (§6 "The end of a charge"; the
  // caller turns a stop on a full car into SuspendedEV and one on an unplugged car into
  // StopTransaction EVDisconnected).
  if (!state.plugged || state.carFull) return state.charging ? 'stop' : 'keep';

  if (!state.charging) {
    if (state.mode === 'immediate') return 'start';
    // Both deferred modes wait for a low tariff or a manual start.
    return state.tariffType === 'hc' || state.manualStart ? 'start' : 'keep';
  }

  // deferred runs to the end; deferredExclusive only while the tariff is low, unless the
  // session was a manual start, which charges to the end like deferred.
  if (state.mode === 'deferredExclusive' && state.tariffType === 'hp' && !state.manualStart) {
    return 'stop';
  }
  return 'keep';
}
