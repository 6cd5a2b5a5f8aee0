import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, sql, type Generated } from 'kysely';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { CheckpointReport } from '../../src/db/checkpointer.js';
import { openStore, type Store } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import {
  FifoLock,
  GroupCommitSqliteDialect,
  type GroupCommitDatabase,
  type GroupCommitLimits,
} from '../../src/db/sqlite-dialect.js';
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

/** A SQLite file opened on the group-commit driver, with the statements it runs written down. */
function groupCommitDatabase(limits?: GroupCommitLimits) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'witty-group-'));
  const file = path.join(dir, 'test.db');
  const connection = new SQLite(file);
  connection.pragma('journal_mode = WAL');
  connection.exec('create table items (id integer primary key, name text not null unique)');
  const statements: string[] = [];
  /** SQL that fails as SQLite fails on an I/O error: the whole transaction rolled back. */
  const ABORT = "select 'abort'";
  const database: GroupCommitDatabase = {
    get inTransaction() {
      return connection.inTransaction;
    },
    close: () => connection.close(),
    prepare(sql) {
      statements.push(sql);
      if (sql === ABORT) {
        const abort = () => {
          connection.exec('rollback');
          throw Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR' });
        };
        return { reader: true, all: abort, run: abort, iterate: abort };
      }
      return connection.prepare(sql);
    },
  };
  const db = new Kysely<{ items: { id: Generated<number>; name: string } }>({
    dialect: new GroupCommitSqliteDialect(() => database, limits),
  });
  // Another connection, as another process would see the file: only what is committed.
  const outside = new SQLite(file, { readonly: true });
  const committed = () =>
    (outside.prepare('select name from items order by id').all() as { name: string }[]).map(
      (row) => row.name,
    );
  return {
    db,
    statements,
    ABORT,
    committed,
    commits: () => statements.filter((sql) => sql === 'commit').length,
    async close() {
      outside.close();
      await db.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe('group commit (SQLite)', () => {
  let group: ReturnType<typeof groupCommitDatabase>;
  afterEach(async () => {
    await group.close();
  });

  it('transactions that end while others wait share one commit, and each resolves only once committed', async () => {
    group = groupCommitDatabase();
    const seenAtResolution: string[][] = [];
    await Promise.all(
      Array.from({ length: 50 }, (_, n) =>
        group.db
          .transaction()
          .execute(async (trx) => {
            await trx
              .insertInto('items')
              .values({ name: `item ${n}` })
              .execute();
          })
          .then(() => seenAtResolution.push(group.committed())),
      ),
    );
    expect(group.committed()).toHaveLength(50);
    // Every transaction's row was visible from outside when its commit resolved.
    for (const [n, seen] of seenAtResolution.entries()) expect(seen.length).toBeGreaterThan(n);
    expect(group.commits()).toBeLessThan(5);
  });

  it('a transaction alone commits by itself, and a statement alone needs no commit', async () => {
    group = groupCommitDatabase();
    await group.db.insertInto('items').values({ name: 'alone' }).execute();
    await group.db.transaction().execute(async (trx) => {
      await trx.insertInto('items').values({ name: 'in a transaction' }).execute();
    });
    expect(group.committed()).toEqual(['alone', 'in a transaction']);
    expect(group.commits()).toBe(1);
  });

  it('a failing transaction rolls back alone; the others of its group commit', async () => {
    group = groupCommitDatabase();
    const outcomes = await Promise.allSettled(
      ['first', 'duplicate', 'third'].map((name) =>
        group.db.transaction().execute(async (trx) => {
          await trx
            .insertInto('items')
            .values({ name: `${name} a` })
            .execute();
          // The unique name makes the second transaction's second statement fail.
          await trx
            .insertInto('items')
            .values({ name: name === 'duplicate' ? 'first a' : `${name} b` })
            .execute();
        }),
      ),
    );
    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
    ]);
    expect(group.committed()).toEqual(['first a', 'first b', 'third a', 'third b']);
    expect(group.commits()).toBe(1);
  });

  it('a statement outside any transaction comes after the group has committed', async () => {
    group = groupCommitDatabase();
    const first = group.db.transaction().execute(async (trx) => {
      await trx.insertInto('items').values({ name: 'first' }).execute();
    });
    const read = group.db.selectFrom('items').select('name').execute();
    const second = group.db.transaction().execute(async (trx) => {
      await trx.insertInto('items').values({ name: 'second' }).execute();
    });
    expect((await read).map((row) => row.name)).toEqual(['first']);
    await Promise.all([first, second]);
    const readAt = group.statements.findIndex((sql) => sql.startsWith('select "name"'));
    expect(group.statements.slice(0, readAt)).toContain('commit');
    expect(group.commits()).toBe(2);
  });

  it('when SQLite rolls the group back, every transaction of the group fails and nothing is stored', async () => {
    group = groupCommitDatabase();
    const outcomes = await Promise.allSettled(
      ['kept?', 'aborts', 'after'].map((name) =>
        group.db.transaction().execute(async (trx) => {
          await trx.insertInto('items').values({ name }).execute();
          if (name === 'aborts') await sql.raw(group.ABORT).execute(trx);
        }),
      ),
    );
    // The first was released into the group the I/O error rolled back: it fails too.
    expect(outcomes[0]).toMatchObject({
      status: 'rejected',
      reason: { name: 'GroupCommitError' },
    });
    expect(outcomes[1]).toMatchObject({ status: 'rejected', reason: { code: 'SQLITE_IOERR' } });
    // The third began a new group once the failed one was gone.
    expect(outcomes[2]!.status).toBe('fulfilled');
    expect(group.committed()).toEqual(['after']);
  });

  it('a statement of a transaction whose group was rolled back fails instead of running alone', async () => {
    group = groupCommitDatabase();
    const outcome = group.db.transaction().execute(async (trx) => {
      await sql
        .raw(group.ABORT)
        .execute(trx)
        .catch(() => undefined);
      await trx.insertInto('items').values({ name: 'orphan' }).execute();
    });
    await expect(outcome).rejects.toMatchObject({ name: 'GroupCommitError' });
    expect(group.committed()).toEqual([]);
  });

  it('commits a group once it reaches its number of transactions', async () => {
    group = groupCommitDatabase({ maxUnits: 10, maxMs: 60_000 });
    await Promise.all(
      Array.from({ length: 30 }, (_, n) =>
        group.db.transaction().execute(async (trx) => {
          await trx
            .insertInto('items')
            .values({ name: `item ${n}` })
            .execute();
        }),
      ),
    );
    expect(group.commits()).toBe(3);
  });
});

describe('background checkpoints (SQLite)', () => {
  it('copy the WAL into the database file while the server writes, and stop with the store', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'witty-checkpoint-'));
    const file = path.join(dir, 'witty.db');
    const store = openStore({ dialect: 'sqlite', file });
    try {
      await migrateToLatest(store);
      // What the automatic checkpoint would do, done: the file now holds the schema.
      await sql`pragma wal_checkpoint(truncate)`.execute(store.db);
      const before = fs.statSync(file).size;
      const reports: CheckpointReport[] = [];
      store.checkpointInBackground((report) => reports.push(report));
      for (let n = 0; n < 200; n++)
        await store.db
          .insertInto('platform_secrets')
          .values({ name: `secret ${n}`, value: 'x'.repeat(2000), created_at: '2026-01-01' })
          .execute();
      // 200 rows of 2 kB: a few hundred WAL pages, under the server's own threshold.
      await vi.waitFor(
        () => expect(reports.some((report) => (report.checkpointed ?? 0) > 0)).toBe(true),
        { timeout: 5000, interval: 50 },
      );
      expect(reports.filter((report) => report.error)).toEqual([]);
      expect(fs.statSync(file).size).toBeGreaterThan(before + 200 * 2000);
    } finally {
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
