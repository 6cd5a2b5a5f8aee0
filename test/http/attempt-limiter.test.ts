import { describe, expect, it } from 'vitest';
import { AttemptLimiter, SignInThrottle } from '../../src/http/attempt-limiter.js';

/** A clock the table moves by hand. */
function steppingClock() {
  let now = Date.parse('2026-05-04T10:00:00Z');
  return { now: () => new Date(now), advance: (seconds: number) => (now += seconds * 1000) };
}

describe('AttemptLimiter: fixed windows per key', () => {
  it.each([
    // [attempts at t=0, seconds later, retryAfter then]
    [2, 0, 0],
    [3, 0, 60],
    [4, 30, 30],
    [4, 60, 0],
    [10, 59, 1],
  ])('%i attempts, %i s later: retry after %i s', (attempts, later, expected) => {
    const clock = steppingClock();
    const limiter = new AttemptLimiter(clock, { max: 3, windowMs: 60_000 });
    for (let i = 0; i < attempts; i++) limiter.hit('a');
    clock.advance(later);
    expect(limiter.retryAfter('a')).toBe(expected);
    expect(limiter.retryAfter('b')).toBe(0);
  });

  it('keeps at most maxKeys keys, dropping the least recently hit', () => {
    const limiter = new AttemptLimiter(steppingClock(), { max: 1, windowMs: 60_000, maxKeys: 2 });
    for (const key of ['a', 'b', 'a', 'c']) limiter.hit(key);
    // b, the least recently hit, was dropped when c came.
    expect([limiter.retryAfter('a'), limiter.retryAfter('b'), limiter.retryAfter('c')]).toEqual([
      60, 0, 60,
    ]);
  });
});

describe('SignInThrottle: growing waits after the free failures', () => {
  it.each([
    // [failures in a row, wait after the last one (s)]
    [2, 0],
    [3, 1],
    [4, 2],
    [5, 4],
    [8, 32],
    [20, 900],
  ])('%i failures: wait %i s', (failures, wait) => {
    const throttle = new SignInThrottle(steppingClock(), { freeFailures: 2, maxDelaySeconds: 900 });
    for (let i = 0; i < failures; i++) throttle.failed(['acct', 'addr']);
    expect(throttle.retryAfter(['acct'])).toBe(wait);
    expect(throttle.retryAfter(['addr', 'other'])).toBe(wait);
  });

  it.each([
    // [seconds of quiet after 5 failures (the last waits 4 s), wait after one more failure (s)]
    [60, 8],
    [4 + 900, 8],
    [4 + 900 + 1, 0],
  ])('after %i s of quiet, one more failure waits %i s', (quiet, wait) => {
    const clock = steppingClock();
    const throttle = new SignInThrottle(clock, { freeFailures: 2, maxDelaySeconds: 900 });
    for (let i = 0; i < 5; i++) throttle.failed(['acct']);
    clock.advance(quiet);
    throttle.failed(['acct']);
    expect(throttle.retryAfter(['acct'])).toBe(wait);
  });

  it('a success clears the key', () => {
    const throttle = new SignInThrottle(steppingClock(), { freeFailures: 0, maxDelaySeconds: 900 });
    throttle.failed(['acct']);
    throttle.succeeded('acct');
    expect(throttle.retryAfter(['acct'])).toBe(0);
  });
});
