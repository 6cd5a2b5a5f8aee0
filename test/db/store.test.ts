import { sql } from 'kysely';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { openStore, type Store } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { oidcAdapterFactory, purgeExpiredOidcPayloads } from '../../src/identity/oidc-store.js';
import { IdentityService } from '../../src/identity/service.js';
import { IdentityStore } from '../../src/identity/store.js';
import { describeEachDialect, freshDatabase, TestClock } from '../helpers/test-app.js';

describeEachDialect('store', (dialect) => {
  let store: Store;
  let drop: () => Promise<void>;
  const clock = new TestClock();

  beforeEach(async () => {
    const database = await freshDatabase(dialect);
    drop = database.drop;
    store = openStore(loadConfig(database.env).database);
    await migrateToLatest(store);
  });
  afterEach(async () => {
    await store.close();
    await drop();
  });

  it('migrations apply once; running them again applies nothing', async () => {
    expect(await migrateToLatest(store)).toEqual([]);
    const product = await store.db
      .selectFrom('products')
      .select('name')
      .where('id', '=', 'energy-management-starter-pack')
      .executeTakeFirst();
    expect(product?.name).toBe('Energy Management Starter Pack');
  });

  it.runIf(dialect === 'postgres')(
    'PostgreSQL: the introspection behind migrations lists the current schema only',
    async () => {
      const other = await freshDatabase(dialect);
      const otherStore = openStore(loadConfig(other.env).database);
      await sql`create table kysely_migration (name text)`.execute(otherStore.db);
      const tables = await store.db.introspection.getTables({ withInternalKyselyTables: true });
      expect(new Set(tables.map((t) => t.schema)).size).toBe(1);
      expect(tables.map((t) => t.name)).toContain('kysely_migration');
      expect(tables.find((t) => t.name === 'installations')?.columns).toContainEqual(
        expect.objectContaining({ name: 'id', isAutoIncrementing: true, isNullable: false }),
      );
      await otherStore.close();
      await other.drop();
    },
  );

  it.runIf(dialect === 'postgres')(
    'PostgreSQL: the process keeps WITTY_DATABASE_POOL_SIZE connections, no more',
    async () => {
      const database = await freshDatabase(dialect);
      const small = openStore(
        loadConfig({ ...database.env, WITTY_DATABASE_POOL_SIZE: '3' }).database,
      );
      try {
        const backends = await Promise.all(
          Array.from({ length: 8 }, () =>
            sql<{ pid: number }>`select pg_backend_pid() as pid, pg_sleep(0.1)`
              .execute(small.db)
              .then((result) => result.rows[0]!.pid),
          ),
        );
        expect(new Set(backends).size).toBe(3);
      } finally {
        await small.close();
        await database.drop();
      }
    },
  );

  it('installation ids are integers that increase', async () => {
    const values = {
      name: 'a',
      location_name: 'b',
      latitude: 44.8,
      longitude: -0.6,
      external_id: null,
      application_code: 'flowEvcs',
      created_at: '2026-01-01T00:00:00.000Z',
      updated_at: '2026-01-01T00:00:00.000Z',
    };
    const first = await store.db
      .insertInto('installations')
      .values(values)
      .returningAll()
      .executeTakeFirstOrThrow();
    const second = await store.db
      .insertInto('installations')
      .values(values)
      .returningAll()
      .executeTakeFirstOrThrow();
    expect(Number.isInteger(first.id)).toBe(true);
    expect(second.id).toBeGreaterThan(first.id);
    expect(second.latitude).toBe(44.8);
  });

  it('e-mail addresses are unique', async () => {
    const identity = new IdentityService(new IdentityStore(store.db), clock);
    await identity.createAccount({
      email: 'Same@Example.com',
      password: 'a long password',
      role: 'owner',
    });
    await expect(
      identity.createAccount({
        email: 'same@example.com',
        password: 'a long password',
        role: 'owner',
      }),
    ).rejects.toThrow(/already exists/);
  });

  it('only hashes of API keys are stored', async () => {
    const identity = new IdentityService(new IdentityStore(store.db), clock);
    const keys = await identity.issueStarterPackKeys('dev@example.com');
    const rows = await store.db.selectFrom('subscription_keys').selectAll().execute();
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row.key_hash).toMatch(/^[0-9a-f]{64}$/);
      expect([keys.primaryKey, keys.secondaryKey]).not.toContain(row.key_hash);
    }
  });

  it('the OpenID adapter stores, finds, consumes, expires and revokes by grant', async () => {
    const Adapter = oidcAdapterFactory(store.db, clock);
    const codes = new Adapter('AuthorizationCode');
    const tokens = new Adapter('RefreshToken');

    await codes.upsert('code-1', { grantId: 'g1', uid: 'u1', accountId: 'a' }, 60);
    await tokens.upsert('rt-1', { grantId: 'g1', accountId: 'a' }, 3600);
    await tokens.upsert('rt-2', { grantId: 'g2', accountId: 'a' }, 3600);
    expect(await codes.find('code-1')).toMatchObject({ grantId: 'g1', accountId: 'a' });
    expect(await codes.findByUid('u1')).toMatchObject({ grantId: 'g1' });
    expect(await tokens.find('code-1')).toBeUndefined(); // models are separate

    await codes.upsert('code-1', { grantId: 'g1', uid: 'u1', accountId: 'b' }, 60);
    expect(await codes.find('code-1')).toMatchObject({ accountId: 'b' });

    await codes.consume('code-1');
    expect((await codes.find('code-1'))?.consumed).toEqual(expect.any(Number));

    await tokens.revokeByGrantId('g1');
    expect(await tokens.find('rt-1')).toBeUndefined();
    expect(await tokens.find('rt-2')).toBeDefined();

    clock.advance(3601 * 1000);
    expect(await tokens.find('rt-2')).toBeUndefined();
    expect(await purgeExpiredOidcPayloads(store.db, clock)).toBeGreaterThanOrEqual(1);
    await tokens.destroy('rt-2');
  });
});
