import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { registerClient } from '../../src/identity/index.js';
import { anInstallation } from '../helpers/builders.js';
import { Browser } from '../helpers/http.js';
import { createTestApp, describeEachDialect, type TestApp } from '../helpers/test-app.js';

describeEachDialect('rate limits', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp(
      dialect,
      {
        WITTY_ANONYMOUS_RATE_LIMIT_MAX: '3',
        WITTY_ASSOCIATION_RATE_LIMIT_MAX: '3',
        WITTY_SIGN_IN_FREE_FAILURES: '3',
      },
      { listen: true },
    );
  });
  afterAll(() => t.close());

  it('unauthenticated /v1 calls are limited per address', async () => {
    for (let i = 0; i < 3; i++) {
      expect((await t.api('GET', '/v1/installations', { key: 'wrong-key' })).statusCode).toBe(401);
    }
    const limited = await t.api('GET', '/v1/installations', { key: 'wrong-key' });
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ code: 'RATE_LIMITED' });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    t.clock.advance(61_000);
    expect((await t.api('GET', '/v1/installations', { key: 'wrong-key' })).statusCode).toBe(401);
  });

  it('association attempts are limited per account (no walking the device registry)', async () => {
    const alice = await t.user('owner');
    const bob = await t.user('owner');
    const installationId = await anInstallation(t, alice.token);
    const attempt = (token: string, id = installationId) =>
      t.api('POST', `/v1/installations/${id}/charging-stations`, {
        token,
        body: {
          uid: `Guess${randomBytes(4).toString('hex')}`,
          timezone: 'Romance Standard Time',
          country: 'fr-fr',
        },
      });
    for (let i = 0; i < 3; i++) expect((await attempt(alice.token)).statusCode).toBe(404);
    const limited = await attempt(alice.token);
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ code: 'ASSOCIATION_RATE_LIMITED' });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Another account is not affected.
    expect((await attempt(bob.token, await anInstallation(t, bob.token))).statusCode).toBe(404);
  });

  it('failed sign-ins make further tries wait (429 with Retry-After); NUL is refused', async () => {
    await t.app.platform.identity.createAccount({
      email: 'dave@example.com',
      password: 'correct horse',
      role: 'owner',
    });
    await registerClient(t.app.platform.identityStore, t.clock, {
      clientId: 'throttle-app',
      name: 'Throttle app',
      redirectUris: ['http://127.0.0.1:9/callback'],
    });
    const base = t.wsUrl.replace('ws:', 'http:');
    const browser = new Browser();
    const url = new URL(`${base}/oauth2/authorize`);
    url.search = new URLSearchParams({
      client_id: 'throttle-app',
      response_type: 'code',
      redirect_uri: 'http://127.0.0.1:9/callback',
      scope: 'openid api',
      code_challenge: createHash('sha256').update('v'.repeat(43)).digest('base64url'),
      code_challenge_method: 'S256',
    }).toString();
    const start = await browser.request(url.toString());
    const login = `${new URL(start.headers.get('location')!, base)}/login`;
    const tryPassword = (password: string, email = 'dave@example.com') =>
      browser.submit(login, { email, password });

    expect((await tryPassword('x', 'dave\u0000@example.com')).status).toBe(400);
    for (let i = 0; i < 4; i++) expect((await tryPassword(`wrong ${i}`)).status).toBe(401);
    const throttled = await tryPassword('correct horse');
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await throttled.text()).toContain('Too many failed attempts');
    t.clock.advance(2_000);
    expect((await tryPassword('correct horse')).status).toBe(303);
  });
});
