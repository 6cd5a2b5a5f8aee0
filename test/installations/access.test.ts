import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  createTestApp,
  describeEachDialect,
  guideExample,
  type TestApp,
} from '../helpers/test-app.js';

// Invitations come with the sharing feature; here the membership is written directly so the
// one access policy (src/installations/access.ts) is tested on its own.
describeEachDialect('installation access for installers', (dialect) => {
  let t: TestApp;
  let owner: { token: string };
  let installer: { token: string; account: { accountId: string } };
  let installationId: number;

  const share = async (enabled: 0 | 1) => {
    await t.app.platform.store.db
      .insertInto('installation_users')
      .values({
        installation_id: installationId,
        account_id: installer.account.accountId,
        role_code: 'installer',
        enabled,
        created_at: new Date().toISOString(),
      })
      .onConflict((oc) => oc.columns(['installation_id', 'account_id']).doUpdateSet({ enabled }))
      .execute();
  };

  beforeAll(async () => {
    t = await createTestApp(dialect);
    owner = await t.user('owner');
    installer = await t.user('installer');
    const created = await t.api('POST', '/v1/installations', {
      token: owner.token,
      body: guideExample('02-installation-create-request.json'),
    });
    installationId = created.json().installationId;
  });
  afterAll(() => t.close());

  it('an enabled installer lists and reads the shared installation', async () => {
    await share(1);
    const list = await t.api('GET', '/v1/installations', { token: installer.token });
    expect(list.json().map((i: { installationId: number }) => i.installationId)).toEqual([
      installationId,
    ]);
    const read = await t.api('GET', `/v1/installations/${installationId}`, {
      token: installer.token,
    });
    expect(read.statusCode).toBe(200);
  });

  it.each([
    ['PUT', guideExample('02-installation-create-request.json')],
    ['DELETE', undefined],
  ] as const)(
    'an installer gets 403 INSTALLATION_ACCESS_DENIED on %s, and nothing changes',
    async (method, body) => {
      await share(1);
      const response = await t.api(method, `/v1/installations/${installationId}`, {
        token: installer.token,
        body,
      });
      expect(response.statusCode).toBe(403);
      expect(response.json().code).toBe('INSTALLATION_ACCESS_DENIED');
      const read = await t.api('GET', `/v1/installations/${installationId}`, {
        token: owner.token,
      });
      expect(read.statusCode).toBe(200);
    },
  );

  it('a disabled installer sees nothing: 404 and an empty list', async () => {
    await share(0);
    expect(
      (await t.api('GET', `/v1/installations/${installationId}`, { token: installer.token }))
        .statusCode,
    ).toBe(404);
    expect((await t.api('GET', '/v1/installations', { token: installer.token })).json()).toEqual(
      [],
    );
  });
});
