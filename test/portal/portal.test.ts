import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser } from '../helpers/http.js';
import { Visitor } from '../helpers/portal.js';
import { createTestApp, describeEachDialect, type TestApp } from '../helpers/test-app.js';

const PASSWORD = 'correct horse battery';

describeEachDialect('the developer portal', (dialect) => {
  let t: TestApp;
  let base: string;
  let admin: Visitor;

  /** The mails to an address, newest first. */
  const mailsTo = (to: string) => t.app.platform.mailStore.list({ to, limit: 20 });
  async function linkIn(to: string, kind: string, path: string): Promise<string> {
    const mail = (await mailsTo(to)).find((m) => m.kind === kind);
    expect(mail, `a ${kind} mail to ${to}`).toBeDefined();
    const match = new RegExp(`${base}(${path}/[A-Za-z0-9_-]{43})`).exec(mail!.text);
    expect(match, `the ${path} link in the text part`).not.toBeNull();
    expect(mail!.html).toContain(`href="${base}${match![1]}"`);
    return match![1]!;
  }

  /** A developer who signed up and confirmed, signed in. */
  async function aDeveloper(email: string): Promise<Visitor> {
    const visitor = new Visitor(base);
    const signedUp = await visitor.send('/signup', '/signup', {
      firstName: 'Ada',
      lastName: 'Lovelace',
      email,
      password: PASSWORD,
    });
    expect(signedUp.status).toBe(200);
    expect((await visitor.get(await linkIn(email, 'accountConfirmation', '/confirm'))).status).toBe(
      200,
    );
    const signedIn = await visitor.send('/signin', '/signin', { email, password: PASSWORD });
    expect(signedIn.status).toBe(303);
    return visitor;
  }

  beforeAll(async () => {
    t = await createTestApp(dialect, {}, { listen: true });
    base = t.config.publicUrl;
    await t.app.platform.identity.createAccount({
      email: 'admin@example.com',
      password: PASSWORD,
      role: 'admin',
      firstName: 'Grace',
      lastName: 'Hopper',
    });
    admin = new Visitor(base);
    const signedIn = await admin.send('/signin', '/signin', {
      email: 'admin@example.com',
      password: PASSWORD,
    });
    expect(signedIn.response.headers.get('location')).toBe('/admin');
  });
  afterAll(async () => {
    await t.close();
  });

  describe('pages and languages', () => {
    it('the home page is in English, or in French for a French browser', async () => {
      const visitor = new Visitor(base);
      const english = await visitor.get('/');
      expect(english.status).toBe(200);
      expect(english.html).toContain('<html lang="en">');
      expect(english.html).toContain('href="/signup"');
      const french = await visitor.get('/', { 'accept-language': 'fr-FR,fr;q=0.9,en;q=0.5' });
      expect(french.html).toContain('<html lang="fr">');
      expect(french.html).toContain('Créer un compte');
    });

    it('the language switch is remembered, and goes back only to a page of the portal', async () => {
      const visitor = new Visitor(base);
      const switched = await visitor.get('/language/fr?back=%2Fproducts');
      expect(switched.status).toBe(303);
      expect(switched.response.headers.get('location')).toBe('/products');
      expect((await visitor.get('/products')).html).toContain('<html lang="fr">');
      for (const back of ['//evil.example/', 'https://evil.example/', '/\\evil.example']) {
        const away = await visitor.get(`/language/en?back=${encodeURIComponent(back)}`);
        expect(away.response.headers.get('location')).toBe('/');
      }
      expect((await visitor.get('/language/de?back=/')).status).toBe(303);
      expect((await visitor.get('/')).html).toContain('<html lang="en">');
    });

    it('pages forbid framing, inline script and other origins; assets are served', async () => {
      const visitor = new Visitor(base);
      const { response } = await visitor.get('/signup');
      expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
      expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('cache-control')).toBe('no-store');
      const css = await visitor.get('/assets/portal.css');
      expect(css.status).toBe(200);
      expect(css.response.headers.get('content-type')).toContain('text/css');
      expect((await visitor.get('/assets/portal.js')).status).toBe(200);
      expect((await visitor.get('/assets/nothing.js')).status).toBe(404);
    });

    it('a form without its CSRF token, or with another, is refused with 403', async () => {
      const visitor = new Visitor(base);
      await visitor.get('/signup');
      const fields = {
        firstName: 'A',
        lastName: 'B',
        email: 'csrf@example.com',
        password: PASSWORD,
      };
      const missing = await visitor.browser.submit(`${base}/signup`, fields);
      expect(missing.status).toBe(403);
      expect(await missing.text()).toContain('The form has expired');
      const forged = await visitor.browser.submit(`${base}/signup`, { ...fields, _csrf: 'forged' });
      expect(forged.status).toBe(403);
      // A token from another browser does not match this browser's secret.
      const other = new Visitor(base);
      const token = /name="_csrf" value="([^"]+)"/.exec((await other.get('/signup')).html)![1]!;
      const stolen = await visitor.browser.submit(`${base}/signup`, { ...fields, _csrf: token });
      expect(stolen.status).toBe(403);
      expect(await mailsTo('csrf@example.com')).toEqual([]);
    });
  });

  describe('sign-up and sign-in', () => {
    it('a refused sign-up says what is wrong, field by field, and keeps what was typed', async () => {
      const visitor = new Visitor(base);
      const empty = await visitor.send('/signup', '/signup', {});
      expect(empty.status).toBe(400);
      expect(empty.html).toContain('Enter your first name.');
      expect(empty.html).toContain('Enter your e-mail address.');
      const bad = await visitor.send('/signup', '/signup', {
        firstName: '<b>Ada</b>',
        lastName: 'L',
        email: 'not-an-address',
        password: 'short',
      });
      expect(bad.status).toBe(400);
      expect(bad.html).toContain('Enter an e-mail address such as name@example.com.');
      expect(bad.html).toContain('The password must have at least 8 characters.');
      expect(bad.html).toContain('value="&lt;b&gt;Ada&lt;/b&gt;"');
      expect(bad.html).not.toContain('<b>Ada</b>');
      expect(bad.html).toContain('aria-invalid="true"');
      expect(bad.html).not.toContain('short');
    });

    it('sign-up mails a confirmation link; until it is opened the account cannot sign in', async () => {
      const visitor = new Visitor(base);
      const email = `dev-${dialect}-confirm@example.com`;
      await visitor.get('/language/fr?back=/signup');
      const signedUp = await visitor.send('/signup', '/signup', {
        firstName: 'Ada',
        lastName: 'Lovelace',
        email,
        password: PASSWORD,
      });
      expect(signedUp.status).toBe(200);
      expect(signedUp.html).toContain(email);
      const [mail] = await mailsTo(email);
      expect(mail).toMatchObject({ kind: 'accountConfirmation', culture: 'fr-FR' });
      const early = await visitor.send('/signin', '/signin', { email, password: PASSWORD });
      expect(early.status).toBe(403);
      expect(early.html).toContain('Confirmez d’abord votre adresse');
      // A link went a moment ago: no second one yet.
      expect(await mailsTo(email)).toHaveLength(1);
      const link = await linkIn(email, 'accountConfirmation', '/confirm');
      const confirmed = await visitor.get(link);
      expect(confirmed.status).toBe(200);
      expect(confirmed.html).toContain('Votre adresse e-mail est confirmée');
      expect((await visitor.get(link)).status).toBe(410);
      expect((await visitor.get('/confirm/not-a-token')).status).toBe(404);
      expect((await visitor.get(`/confirm/${'A'.repeat(43)}`)).status).toBe(404);
      const signedIn = await visitor.send('/signin', '/signin', { email, password: PASSWORD });
      expect(signedIn.status).toBe(303);
      expect(signedIn.response.headers.get('location')).toBe('/profile');
      const cookie = signedIn.response.headers
        .getSetCookie()
        .find((c) => c.startsWith('witty_session='));
      expect(cookie).toMatch(/HttpOnly/i);
      expect(cookie).toMatch(/SameSite=Lax/i);
      expect((await visitor.get('/profile')).html).toContain(email);
    });

    it('signing up again with a known address tells nothing and creates nothing', async () => {
      const email = `dev-${dialect}-twice@example.com`;
      await aDeveloper(email);
      const again = await new Visitor(base).send('/signup', '/signup', {
        firstName: 'Eve',
        lastName: 'Mallory',
        email,
        password: 'another password',
      });
      expect(again.status).toBe(200);
      expect(await mailsTo(email)).toHaveLength(1);
      const account = await t.app.platform.identity.findAccountByEmail(email);
      expect(account?.firstName).toBe('Ada');
    });

    it('a confirmation link expires after 24 hours', async () => {
      const email = `dev-${dialect}-late@example.com`;
      await new Visitor(base).send('/signup', '/signup', {
        firstName: 'Late',
        lastName: 'Comer',
        email,
        password: PASSWORD,
      });
      const link = await linkIn(email, 'accountConfirmation', '/confirm');
      t.clock.advance(24 * 3600_000 + 1000);
      try {
        const late = await new Visitor(base).get(link);
        expect(late.status).toBe(410);
        expect(late.html).toContain('This link has expired');
      } finally {
        t.clock.set(new Date());
      }
    });

    it('wrong credentials → 401; an owner account is sent to the dashboard; empty fields → 400', async () => {
      const visitor = new Visitor(base);
      const wrong = await visitor.send('/signin', '/signin', {
        email: 'admin@example.com',
        password: 'not the password',
      });
      expect(wrong.status).toBe(401);
      expect(wrong.html).toContain('The e-mail address or the password is wrong.');
      const owner = await t.user('owner', `owner-${dialect}@example.com`);
      const asOwner = await visitor.send('/signin', '/signin', {
        email: owner.account.email,
        password: 'a long password',
      });
      expect(asOwner.status).toBe(403);
      expect(asOwner.html).toContain('owner dashboard');
      const empty = await visitor.send('/signin', '/signin', {});
      expect(empty.status).toBe(400);
    });

    it('next= after sign-in goes to a page of the portal only', async () => {
      const email = `dev-${dialect}-next@example.com`;
      await aDeveloper(email);
      const visitor = new Visitor(base);
      const page = await visitor.get('/signin?next=%2Fproducts');
      expect(page.html).toContain('name="next" value="/products"');
      const away = await visitor.get('/signin?next=https%3A%2F%2Fevil.example%2F');
      expect(away.html).not.toContain('name="next"');
      const signedIn = await visitor.send('/signin?next=%2Fproducts', '/signin', {
        email,
        password: PASSWORD,
        next: '//evil.example/',
      });
      expect(signedIn.response.headers.get('location')).toBe('/profile');
    });

    it('sign-out ends the session on the server', async () => {
      const visitor = await aDeveloper(`dev-${dialect}-out@example.com`);
      const session = visitor.browser.cookie('witty_session')!;
      const out = await visitor.send('/profile', '/signout');
      expect(out.status).toBe(303);
      const replay = new Browser();
      const response = await replay.request(`${base}/profile`, {
        headers: { cookie: `witty_session=${session}` },
      });
      expect(response.status).toBe(303);
      expect(response.headers.get('location')).toBe('/signin?next=%2Fprofile');
    });
  });

  describe('password reset', () => {
    it('an unknown address gets the same answer and no mail; a known one a link that works once', async () => {
      const email = `dev-${dialect}-reset@example.com`;
      const developer = await aDeveloper(email);
      const stranger = new Visitor(base);
      const unknown = await stranger.send('/password/forgot', '/password/forgot', {
        email: `nobody-${dialect}@example.com`,
      });
      expect(unknown.status).toBe(200);
      expect(await mailsTo(`nobody-${dialect}@example.com`)).toEqual([]);
      expect(
        (await stranger.send('/password/forgot', '/password/forgot', { email: 'x' })).status,
      ).toBe(400);
      const asked = await stranger.send('/password/forgot', '/password/forgot', { email });
      expect(asked.status).toBe(200);
      const link = await linkIn(email, 'passwordReset', '/password/reset');
      expect((await stranger.get(link)).status).toBe(200);
      expect((await stranger.send(link, link, { password: 'short' })).status).toBe(400);
      const reset = await stranger.send(link, link, { password: 'a brand new password' });
      expect(reset.status).toBe(200);
      expect(reset.html).toContain('Your password has been changed');
      expect((await stranger.get(link)).status).toBe(410);
      // The sessions of the account ended; the old password no longer works, the new one does.
      expect((await developer.get('/profile')).status).toBe(303);
      expect(
        (await stranger.send('/signin', '/signin', { email, password: PASSWORD })).status,
      ).toBe(401);
      expect(
        (await stranger.send('/signin', '/signin', { email, password: 'a brand new password' }))
          .status,
      ).toBe(303);
    });
  });

  describe('subscriptions, approval and keys', () => {
    it('subscribe → pending, administrators mailed; approve → mailed; a key from the profile calls the API', async () => {
      const email = `dev-${dialect}-keys@example.com`;
      const developer = await aDeveloper(email);
      const products = await developer.get('/products');
      expect(products.html).toContain('Energy Management Starter Pack');
      const subscribed = await developer.send(
        '/products',
        '/products/energy-management-starter-pack/subscribe',
        {
          'name-energy-management-starter-pack': 'My home app',
        },
      );
      expect(subscribed.status).toBe(201);
      expect(subscribed.html).toContain('waiting for approval');
      const requested = (await mailsTo('admin@example.com')).find(
        (m) => m.kind === 'subscriptionRequested' && m.text.includes(email),
      );
      expect(requested, 'the administrator is told').toBeDefined();
      // A developer cannot open the administration.
      expect((await developer.get('/admin/subscriptions')).status).toBe(403);

      const queue = await admin.get('/admin/subscriptions');
      const account = (await t.app.platform.identity.findAccountByEmail(email))!;
      const [mine] = await t.app.platform.portal.subscriptionsOf(account);
      expect(mine).toMatchObject({ name: 'My home app', state: 'pending' });
      expect(queue.html).toContain(`/admin/subscriptions/${mine!.id}/approve`);
      const approved = await admin.send(
        '/admin/subscriptions',
        `/admin/subscriptions/${mine!.id}/approve`,
      );
      expect(approved.status).toBe(200);
      expect(approved.html).toContain('“My home app” approved');
      expect(
        (await admin.send('/admin/subscriptions', `/admin/subscriptions/${mine!.id}/approve`))
          .status,
      ).toBe(409);
      const mail = (await mailsTo(email)).find((m) => m.kind === 'subscriptionApproved');
      expect(mail?.text).toContain(`${base}/profile`);

      const profile = await developer.get('/profile');
      expect(profile.html).toContain('Approved');
      const created = await developer.send(
        '/profile',
        `/profile/subscriptions/${mine!.id}/keys/primary`,
      );
      expect(created.status).toBe(200);
      const key = /<code id="new-key"[^>]*>([0-9a-f]{32})<\/code>/.exec(created.html)?.[1];
      expect(key).toBeDefined();
      const call = await t.api('GET', '/v1/installations', { key: key! });
      expect(call.json().code).toBe('ACCESS_TOKEN_MISSING');
      // Shown once: the profile now shows its last characters only.
      const later = await developer.get('/profile');
      expect(later.html).not.toContain(key);
      expect(later.html).toContain(`…${key!.slice(-4)}`);
      // Regenerated: the old key stops at once.
      const again = await developer.send(
        '/profile',
        `/profile/subscriptions/${mine!.id}/keys/primary`,
      );
      const second = /<code id="new-key"[^>]*>([0-9a-f]{32})<\/code>/.exec(again.html)?.[1];
      expect(second).not.toBe(key);
      expect((await t.api('GET', '/v1/installations', { key: key! })).json().code).toBe(
        'SUBSCRIPTION_KEY_INVALID',
      );
      // Renamed.
      const renamed = await developer.send('/profile', `/profile/subscriptions/${mine!.id}/name`, {
        [`name-${mine!.id}`]: 'Renamed app',
      });
      expect(renamed.html).toContain('Renamed app');
      expect(
        (
          await developer.send('/profile', `/profile/subscriptions/${mine!.id}/name`, {
            [`name-${mine!.id}`]: ' ',
          })
        ).status,
      ).toBe(400);
    });

    it('a pending or another developer’s subscription has no keys to make', async () => {
      const one = await aDeveloper(`dev-${dialect}-one@example.com`);
      const other = await aDeveloper(`dev-${dialect}-other@example.com`);
      await one.send('/products', '/products/energy-management-starter-pack/subscribe', {
        'name-energy-management-starter-pack': 'Pending app',
      });
      const account = (await t.app.platform.identity.findAccountByEmail(
        `dev-${dialect}-one@example.com`,
      ))!;
      const [pending] = await t.app.platform.portal.subscriptionsOf(account);
      expect(
        (await one.send('/profile', `/profile/subscriptions/${pending!.id}/keys/primary`)).status,
      ).toBe(403);
      expect(
        (await other.send('/profile', `/profile/subscriptions/${pending!.id}/keys/primary`)).status,
      ).toBe(404);
      expect(
        (await other.send('/profile', `/profile/subscriptions/${pending!.id}/name`, {})).status,
      ).toBe(404);
      expect(
        (await one.send('/profile', `/profile/subscriptions/${pending!.id}/keys/tertiary`)).status,
      ).toBe(404);
      expect((await one.send('/products', '/products/no-such-product/subscribe', {})).status).toBe(
        400,
      );
      expect(
        (
          await one.send('/products', '/products/no-such-product/subscribe', {
            'name-no-such-product': 'x',
          })
        ).status,
      ).toBe(404);
    });

    it('a rejection is mailed with its reason, and shown on the profile', async () => {
      const email = `dev-${dialect}-rejected@example.com`;
      const developer = await aDeveloper(email);
      await developer.send('/products', '/products/energy-management-starter-pack/subscribe', {
        'name-energy-management-starter-pack': 'Doubtful app',
      });
      const account = (await t.app.platform.identity.findAccountByEmail(email))!;
      const [subscription] = await t.app.platform.portal.subscriptionsOf(account);
      const rejected = await admin.send(
        '/admin/subscriptions',
        `/admin/subscriptions/${subscription!.id}/reject`,
        {
          reason: 'Tell us <more> about the app',
        },
      );
      expect(rejected.status).toBe(200);
      const mail = (await mailsTo(email)).find((m) => m.kind === 'subscriptionRejected');
      expect(mail?.text).toContain('Tell us <more> about the app');
      // The administrator's queue lists it among the decided ones, last decided first.
      const queue = (await admin.get('/admin/subscriptions')).html;
      const decided = queue.slice(queue.indexOf('Decided'));
      expect(decided.indexOf('Doubtful app')).toBeGreaterThan(0);
      expect(decided).toContain('Tell us &lt;more&gt; about the app');
      const profile = await developer.get('/profile');
      expect(profile.html).toContain('Rejected');
      expect(profile.html).toContain('Tell us &lt;more&gt; about the app');
    });
  });

  describe('OAuth clients', () => {
    it('a developer registers a public and a confidential client; the provider knows them; bad URIs are refused', async () => {
      const developer = await aDeveloper(`dev-${dialect}-clients@example.com`);
      const empty = await developer.send('/clients', '/clients', {});
      expect(empty.status).toBe(400);
      expect(empty.html).toContain('Enter your app name.');
      const bad = await developer.send('/clients', '/clients', {
        clientName: 'Bad',
        redirectUris: 'javascript:alert(1)',
      });
      expect(bad.status).toBe(400);
      expect(bad.html).toContain('Enter up to 10 http(s) URLs');
      expect(bad.html).toMatch(/>\s?javascript:alert\(1\)<\/textarea>/);

      const registered = await developer.send('/clients', '/clients', {
        clientName: 'Home app',
        redirectUris: 'com.example.home:/callback\nhttps://app.example.com/callback',
        type: 'public',
      });
      expect(registered.status).toBe(201);
      const clientId = /<code id="new-client-id">([0-9a-f-]{36})<\/code>/.exec(
        registered.html,
      )?.[1];
      expect(clientId).toBeDefined();
      expect(registered.html).not.toContain('new-client-secret');
      // The provider accepts an authorization request of the new client.
      const authorize = new URL(`${base}/oauth2/authorize`);
      authorize.search = new URLSearchParams({
        client_id: clientId!,
        response_type: 'code',
        redirect_uri: 'https://app.example.com/callback',
        scope: 'openid api',
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        code_challenge_method: 'S256',
      }).toString();
      const started = await new Browser().request(authorize.toString());
      expect(started.status).toBe(303);
      expect(started.headers.get('location')).toMatch(/^\/interaction\//);
      // And with the mobile app's private-use scheme (a native client's redirect).
      authorize.searchParams.set('redirect_uri', 'com.example.home:/callback');
      const native = await new Browser().request(authorize.toString());
      expect(native.status).toBe(303);
      expect(native.headers.get('location')).toMatch(/^\/interaction\//);

      const confidential = await developer.send('/clients', '/clients', {
        clientName: 'Home server',
        redirectUris: 'https://server.example.com/callback',
        type: 'confidential',
      });
      const secret = /<code id="new-client-secret">([A-Za-z0-9_-]{43})<\/code>/.exec(
        confidential.html,
      )?.[1];
      expect(secret).toBeDefined();
      const list = await developer.get('/clients');
      expect(list.html).toContain('Home app');
      expect(list.html).toContain('Home server');
      expect(list.html).not.toContain(secret);
    });

    it('a client is deleted by its developer only', async () => {
      const owner = await aDeveloper(`dev-${dialect}-client-owner@example.com`);
      const other = await aDeveloper(`dev-${dialect}-client-other@example.com`);
      const registered = await owner.send('/clients', '/clients', {
        clientName: 'Mine',
        redirectUris: 'https://mine.example.com/callback',
      });
      const clientId = /<code id="new-client-id">([0-9a-f-]{36})<\/code>/.exec(
        registered.html,
      )![1]!;
      expect((await other.get('/clients')).html).not.toContain(clientId);
      expect((await other.send('/clients', `/clients/${clientId}/delete`)).status).toBe(404);
      const deleted = await owner.send('/clients', `/clients/${clientId}/delete`);
      expect(deleted.status).toBe(200);
      expect(deleted.html).not.toContain(clientId);
      expect(await t.app.platform.provider.Client.find(clientId)).toBeUndefined();
      expect((await new Visitor(base).get('/clients')).status).toBe(303);
    });
  });

  describe('administration', () => {
    it('an administrator disables an account: its sessions end; enabled again, it signs in', async () => {
      const email = `dev-${dialect}-disabled@example.com`;
      const developer = await aDeveloper(email);
      const account = (await t.app.platform.identity.findAccountByEmail(email))!;
      const accounts = await admin.get('/admin/accounts');
      expect(accounts.html).toContain(email);
      const disabled = await admin.send(
        '/admin/accounts',
        `/admin/accounts/${account.accountId}/disable`,
      );
      expect(disabled.status).toBe(200);
      expect((await developer.get('/profile')).status).toBe(303);
      expect(
        (await developer.send('/signin', '/signin', { email, password: PASSWORD })).status,
      ).toBe(401);
      await admin.send('/admin/accounts', `/admin/accounts/${account.accountId}/enable`);
      expect(
        (await developer.send('/signin', '/signin', { email, password: PASSWORD })).status,
      ).toBe(303);
      const self = (await t.app.platform.identity.findAccountByEmail('admin@example.com'))!;
      expect(
        (await admin.send('/admin/accounts', `/admin/accounts/${self.accountId}/disable`)).status,
      ).toBe(409);
      expect(
        (await admin.send('/admin/accounts', '/admin/accounts/no-such-id/disable')).status,
      ).toBe(404);
      expect((await developer.get('/admin/accounts')).status).toBe(403);
      expect((await new Visitor(base).get('/admin')).status).toBe(303);
    });
  });

  describe('mailbox', () => {
    it('a developer reads their own mails only; an administrator every mail; nobody signed out', async () => {
      const email = `dev-${dialect}-mailbox@example.com`;
      const developer = await aDeveloper(email);
      const own = await developer.get('/mailbox');
      expect(own.status).toBe(200);
      expect(own.html).toContain(email);
      expect(own.html).not.toContain('admin@example.com');
      const other = `dev-${dialect}-mailbox-other@example.com`;
      await aDeveloper(other);
      const [mine] = await mailsTo(email);
      const [theirs] = await mailsTo(other);
      expect((await developer.get(`/mailbox/${mine!.id}`)).html).toContain('<pre class="mail">');
      expect((await developer.get(`/mailbox/${theirs!.id}`)).status).toBe(404);
      expect((await developer.get('/mailbox/no-such-mail')).status).toBe(404);
      const html = await developer.get(`/mailbox/${mine!.id}/html`);
      expect(html.response.headers.get('content-security-policy')).toMatch(/^sandbox/);
      expect((await admin.get(`/mailbox/${theirs!.id}`)).status).toBe(200);
      expect((await admin.get('/mailbox')).html).toContain(email);
      expect((await new Visitor(base).get('/mailbox')).status).toBe(303);
    });
  });
});

