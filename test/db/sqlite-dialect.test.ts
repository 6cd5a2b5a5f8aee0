import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { openStore, type Store } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { FifoLock } from '../../src/db/sqlite-dialect.js';
import { describeEachDialect, freshDatabase } from '../helpers/test-app.js';

/** Lets every pending promise reaction run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('FifoLock', () => {
  it('is taken at once when free, and freed by its holder', async () => {
    const lock = new FifoLock();
    await lock.acquire();
    lock.release();
    await lock.acquire();
    expect(lock.waiting).toBe(0);
    lock.release();
    expect(() => lock.release()).toThrow(/not held/);
  });

  it('hands the lock to its waiters in arrival order, one per release', async () => {
    const lock = new FifoLock();
    await lock.acquire();
    const served: number[] = [];
    const waiters = [0, 1, 2, 3].map((n) => lock.acquire().then(() => served.push(n)));
    await settle();
    expect(served).toEqual([]);
    expect(lock.waiting).toBe(4);
    for (const expected of [[0], [0, 1], [0, 1, 2], [0, 1, 2, 3]]) {
      lock.release();
      await settle();
      expect(served).toEqual(expected);
    }
    expect(lock.waiting).toBe(0);
    await Promise.all(waiters);
    lock.release();
    // Free again: the next owner gets it without waiting.
    let taken = false;
    void lock.acquire().then(() => (taken = true));
    await settle();
    expect(taken).toBe(true);
  });

  it('a newcomer waits behind those already waiting when the lock is released', async () => {
    const lock = new FifoLock();
    await lock.acquire();
    const served: string[] = [];
    void lock.acquire().then(() => served.push('first'));
    lock.release();
    void lock.acquire().then(() => served.push('newcomer'));
    await settle();
    expect(served).toEqual(['first']);
    lock.release();
    await settle();
    expect(served).toEqual(['first', 'newcomer']);
  });

  it('serves thousands of waiters in order', async () => {
    const lock = new FifoLock();
    const served: number[] = [];
    await Promise.all(
      Array.from({ length: 5000 }, (_, n) =>
        lock.acquire().then(async () => {
          served.push(n);
          await Promise.resolve();
          lock.release();
        }),
      ),
    );
    expect(served).toEqual(Array.from({ length: 5000 }, (_, n) => n));
    expect(lock.waiting).toBe(0);
  });
});

describeEachDialect('one connection shared by many transactions', (dialect) => {
  let store: Store;
  let drop: () => Promise<void>;

  beforeEach(async () => {
    const database = await freshDatabase(dialect);
    drop = database.drop;
    store = openStore(loadConfig(database.env).database);
    await migrateToLatest(store);
    await store.db
      .insertInto('platform_secrets')
      .values({ name: 'counter', value: '0', created_at: new Date().toISOString() })
      .execute();
  });
  afterEach(async () => {
    await store.close();
    await drop();
  });

  it('concurrent transactions all commit; a failing one rolls back and lets the others go on', async () => {
    const started: number[] = [];
    // Reads outside any transaction wait for a connection among them.
    const reads = Array.from({ length: 30 }, () =>
      store.db.selectFrom('products').select('id').execute(),
    );
    const outcomes = await Promise.allSettled(
      Array.from({ length: 300 }, (_, n) =>
        store.db.transaction().execute(async (trx) => {
          started.push(n);
          await trx
            .updateTable('platform_secrets')
            .set({ value: sql`cast(cast(value as integer) + 1 as text)` })
            .where('name', '=', 'counter')
            .execute();
          if (n % 100 === 50) throw new Error(`transaction ${n} fails`);
        }),
      ),
    );
    expect(outcomes.filter((o) => o.status === 'rejected')).toHaveLength(3);
    const counter = await store.db
      .selectFrom('platform_secrets')
      .select('value')
      .where('name', '=', 'counter')
      .executeTakeFirstOrThrow();
    expect(counter.value).toBe('297');
    for (const rows of await Promise.all(reads)) expect(rows.length).toBeGreaterThan(0);
    expect([...started].sort((a, b) => a - b)).toEqual(Array.from({ length: 300 }, (_, n) => n));
    // SQLite has one connection: it goes to the transactions in the order they asked for it.
    if (dialect === 'sqlite') expect(started).toEqual([...started].sort((a, b) => a - b));
  });
});
