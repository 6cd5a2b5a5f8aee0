import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anInstallation } from '../helpers/builders.js';
import { DashboardUser } from '../helpers/dashboard.js';
import { createTestApp, describeEachDialect, type TestApp } from '../helpers/test-app.js';

const PASSWORD = 'a long password';

describeEachDialect('the owner dashboard: signing in through the OpenID provider', (dialect) => {
  let t: TestApp;
  let base: string;
  let owner: { email: string; installationId: number };

  beforeAll(async () => {
    t = await createTestApp(dialect, {}, { listen: true });
    base = t.config.publicUrl;
    const { account, token } = await t.user('owner', 'camille@example.com');
    owner = {
      email: account.email,
      installationId: await anInstallation(t, token, { name: 'Maison des Lilas' }),
    };
    const other = await t.user('owner', 'dominique@example.com');
    await anInstallation(t, other.token, { name: 'Chez Dominique' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('registers the dashboard as a public PKCE client and makes its subscription once', async () => {
    const { identityStore, identity } = t.app.platform;
    const client = await identityStore.findClient('witty-dashboard');
    expect(JSON.parse(client!.metadata)).toMatchObject({
      redirect_uris: [`${base}/dashboard/callback`],
      token_endpoint_auth_method: 'none',
      scope: 'openid api offline_access',
    });
    const developer = await identity.findAccountByEmail('dashboard@witty-home.invalid');
    expect(developer).toMatchObject({ role: 'developer' });
    const subscriptions = await identityStore.listSubscriptions(
      developer!.accountId,
      'energy-management-starter-pack',
    );
    expect(subscriptions).toMatchObject([{ name: 'Witty-Home dashboard', state: 'approved' }]);
  });

  it('/dashboard → sign-in → provider login and consent → callback → the owner’s installations', async () => {
    const user = new DashboardUser(base);
    const { status, html } = await user.signIn(owner.email, PASSWORD);
    expect(status).toBe(200);
    expect(html).toContain('Maison des Lilas');
    expect(html).toContain(`href="/dashboard/installations/${owner.installationId}"`);
    expect(html).not.toContain('Chez Dominique');
  });

  it('keeps the tokens in HttpOnly, SameSite=Lax cookies limited to /dashboard', async () => {
    const user = new DashboardUser(base);
    await user.signIn(owner.email, PASSWORD);
    for (const name of ['witty_dashboard_access', 'witty_dashboard_refresh']) {
      const cookie = user.callbackCookies.find((c) => c.startsWith(`${name}=`));
      expect(cookie, name).toBeDefined();
      expect(cookie).toMatch(/; Path=\/dashboard(;|$)/);
      expect(cookie).toMatch(/; HttpOnly/);
      expect(cookie).toMatch(/; SameSite=Lax/);
      // PUBLIC_URL is http here: Secure would keep the cookie from coming back.
      expect(cookie).not.toMatch(/; Secure/);
    }
    // The page never carries a token.
    const { html } = await user.get('/dashboard');
    expect(html).not.toContain(user.browser.cookie('witty_dashboard_access'));
  });

  it('the sign-in keeps its state and PKCE verifier in a short-lived HttpOnly cookie', async () => {
    const user = new DashboardUser(base);
    const response = await user.browser.request(`${base}/dashboard/signin`);
    expect(response.status).toBe(303);
    const authorize = new URL(response.headers.get('location')!, base);
    expect(Object.fromEntries(authorize.searchParams)).toMatchObject({
      client_id: 'witty-dashboard',
      redirect_uri: `${base}/dashboard/callback`,
      scope: 'openid api offline_access',
      code_challenge_method: 'S256',
      state: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      nonce: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      code_challenge: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
    });
    const cookie = response.headers
      .getSetCookie()
      .find((c) => c.startsWith('witty_dashboard_signin='));
    expect(cookie).toMatch(/Max-Age=600; Path=\/dashboard; HttpOnly; SameSite=Lax/);
  });

  it('a callback with another state is refused with 400 and no session', async () => {
    const user = new DashboardUser(base);
    await user.browser.request(`${base}/dashboard/signin`);
    const { status, html, response } = await user.get('/dashboard/callback?code=abc&state=forged');
    expect(status).toBe(400);
    expect(html).toContain('The sign-in did not complete');
    expect(response.headers.getSetCookie().join()).not.toContain('witty_dashboard_access');
    // And without any sign-in under way.
    expect((await new DashboardUser(base).get('/dashboard/callback?code=abc&state=x')).status).toBe(
      400,
    );
  });

  it('signing out needs the CSRF token, clears the cookies and revokes the refresh token', async () => {
    const user = new DashboardUser(base);
    await user.signIn(owner.email, PASSWORD);
    const refreshToken = user.browser.cookie('witty_dashboard_refresh')!;

    const forged = await user.browser.submit(`${base}/dashboard/signout`, {});
    expect(forged.status).toBe(403);
    expect((await user.get('/dashboard')).status).toBe(200);

    const out = await user.send('/dashboard', '/dashboard/signout');
    expect(out.status).toBe(200);
    expect(out.text).toContain('You are signed out of the dashboard.');
    expect(user.browser.cookie('witty_dashboard_access')).toBeUndefined();
    expect(user.browser.cookie('witty_dashboard_refresh')).toBeUndefined();
    const again = await user.get('/dashboard');
    expect(again.status).toBe(303);
    expect(again.response.headers.get('location')).toBe('/dashboard/signin?next=%2Fdashboard');

    const refreshed = await fetch(`${base}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        client_id: 'witty-dashboard',
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
      }).toString(),
    });
    expect(refreshed.status).toBe(400);
  });

  it('a refresh token that no longer works signs out: the next page asks to sign in', async () => {
    const user = new DashboardUser(base);
    await user.signIn(owner.email, PASSWORD);
    // The access token is gone and the refresh token was used elsewhere (rotated away).
    await t.app.inject({
      method: 'POST',
      url: '/oauth2/revoke',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({
        client_id: 'witty-dashboard',
        token: user.browser.cookie('witty_dashboard_refresh')!,
      }).toString(),
    });
    // Only the refresh cookie: as a browser whose access token expired.
    const page = await fetch(`${base}/dashboard`, {
      headers: {
        cookie: `witty_dashboard_refresh=${user.browser.cookie('witty_dashboard_refresh')}`,
      },
      redirect: 'manual',
    });
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/dashboard/signin?next=%2Fdashboard');
    const cleared = page.headers.getSetCookie().filter((c) => /Expires=Thu, 01 Jan 1970/.test(c));
    expect(cleared.map((c) => c.split('=')[0]).sort()).toEqual([
      'witty_dashboard_access',
      'witty_dashboard_refresh',
    ]);
  });

  describe('pages', () => {
    let user: DashboardUser;
    beforeAll(async () => {
      user = new DashboardUser(base);
      await user.signIn(owner.email, PASSWORD);
    });

    it('are in French for a French browser or with the portal’s language cookie', async () => {
      const french = await user.get('/dashboard', { 'accept-language': 'fr-FR,fr;q=0.9' });
      expect(french.html).toContain('<html lang="fr">');
      expect(french.html).toContain('Mes installations');
      const english = await user.get('/dashboard');
      expect(english.html).toContain('My installations');
    });

    it('carry the portal’s Content-Security-Policy, and load no script inline', async () => {
      const { response, html } = await user.get('/dashboard');
      expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
      expect(html).not.toMatch(/<script(?![^>]*\bsrc=)/);
    });

    it.each([
      ['an installation of someone else', () => '/dashboard/installations/999999'],
      ['a malformed id', () => '/dashboard/installations/abc'],
    ])('%s answers the 404 page', async (_name, path) => {
      const { status, html } = await user.get(path());
      expect(status).toBe(404);
      expect(html).toContain('There is no such installation among yours.');
    });

    it('the portal’s home page links owners to the dashboard', async () => {
      const home = await (await fetch(`${base}/`)).text();
      expect(home).toContain('href="/dashboard"');
    });
  });
});