describeEachDialect('sign-in failures', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(dialect, {}, { listen: true });
  });
  afterAll(async () => {
    await t.close();
  });

  it('past a few failures from one address, each try waits (429 with Retry-After)', async () => {
    const visitor = new Visitor(t.config.publicUrl);
    const statuses: number[] = [];
    for (let n = 0; n < 8; n++) {
      const tried = await visitor.send('/signin', '/signin', {
        email: `nobody-${n}@example.com`,
        password: 'not the password',
      });
      statuses.push(tried.status);
      if (tried.status === 429) {
        expect(Number(tried.response.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(tried.html).toContain('Too many failed attempts');
      }
    }
    expect(statuses[0]).toBe(401);
    expect(statuses.at(-1)).toBe(429);
  });
});

describeEachDialect('the open development mailbox', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(dialect, { WITTY_PORTAL_OPEN_MAILBOX: 'true' }, { listen: true });
  });
  afterAll(async () => {
    await t.close();
  });

  it('shows every mail to anyone, and says it is for development', async () => {
    const visitor = new Visitor(t.config.publicUrl);
    await visitor.send('/signup', '/signup', {
      firstName: 'Open',
      lastName: 'Box',
      email: 'open@example.com',
      password: PASSWORD,
    });
    const box = await new Visitor(t.config.publicUrl).get('/mailbox');
    expect(box.status).toBe(200);
    expect(box.html).toContain('open@example.com');
    expect(box.html).toContain('WITTY_PORTAL_OPEN_MAILBOX');
  });
});
