import { setTimeout as sleep } from 'node:timers/promises';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPlatform, type Platform } from '../../src/app.js';
import { CallerCache } from '../../src/identity/index.js';
import type { Account, SubscriptionCaller } from '../../src/identity/index.js';
import {
  createTestApp,
  describeEachDialect,
  freshDatabase,
  type TestApp,
} from '../helpers/test-app.js';

const subscription: SubscriptionCaller = {
  subscriptionId: 's1',
  productId: 'p',
  developerAccountId: 'd',
};
const account: Account = {
  accountId: 'a1',
  email: 'a@example.com',
  role: 'owner',
  firstName: null,
  lastName: null,
  enabled: true,
  emailConfirmed: true,
  culture: 'en-GB',
};

/** A resolver that counts its calls. */
function counting<T>(value: T) {
  const resolve = async () => {
    resolve.calls++;
    return value;
  };
  resolve.calls = 0;
  return resolve;
}

describe('CallerCache', () => {
  it('checks a key, an account and a grant once within its time bound', async () => {
    const cache = new CallerCache({ ttlMs: 60_000 });
    const key = counting(subscription);
    const find = counting<Account | undefined>(account);
    const grant = counting(true);
    for (let i = 0; i < 3; i++) {
      expect(await cache.subscription('k', key)).toBe(subscription);
      expect(await cache.account('a1', find)).toBe(account);
      expect(await cache.grantStands('g', grant)).toBe(true);
    }
    expect([key.calls, find.calls, grant.calls]).toEqual([1, 1, 1]);
  });

  it('checks again once the bound has passed', async () => {
    const cache = new CallerCache({ ttlMs: 40 });
    const key = counting(subscription);
    await cache.subscription('k', key);
    await sleep(80);
    await cache.subscription('k', key);
    expect(key.calls).toBe(2);
  });

  it('forgets keys, accounts and grants on clear, but keeps verified tokens', async () => {
    const cache = new CallerCache({ ttlMs: 60_000 });
    const key = counting(subscription);
    const grant = counting(false);
    await cache.subscription('k', key);
    expect(await cache.grantStands('g', grant)).toBe(false);
    const token = { accountId: 'a1', grantId: 'g', expiresAt: Date.now() + 60_000 };
    cache.rememberToken('t', token, Date.now());
    cache.clear();
    await cache.subscription('k', key);
    await cache.grantStands('g', grant);
    expect([key.calls, grant.calls]).toEqual([2, 2]);
    expect(cache.token('t', Date.now())).toEqual(token);
  });

  it('never returns a token past its expiry, by the clock it is given', () => {
    const cache = new CallerCache({ ttlMs: 60_000 });
    const now = Date.now();
    cache.rememberToken('t', { accountId: 'a1', grantId: null, expiresAt: now + 1000 }, now);
    expect(cache.token('t', now + 999)).toBeDefined();
    expect(cache.token('t', now + 1000)).toBeUndefined();
    cache.rememberToken('old', { accountId: 'a1', grantId: null, expiresAt: now - 1 }, now);
    expect(cache.token('old', now - 10)).toBeUndefined();
  });

  it('neither remembers a refused key nor a missing account', async () => {
    const cache = new CallerCache({ ttlMs: 60_000 });
    let calls = 0;
    const refuse = async (): Promise<SubscriptionCaller> => {
      calls++;
      throw new Error('refused');
    };
    await expect(cache.subscription('k', refuse)).rejects.toThrow('refused');
    await expect(cache.subscription('k', refuse)).rejects.toThrow('refused');
    const missing = counting<Account | undefined>(undefined);
    await cache.account('a1', missing);
    await cache.account('a1', missing);
    expect([calls, missing.calls]).toEqual([2, 2]);
  });

  it('holds at most `max` entries of a kind', async () => {
    const cache = new CallerCache({ ttlMs: 60_000, max: 2 });
    const key = counting(subscription);
    for (const k of ['a', 'b', 'c', 'a']) await cache.subscription(k, key);
    // a was the least recently used when c came: it was dropped and checked again.
    expect(key.calls).toBe(4);
  });

  it('with a bound of 0, checks every time', async () => {
    const cache = new CallerCache({ ttlMs: 0 });
    const key = counting(subscription);
    const now = Date.now();
    await cache.subscription('k', key);
    await cache.subscription('k', key);
    cache.rememberToken('t', { accountId: 'a1', grantId: null, expiresAt: now + 1000 }, now);
    expect(key.calls).toBe(2);
    expect(cache.token('t', now)).toBeUndefined();
  });
});

