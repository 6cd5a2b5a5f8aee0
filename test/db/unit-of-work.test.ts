import { sql } from 'kysely';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { openStore, type Store } from '../../src/db/database.js';
import { UnitOfWork, type CommitHooks, type Executor } from '../../src/db/unit-of-work.js';
import { describeEachDialect, freshDatabase } from '../helpers/test-app.js';

/** A store that keeps its values and writes them when its unit of work ends. */
class KeptValues {
  private readonly kept: number[] = [];
  constructor(
    private readonly db: Executor,
    private readonly hooks: CommitHooks,
  ) {}

  keep(value: number): void {
    if (this.kept.length === 0) this.hooks.beforeCommit(() => this.write());
    this.kept.push(value);
  }

  private async write(): Promise<void> {
    for (const value of this.kept.splice(0))
      await sql`insert into kept (value) values (${value})`.execute(this.db);
  }
}

describeEachDialect('unit of work', (dialect) => {
  let store: Store;
  let drop: () => Promise<void>;

  beforeEach(async () => {
    const database = await freshDatabase(dialect);
    drop = database.drop;
    store = openStore(loadConfig(database.env).database);
    await sql`create table kept (value integer not null)`.execute(store.db);
  });
  afterEach(async () => {
    await store.close();
    await drop();
  });

  const values = async () =>
    (
      await sql<{ value: number }>`select value from kept order by value`.execute(store.db)
    ).rows.map((row) => Number(row.value));
  const units = () =>
    new UnitOfWork(store.db, (db, hooks) => ({ db, kept: new KeptValues(db, hooks) }));

  it('what a store writes before commit is in the transaction: committed with the work', async () => {
    const seen: number[] = [];
    const committed = await units().run(async ({ db, kept }) => {
      kept.keep(1);
      kept.keep(2);
      // Kept, not written yet: the transaction itself does not see them.
      const rows = await sql<{ value: number }>`select value from kept`.execute(db);
      seen.push(...rows.rows.map((row) => row.value));
      return 'done';
    });
    expect(committed).toBe('done');
    expect(seen).toEqual([]);
    expect(await values()).toEqual([1, 2]);
  });

  it('a failure before commit rolls the whole unit back', async () => {
    const failing = new UnitOfWork(store.db, (db, hooks) => ({
      db,
      kept: new KeptValues(db, hooks),
      fail: () => hooks.beforeCommit(() => Promise.reject(new Error('disk full'))),
    }));
    await expect(
      failing.run(async ({ db, kept, fail }) => {
        await sql`insert into kept (value) values (7)`.execute(db);
        kept.keep(8);
        fail();
      }),
    ).rejects.toThrow('disk full');
    expect(await values()).toEqual([]);
  });

  it('with: a room adds its stores, bound to the same transaction', async () => {
    const withMore = units().with((db) => ({
      more: (value: number) => sql`insert into kept (value) values (${value})`.execute(db),
    }));
    await expect(
      withMore.run(async ({ kept, more }) => {
        kept.keep(3);
        await more(4);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(await values()).toEqual([]);
    await withMore.run(async ({ kept, more }) => {
      kept.keep(5);
      await more(6);
    });
    expect(await values()).toEqual([5, 6]);
  });

  it('outside a unit of work nothing waits for a commit: a store must write at once', () => {
    const { kept } = units().read;
    expect(() => kept.keep(1)).toThrow(/outside a unit of work/);
  });
});
