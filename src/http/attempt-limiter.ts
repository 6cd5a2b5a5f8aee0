import type { Clock } from '../clock.js';

/** Keys tracked at most by default: past it the least recently touched go first. */
const MAX_KEYS = 100_000;

/** Stores `value` as the most recently touched key, and drops the oldest beyond `maxKeys`. */
function touch<V>(map: Map<string, V>, key: string, value: V, maxKeys = MAX_KEYS): void {
  map.delete(key);
  map.set(key, value);
  for (const oldest of map.keys()) {
    if (map.size <= maxKeys) break;
    map.delete(oldest);
  }
}

/**
 * Counts attempts per key (an account, an address) in fixed windows, in memory: enough for one
 * process; each node of a cluster keeps its own counts.
 */
export class AttemptLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly clock: Clock,
    private readonly options: { max: number; windowMs: number; maxKeys?: number },
  ) {}

  /** Seconds until the key may try again, or 0 when it is under its limit. */
  retryAfter(key: string): number {
    const window = this.current(key);
    if (!window || window.count < this.options.max) return 0;
    return Math.max(1, Math.ceil((window.start + this.options.windowMs - this.now()) / 1000));
  }

  /** Records an attempt of the key; returns retryAfter once it is counted. */
  hit(key: string): number {
    const window = this.current(key) ?? { start: this.now(), count: 0 };
    window.count += 1;
    touch(this.windows, key, window, this.options.maxKeys);
    return window.count > this.options.max ? this.retryAfter(key) : 0;
  }

  private current(key: string) {
    const window = this.windows.get(key);
    if (window && window.start + this.options.windowMs <= this.now()) {
      this.windows.delete(key);
      return undefined;
    }
    return window;
  }

  private now(): number {
    return this.clock.now().getTime();
  }
}

/**
 * Failed sign-ins per key: the first `freeFailures` cost nothing, then each further failure makes
 * the key wait 1 s, 2 s, 4 s… up to `maxDelaySeconds`. A success clears the key, and so does a
 * quiet spell: failures older than `maxDelaySeconds` past the last wait are forgotten.
 */
export class SignInThrottle {
  private readonly failures = new Map<string, { count: number; until: number; last: number }>();

  constructor(
    private readonly clock: Clock,
    private readonly options: { freeFailures: number; maxDelaySeconds: number; maxKeys?: number },
  ) {}

  /** Seconds the longest-waiting of the keys must still wait, or 0. */
  retryAfter(keys: string[]): number {
    const now = this.clock.now().getTime();
    let wait = 0;
    for (const key of keys) {
      const entry = this.failures.get(key);
      if (entry && entry.until > now) wait = Math.max(wait, Math.ceil((entry.until - now) / 1000));
    }
    return wait;
  }

  failed(keys: string[]): void {
    const now = this.clock.now().getTime();
    const forgetAfterMs = this.options.maxDelaySeconds * 1000;
    for (const key of keys) {
      const known = this.failures.get(key);
      // Forgotten once the last failure, or the wait it caused, is long past.
      const entry =
        known && now <= Math.max(known.last, known.until) + forgetAfterMs
          ? known
          : { count: 0, until: 0, last: now };
      entry.count += 1;
      entry.last = now;
      const over = entry.count - this.options.freeFailures;
      if (over > 0) {
        entry.until =
          now + Math.min(this.options.maxDelaySeconds, 2 ** Math.min(over - 1, 30)) * 1000;
      }
      touch(this.failures, key, entry, this.options.maxKeys);
    }
  }

  succeeded(key: string): void {
    this.failures.delete(key);
  }
}
