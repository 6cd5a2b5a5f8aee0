import { sql } from 'kysely';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { Store } from '../../src/db/database.js';
import { ReusableQuery, ReusableRowsQuery } from '../../src/db/reusable-query.js';
import type { Executor } from '../../src/db/unit-of-work.js';
import { describeEachDialect, migratedStore } from '../helpers/test-app.js';

const secretsNamed = new ReusableQuery(
  ['prefix', 'limit'],
  (db: Executor, { prefix, limit }: { prefix: string; limit: number }) =>
    db
      .selectFrom('platform_secrets')
      .select(['name', 'value'])
      .where('name', 'like', prefix)
      .where('value', '!=', 'hidden') // a constant of the query, kept in every run
      .orderBy('name')
      .limit(limit),
);

const setSecret = new ReusableQuery(
  ['name', 'value'],
  (db: Executor, { name, value }: { name: string; value: string }) =>
    db.updateTable('platform_secrets').set({ value }).where('name', '=', name),
);

type SecretRow = { name: string; value: string; created_at: string };
const secretsInsert = new ReusableRowsQuery<SecretRow>(
  ['name', 'value', 'created_at'],
  (db: Executor, rows) =>
    db
      .insertInto('platform_secrets')
      .values(rows)
      .onConflict((oc) => oc.column('name').doUpdateSet({ value: sql`excluded.value` })),
  3,
);

describeEachDialect('reusable queries', (dialect) => {
  let store: Store;
  let close: () => Promise<void>;

  beforeEach(async () => {
    ({ store, close } = await migratedStore(dialect));
    await store.db
      .insertInto('platform_secrets')
      .values(
        ['a1', 'a2', 'a3', 'b1', 'c1'].map((name) => ({
          name,
          value: name === 'c1' ? 'hidden' : `value of ${name}`,
          created_at: '2026-01-01T00:00:00.000Z',
        })),
      )
      .execute();
  });
  afterEach(() => close());

  it('answer as the query built anew would, whatever the values', async () => {
    for (const [prefix, limit] of [
      ['a%', 2],
      ['a%', 10],
      ['b%', 10],
      ['c%', 10],
      ["x' or '1'='1", 10],
    ] as const) {
      const built = await store.db
        .selectFrom('platform_secrets')
        .select(['name', 'value'])
        .where('name', 'like', prefix)
        .where('value', '!=', 'hidden')
        .orderBy('name')
        .limit(limit)
        .execute();
      const { rows } = await secretsNamed.execute(store.db, { prefix, limit });
      expect(rows).toEqual(built);
    }
    expect((await secretsNamed.execute(store.db, { prefix: 'a%', limit: 2 })).rows).toEqual([
      { name: 'a1', value: 'value of a1' },
      { name: 'a2', value: 'value of a2' },
    ]);
    expect(await secretsNamed.takeFirst(store.db, { prefix: 'z%', limit: 1 })).toBeUndefined();
  });

  it('run in the caller’s transaction: seen inside it, gone when it rolls back', async () => {
    await expect(
      store.db.transaction().execute(async (trx) => {
        const result = await setSecret.execute(trx, { name: 'a1', value: 'changed' });
        expect(Number(result.numAffectedRows)).toBe(1);
        expect(await secretsNamed.takeFirst(trx, { prefix: 'a1', limit: 1 })).toEqual({
          name: 'a1',
          value: 'changed',
        });
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await secretsNamed.takeFirst(store.db, { prefix: 'a1', limit: 1 })).toEqual({
      name: 'a1',
      value: 'value of a1',
    });
    await setSecret.execute(store.db, { name: 'a1', value: "it's kept as a value" });
    expect(await secretsNamed.takeFirst(store.db, { prefix: 'a1', limit: 1 })).toEqual({
      name: 'a1',
      value: "it's kept as a value",
    });
  });

  it('refuse a query whose values are not all parameters', async () => {
    const written = new ReusableQuery(['name'], (db: Executor, { name }: { name: string }) =>
      db.selectFrom('platform_secrets').selectAll().where('name', '=', sql.lit(name)),
    );
    await expect(written.execute(store.db, { name: 'a1' })).rejects.toThrow(/written into its SQL/);
    const unused = new ReusableQuery(
      ['name', 'other'],
      (db: Executor, values: { name: string; other: string }) =>
        db.selectFrom('platform_secrets').selectAll().where('name', '=', values.name),
    );
    await expect(unused.execute(store.db, { name: 'a1', other: 'x' })).rejects.toThrow(
      /does not use other/,
    );
  });

  it('insert any number of rows: compiled once per count up to the bound, built beyond it', async () => {
    // Rows may carry more than the columns: only the columns are written.
    const rows = (names: string[], value: string) =>
      names.map((name) => ({ name, value, created_at: '2026-01-02T00:00:00.000Z', extra: 1 }));
    await secretsInsert.execute(store.db, rows(['n1'], 'one'));
    await secretsInsert.execute(store.db, rows(['n2', 'n3'], 'two'));
    await secretsInsert.execute(store.db, rows(['n4', 'n5'], "it's two"));
    // Past the bound (3 rows): the statement is built for the batch.
    await secretsInsert.execute(store.db, rows(['n6', 'n7', 'n8', 'n9', 'a1'], 'five'));
    await secretsInsert.execute(store.db, []);
    const stored = await store.db
      .selectFrom('platform_secrets')
      .select(['name', 'value'])
      .where('created_at', '=', '2026-01-02T00:00:00.000Z')
      .orderBy('name')
      .execute();
    expect(stored).toEqual([
      { name: 'n1', value: 'one' },
      { name: 'n2', value: 'two' },
      { name: 'n3', value: 'two' },
      { name: 'n4', value: "it's two" },
      { name: 'n5', value: "it's two" },
      { name: 'n6', value: 'five' },
      { name: 'n7', value: 'five' },
      { name: 'n8', value: 'five' },
      { name: 'n9', value: 'five' },
    ]);
    // The conflicting row was merged, not duplicated.
    expect(
      await store.db.selectFrom('platform_secrets').selectAll().where('name', '=', 'a1').execute(),
    ).toMatchObject([{ value: 'five', created_at: '2026-01-01T00:00:00.000Z' }]);
  });
});
