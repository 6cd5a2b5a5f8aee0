import { LRUCache } from 'lru-cache';
import type { Account, SubscriptionCaller } from './service.js';

/** What an access token says once its signature, issuer, audience and scope have been checked. */
export interface VerifiedToken {
  /** The account it was issued for. */
  accountId: string;
  /** The grant it was issued under (null for tokens issued without one). */
  grantId: string | null;
  /** When it expires, in ms since the epoch. */
  expiresAt: number;
}

/** Bounds of the cache: how long a checked fact is trusted, how many of each are kept. */
export interface CallerCacheOptions {
  /** How long a key, an account or a grant is trusted once read; 0 turns the cache off. */
  ttlMs: number;
  /** Entries of each kind at most (least recently used go first). */
  max?: number;
}

/**
 * What the API's authentication has already checked, so that a partner's next call does not
 * check it again: the subscription of a key, the claims of an access token whose RS256
 * signature was verified, the account, and whether the token's grant still stands.
 *
 * A key, an account or a grant is trusted for `ttlMs` at most (a few seconds): a change made
 * elsewhere (another node, the operator CLI) takes effect within that bound. A change made
 * through this process empties the cache as it commits (`clear`), so it takes effect at once.
 * A token's verified claims do not change: they are kept until it expires, but every use still
 * goes through the account and grant checks above.
 */
export class CallerCache {
  private readonly clearListeners: (() => void)[] = [];
  private readonly keys: LRUCache<string, SubscriptionCaller> | undefined;
  private readonly tokens: LRUCache<string, VerifiedToken> | undefined;
  private readonly accounts: LRUCache<string, Account> | undefined;
  private readonly grants: LRUCache<string, boolean> | undefined;

  constructor(options: CallerCacheOptions) {
    if (options.ttlMs <= 0) return;
    const max = options.max ?? 10_000;
    const ttl = options.ttlMs;
    this.keys = new LRUCache({ max, ttl, ttlAutopurge: false });
    this.accounts = new LRUCache({ max, ttl, ttlAutopurge: false });
    this.grants = new LRUCache({ max, ttl, ttlAutopurge: false });
    // Each token lives until its own expiry (given at `set`).
    this.tokens = new LRUCache({ max });
  }

  /** The subscription of a key: remembered, or resolved (which throws for a refused key). */
  async subscription(
    key: string,
    resolve: () => Promise<SubscriptionCaller>,
  ): Promise<SubscriptionCaller> {
    const known = this.keys?.get(key);
    if (known) return known;
    const subscription = await resolve();
    this.keys?.set(key, subscription);
    return subscription;
  }

  /** The verified claims of a token seen before and not yet expired at `now`. */
  token(token: string, now: number): VerifiedToken | undefined {
    const known = this.tokens?.get(token);
    return known && known.expiresAt > now ? known : undefined;
  }

  /** Remembers a token whose signature and claims were verified. */
  rememberToken(token: string, verified: VerifiedToken, now: number): void {
    const ttl = verified.expiresAt - now;
    if (ttl > 0) this.tokens?.set(token, verified, { ttl });
  }

  /** An account: remembered, or found (undefined when there is none; not remembered). */
  async account(
    accountId: string,
    find: () => Promise<Account | undefined>,
  ): Promise<Account | undefined> {
    const known = this.accounts?.get(accountId);
    if (known) return known;
    const account = await find();
    if (account) this.accounts?.set(accountId, account);
    return account;
  }

  /** Whether a grant still stands: remembered, or asked. */
  async grantStands(grantId: string, ask: () => Promise<boolean>): Promise<boolean> {
    const known = this.grants?.get(grantId);
    if (known !== undefined) return known;
    const stands = await ask();
    this.grants?.set(grantId, stands);
    return stands;
  }

  /** Forgets keys, accounts and grants: one of them changed (a token's claims stay true). */
  clear(): void {
    this.drop();
    for (const listener of this.clearListeners) listener();
  }

  /** Calls `listener` after each `clear` (a change made through this process). */
  onClear(listener: () => void): void {
    this.clearListeners.push(listener);
  }

  /** Empties the cache without telling the listeners: a change another node made and announced. */
  drop(): void {
    this.keys?.clear();
    this.accounts?.clear();
    this.grants?.clear();
  }
}