/** The bound this test runs with (WITTY_AUTH_CACHE_SECONDS); the stated one is 5 s at most. */
const BOUND_SECONDS = 1;

describeEachDialect('revocation with the caller cache', (dialect) => {
  // Node A serves the API; node B is another process on the same database (another node of a
  // scaled-out platform, or the operator CLI): its changes reach A only through the database.
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let a: TestApp;
  let b: Platform;
  let counter = 0;

  beforeAll(async () => {
    database = await freshDatabase(dialect);
    a = await createTestApp(
      dialect,
      { WITTY_AUTH_CACHE_SECONDS: String(BOUND_SECONDS) },
      { database },
    );
    b = await buildPlatform(a.config);
  });
  afterAll(async () => {
    await b.store.close();
    await a.close();
    await database.drop();
  });

  /** A partner key and an owner's token, both used once so that node A has them cached. */
  async function caller() {
    const keys = await a.app.platform.identity.issueStarterPackKeys(
      `cache-${++counter}@example.com`,
    );
    const { account: owner, token } = await a.user('owner');
    const call = () => a.api('GET', '/v1/installations', { token, key: keys.primaryKey });
    expect((await call()).statusCode).toBe(200);
    return { keys, owner, token, call };
  }

  /** Calls until refused; the status, code and seconds it took (fails past 5 s). */
  async function untilRefused(call: () => ReturnType<TestApp['api']>) {
    const started = performance.now();
    for (;;) {
      const response = await call();
      const seconds = (performance.now() - started) / 1000;
      if (response.statusCode !== 200) {
        return { status: response.statusCode, code: response.json().code as string, seconds };
      }
      if (seconds > 5) throw new Error('still accepted after 5 s');
      await sleep(50);
    }
  }

  describe('a change made on another node takes effect within the bound', () => {
    it('a revoked key', async () => {
      const { keys, call } = await caller();
      await b.identity.revokeKey(keys.subscriptionId, 'primary');
      const refused = await untilRefused(call);
      expect(refused).toMatchObject({ status: 401, code: 'SUBSCRIPTION_KEY_INVALID' });
      expect(refused.seconds).toBeLessThan(BOUND_SECONDS + 1);
    });

    it('a suspended subscription', async () => {
      const { keys, call } = await caller();
      await b.identity.setSubscriptionState(keys.subscriptionId, 'suspended');
      const refused = await untilRefused(call);
      expect(refused).toMatchObject({ status: 403, code: 'SUBSCRIPTION_NOT_ACTIVE' });
      expect(refused.seconds).toBeLessThan(BOUND_SECONDS + 1);
    });

    it('a disabled account', async () => {
      const { owner, call } = await caller();
      await b.uow.run((stores) =>
        stores.identity.setAccountEnabled(owner.accountId, false, new Date().toISOString()),
      );
      const refused = await untilRefused(call);
      expect(refused).toMatchObject({ status: 403, code: 'ACCOUNT_DISABLED' });
      expect(refused.seconds).toBeLessThan(BOUND_SECONDS + 1);
    });

    it('a revoked grant', async () => {
      const { token, call } = await caller();
      const grant = await b.provider.Grant.find(String(decodeJwt(token).gid));
      expect(grant).toBeDefined();
      await grant!.destroy();
      const refused = await untilRefused(call);
      expect(refused).toMatchObject({ status: 401, code: 'ACCESS_TOKEN_INVALID' });
      expect(refused.seconds).toBeLessThan(BOUND_SECONDS + 1);
    });
  });

  describe('a change made on this node takes effect at once', () => {
    it('a revoked key', async () => {
      const { keys, call } = await caller();
      await a.app.platform.identity.revokeKey(keys.subscriptionId, 'primary');
      expect((await call()).statusCode).toBe(401);
    });

    it('a disabled account (in a unit of work: once it commits)', async () => {
      const { owner, call } = await caller();
      await a.app.platform.uow.run((stores) =>
        stores.identity.setAccountEnabled(owner.accountId, false, new Date().toISOString()),
      );
      expect((await call()).json()).toMatchObject({ code: 'ACCOUNT_DISABLED' });
    });

    it('a revoked grant', async () => {
      const { token, call } = await caller();
      const grant = await a.app.platform.provider.Grant.find(String(decodeJwt(token).gid));
      await grant!.destroy();
      expect((await call()).json()).toMatchObject({ code: 'ACCESS_TOKEN_INVALID' });
    });
  });
});
