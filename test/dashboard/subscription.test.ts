import { afterAll, beforeAll, expect, it } from 'vitest';
import { anInstallation } from '../helpers/builders.js';
import { DashboardUser } from '../helpers/dashboard.js';
import {
  createTestApp,
  describeEachDialect,
  freshDatabase,
  type TestApp,
} from '../helpers/test-app.js';

describeEachDialect('the owner dashboard: its own subscription', (dialect) => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let t: TestApp;

  beforeAll(async () => {
    database = await freshDatabase(dialect);
    // A first start makes the subscription; this second one must find it.
    await (await createTestApp(dialect, {}, { database })).close();
    t = await createTestApp(dialect, { WITTY_RATE_LIMIT_MAX: '3' }, { listen: true, database });
  });
  afterAll(async () => {
    await t.close();
    await database.drop();
  });

  it('is made once: one approved subscription with one live key across restarts', async () => {
    const { identity, identityStore, store } = t.app.platform;
    const developer = await identity.findAccountByEmail('dashboard@witty-home.invalid');
    const subscriptions = await identityStore.listSubscriptions(
      developer!.accountId,
      'energy-management-starter-pack',
    );
    expect(subscriptions).toMatchObject([{ name: 'Witty-Home dashboard', state: 'approved' }]);
    const keys = await store.db
      .selectFrom('subscription_keys')
      .select(['slot', 'revoked_at'])
      .where('subscription_id', '=', subscriptions[0]!.id)
      .execute();
    expect(keys).toEqual([{ slot: 'primary', revoked_at: null }]);
  });

  it('is not held to the per-subscription rate limit, which still holds for partners', async () => {
    const { account, token } = await t.user('owner');
    await anInstallation(t, token, { name: 'Maison' });
    const user = new DashboardUser(t.config.publicUrl);
    await user.signIn(account.email, 'a long password');
    for (let n = 0; n < 6; n++) expect((await user.get('/dashboard')).status).toBe(200);

    // The partner's key made the installation: that was the first of its three calls.
    const partner = [];
    for (let n = 0; n < 3; n++)
      partner.push((await t.api('GET', '/v1/installations', { token })).statusCode);
    expect(partner).toEqual([200, 200, 429]);
  });
});
