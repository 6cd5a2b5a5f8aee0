import { createHash, randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { registerClient } from '../../src/identity/index.js';
import { Browser, freePort } from '../helpers/http.js';
import { describeEachDialect, freshDatabase } from '../helpers/test-app.js';

const REDIRECT_URI = 'http://127.0.0.1:9/callback';
const CLIENT_ID = 'partner-app';

interface TokenResponse {
  access_token: string;
  refresh_token: string;
  token_type: string;
  expires_in: number;
  scope: string;
}

function pkcePair() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

describeEachDialect('OAuth 2.0 authorization code + PKCE over HTTP', (dialect) => {
  let app: FastifyInstance;
  let config: Config;
  let base: string;
  let apiKey: string;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const port = await freePort();
    const database = await freshDatabase(dialect);
    drop = database.drop;
    config = loadConfig({ ...database.env, PORT: String(port), WITTY_LOG_LEVEL: 'silent' });
    base = config.publicUrl;
    app = await buildApp(config);
    await app.listen({ port, host: '127.0.0.1' });
    const { identity, identityStore, clock } = app.platform;
    await identity.createAccount({
      email: 'alice@example.com',
      password: 'correct horse',
      role: 'owner',
    });
    await registerClient(identityStore, clock, {
      clientId: CLIENT_ID,
      name: 'Partner energy app',
      redirectUris: [REDIRECT_URI],
    });
    apiKey = (await identity.issueStarterPackKeys('partner@example.com')).primaryKey;
  });
  afterAll(async () => {
    await app.close();
    await drop();
  });

  const token = (fields: Record<string, string>) =>
    fetch(`${base}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: CLIENT_ID, ...fields }).toString(),
    });

  const callApi = (accessToken: string) =>
    fetch(`${base}/v1/installations`, {
      headers: { 'ocp-apim-subscription-key': apiKey, authorization: `Bearer ${accessToken}` },
    });

  /** Drives the browser from the authorization request to the code at the redirect URI. */
  async function authorize(browser: Browser, challenge: string, password = 'correct horse') {
    const state = randomBytes(8).toString('hex');
    const authorizeUrl = new URL(`${base}/oauth2/authorize`);
    authorizeUrl.search = new URLSearchParams({
      client_id: CLIENT_ID,
      response_type: 'code',
      redirect_uri: REDIRECT_URI,
      scope: 'openid offline_access api',
      state,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      prompt: 'consent',
    }).toString();

    const start = await browser.request(authorizeUrl.toString());
    expect(start.status).toBe(303);
    const interaction = new URL(start.headers.get('location')!, base);
    expect(interaction.pathname).toMatch(/^\/interaction\//);

    const loginPage = await browser.request(interaction.toString());
    expect(loginPage.status).toBe(200);
    expect(await loginPage.text()).toContain('Sign in to Witty-Home');

    const login = await browser.submit(`${interaction}/login`, {
      email: 'alice@example.com',
      password,
    });
    if (login.status !== 303) return { login };
    const resumed = await browser.request(new URL(login.headers.get('location')!, base).toString());
    expect(resumed.status).toBe(303);
    const consentUrl = new URL(resumed.headers.get('location')!, base);
    const consentPage = await browser.request(consentUrl.toString());
    expect(await consentPage.text()).toContain('Authorize Partner energy app');

    const consent = await browser.submit(`${consentUrl}/consent`, {});
    expect(consent.status).toBe(303);
    const final = await browser.request(new URL(consent.headers.get('location')!, base).toString());
    expect(final.status).toBe(303);
    const callback = new URL(final.headers.get('location')!);
    expect(`${callback.origin}${callback.pathname}`).toBe(REDIRECT_URI);
    expect(callback.searchParams.get('state')).toBe(state);
    return { login, code: callback.searchParams.get('code')! };
  }

  it('discovery names the endpoints under PUBLIC_URL, with S256 only', async () => {
    const response = await fetch(`${base}/.well-known/openid-configuration`);
    const discovery = await response.json();
    expect(discovery).toMatchObject({
      issuer: base,
      authorization_endpoint: `${base}/oauth2/authorize`,
      token_endpoint: `${base}/oauth2/token`,
      jwks_uri: `${base}/oauth2/jwks`,
      code_challenge_methods_supported: ['S256'],
    });
  });

  describe('a full flow', () => {
    let refreshToken: string;

    it('ends in an access token that the API accepts', async () => {
      const browser = new Browser();
      const { verifier, challenge } = pkcePair();
      const { code } = await authorize(browser, challenge);

      const response = await token({
        grant_type: 'authorization_code',
        code: code!,
        redirect_uri: REDIRECT_URI,
        code_verifier: verifier,
      });
      expect(response.status).toBe(200);
      const tokens = (await response.json()) as TokenResponse;
      expect(tokens).toMatchObject({
        token_type: 'Bearer',
        expires_in: 3600,
        scope: expect.stringContaining('api'),
      });
      expect(tokens.refresh_token).toEqual(expect.any(String));
      const claims = decodeJwt(tokens.access_token);
      expect(claims).toMatchObject({ iss: base, aud: `${base}/v1`, client_id: CLIENT_ID });

      const api = await callApi(tokens.access_token);
      expect(api.status).toBe(200);
      expect(await api.json()).toEqual([]);
      refreshToken = tokens.refresh_token;
    });

    it('rotates the refresh token: the new one works, the old one no longer does', async () => {
      const first = await token({ grant_type: 'refresh_token', refresh_token: refreshToken });
      expect(first.status).toBe(200);
      const rotated = (await first.json()) as TokenResponse;
      expect(rotated.refresh_token).toEqual(expect.any(String));
      expect(rotated.refresh_token).not.toBe(refreshToken);
      expect((await callApi(rotated.access_token)).status).toBe(200);

      const replay = await token({ grant_type: 'refresh_token', refresh_token: refreshToken });
      expect(replay.status).toBe(400);
      expect(((await replay.json()) as { error: string }).error).toBe('invalid_grant');

      // Reusing a rotated token revokes the whole grant (RFC 9700 §4.14.2).
      const afterReplay = await token({
        grant_type: 'refresh_token',
        refresh_token: rotated.refresh_token,
      });
      expect(afterReplay.status).toBe(400);
      // And the access tokens of that grant, though their signature still holds.
      const api = await callApi(rotated.access_token);
      expect(api.status).toBe(401);
      expect(await api.json()).toMatchObject({ code: 'ACCESS_TOKEN_INVALID' });
    });
  });

  it('revoking the refresh token (RFC 7009) ends the access tokens of its grant', async () => {
    const { verifier, challenge } = pkcePair();
    const { code } = await authorize(new Browser(), challenge);
    const tokens = (await (
      await token({
        grant_type: 'authorization_code',
        code: code!,
        redirect_uri: REDIRECT_URI,
        code_verifier: verifier,
      })
    ).json()) as TokenResponse;
    expect(decodeJwt(tokens.access_token).gid).toEqual(expect.any(String));
    expect((await callApi(tokens.access_token)).status).toBe(200);
    const revoked = await fetch(`${base}/oauth2/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: CLIENT_ID, token: tokens.refresh_token }).toString(),
    });
    expect(revoked.status).toBe(200);
    const api = await callApi(tokens.access_token);
    expect(api.status).toBe(401);
    expect(await api.json()).toMatchObject({
      code: 'ACCESS_TOKEN_INVALID',
      detail: 'The access token was revoked.',
    });
  });

  it('refuses a code exchanged with the wrong PKCE verifier', async () => {
    const { challenge } = pkcePair();
    const { code } = await authorize(new Browser(), challenge);
    const response = await token({
      grant_type: 'authorization_code',
      code: code!,
      redirect_uri: REDIRECT_URI,
      code_verifier: pkcePair().verifier,
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toBe('invalid_grant');
  });

  it('refuses an authorization request without PKCE', async () => {
    const url = new URL(`${base}/oauth2/authorize`);
    url.search = new URLSearchParams({
      client_id: CLIENT_ID,
      response_type: 'code',
      redirect_uri: REDIRECT_URI,
      scope: 'openid api',
    }).toString();
    const response = await new Browser().request(url.toString());
    expect(response.status).toBe(303);
    const redirect = new URL(response.headers.get('location')!);
    expect(redirect.searchParams.get('error')).toBe('invalid_request');
  });

  it('shows the login page again on a wrong password', async () => {
    const { login } = await authorize(new Browser(), pkcePair().challenge, 'wrong password');
    expect(login.status).toBe(401);
    expect(await login.text()).toContain('Wrong e-mail or password.');
  });
});
