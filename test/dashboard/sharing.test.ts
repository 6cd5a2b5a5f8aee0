import { afterAll, beforeAll, expect, it } from 'vitest';
import { aHome } from '../helpers/builders.js';
import { DashboardUser } from '../helpers/dashboard.js';
import { createTestApp, describeEachDialect, type TestApp } from '../helpers/test-app.js';

const PASSWORD = 'a long password';

// The owner's page of installers in the dashboard, and an installer's acceptance there, over
// real HTTP: every change goes through the API, and what the API refuses is said on the page.
describeEachDialect('the owner dashboard: installers', (dialect) => {
  let t: TestApp;
  let owner: DashboardUser;
  let installer: DashboardUser;
  let installerAccountId: string;
  let sharing: string;
  let ownerToken: string;

  /** The activation code of the newest invitation mailed to an address. */
  async function codeMailedTo(email: string): Promise<string> {
    const [mail] = await t.app.platform.mailStore.list({ to: email, limit: 1 });
    const code = /\/invitations\/([A-Za-z0-9_-]{43})/.exec(mail?.text ?? '')?.[1];
    expect(code, `an invitation mailed to ${email}`).toBeDefined();
    return code!;
  }

  beforeAll(async () => {
    t = await createTestApp(dialect, {}, { listen: true });
    const ownerAccount = await t.user('owner', `owner-${dialect}@example.com`);
    ownerToken = ownerAccount.token;
    const home = await aHome(t, ownerAccount.token, { serialNumber: 'DASHSHARING0001' });
    sharing = `/dashboard/installations/${home.installationId}/sharing`;
    const installerAccount = await t.user('installer', `installer-${dialect}@example.com`);
    installerAccountId = installerAccount.account.accountId;
    owner = new DashboardUser(t.config.publicUrl);
    installer = new DashboardUser(t.config.publicUrl);
    await owner.signIn(ownerAccount.account.email, PASSWORD);
    await installer.signIn(installerAccount.account.email, PASSWORD);
  });
  afterAll(async () => {
    await t.close();
  });

  it('invite → the mail goes; the installer accepts in the dashboard; disable, enable, remove', async () => {
    const invited = await owner.send(sharing, `${sharing}/invite`, {
      email: `installer-${dialect}@example.com`,
      cultureCode: 'de-DE',
    });
    expect(invited.status).toBe(303);
    const page = await owner.get(invited.response.headers.get('location')!);
    expect(page.html).toContain(`An invitation was mailed to installer-${dialect}@example.com.`);
    const code = await codeMailedTo(`installer-${dialect}@example.com`);

    const accept = await installer.get(`/dashboard/invitations/${code}`);
    expect(accept.status).toBe(200);
    expect(accept.html).toContain('Maison');
    const accepted = await installer.send(
      `/dashboard/invitations/${code}`,
      `/dashboard/invitations/${code}/accept`,
    );
    expect(accepted.status).toBe(303);
    expect((await installer.get(accepted.response.headers.get('location')!)).html).toContain(
      'You see this station as its installer',
    );
    // Used once.
    expect((await installer.get(`/dashboard/invitations/${code}`)).status).toBe(404);

    const user = `${sharing}/users/${installerAccountId}`;
    expect((await owner.send(sharing, `${user}/disable`)).status).toBe(303);
    const users = () =>
      t.api('GET', sharing.replace('/dashboard', '/v1').replace('/sharing', '/users'), {
        token: ownerToken,
      });
    expect((await users()).json()).toContainEqual(
      expect.objectContaining({ accountId: installerAccountId, enabled: false }),
    );
    expect((await owner.send(sharing, `${user}/enable`)).status).toBe(303);
    expect((await owner.send(sharing, `${user}/remove`)).status).toBe(303);
    expect((await users()).json().map((u: { accountId: string }) => u.accountId)).not.toContain(
      installerAccountId,
    );
  });

  it('what the API refuses is said on the page; an invitation is cancelled', async () => {
    const bad = await owner.send(sharing, `${sharing}/invite`, {
      email: 'not an address',
      cultureCode: 'en-GB',
    });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('Not done:');
    const culture = await owner.send(sharing, `${sharing}/invite`, {
      email: `other-${dialect}@example.com`,
      cultureCode: 'it-IT',
    });
    expect(culture.status).toBe(400);
    await owner.send(sharing, `${sharing}/invite`, {
      email: `later-${dialect}@example.com`,
      cultureCode: 'en-GB',
    });
    const code = await codeMailedTo(`later-${dialect}@example.com`);
    expect((await owner.get(sharing)).html).toContain(`later-${dialect}@example.com`);
    const cancelled = await owner.send(sharing, `${sharing}/invitations/cancel`, {
      email: `later-${dialect}@example.com`,
    });
    expect(cancelled.status).toBe(303);
    expect((await owner.get(sharing)).html).not.toContain(`later-${dialect}@example.com`);
    expect((await installer.get(`/dashboard/invitations/${code}`)).status).toBe(404);
  });

  it('an owner cannot accept as an installer; unknown codes, other installations, bad actions → 404; no CSRF → 403', async () => {
    await owner.send(sharing, `${sharing}/invite`, {
      email: `again-${dialect}@example.com`,
      cultureCode: 'en-GB',
    });
    const code = await codeMailedTo(`again-${dialect}@example.com`);
    const byOwner = await owner.send(
      `/dashboard/invitations/${code}`,
      `/dashboard/invitations/${code}/accept`,
    );
    expect(byOwner.status).toBe(403);
    expect(byOwner.text).toContain('installer account');
    expect((await installer.get(`/dashboard/invitations/${'A'.repeat(43)}`)).status).toBe(404);
    expect((await installer.get('/dashboard/invitations/short')).status).toBe(404);
    // The installer (removed above) and strangers do not manage installers.
    expect((await installer.get(sharing)).status).toBe(404);
    expect((await owner.get('/dashboard/installations/999/sharing')).status).toBe(404);
    expect(
      (await owner.send(sharing, `${sharing}/users/${installerAccountId}/promote`)).status,
    ).toBe(404);
    const noToken = await owner.browser.request(`${t.config.publicUrl}${sharing}/invite`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'email=x%40example.com&cultureCode=en-GB',
    });
    expect(noToken.status).toBe(403);
    const signedOut = await new DashboardUser(t.config.publicUrl).get(sharing);
    expect(signedOut.status).toBe(303);
  });
});
