import { createHash, randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { oauthSecretsHashed } from '../../src/db/migrations/0006-oauth-secrets-hashed.js';
import { registerClient } from '../../src/identity/index.js';
import { oidcAdapterFactory } from '../../src/identity/oidc-store.js';
import { Browser, freePort } from '../helpers/http.js';
import { describeEachDialect, freshDatabase } from '../helpers/test-app.js';

const REDIRECT_URI = 'http://127.0.0.1:9/callback';
const CLIENT_ID = 'confidential-app';
const CLIENT_SECRET = `client-secret-${randomBytes(12).toString('hex')}`;

/** Every text of every table of the database, as one string. */
async function databaseDump(app: FastifyInstance): Promise<string> {
  const { db } = app.platform.store;
  const tables = await db.introspection.getTables();
  const dumps: string[] = [];
  for (const table of tables) {
    const rows = await sql`select * from ${sql.table(table.name)}`.execute(db);
    dumps.push(JSON.stringify(rows.rows));
  }
  return dumps.join('\n');
}

describeEachDialect('OAuth secrets at rest', (dialect) => {
  let app: FastifyInstance;
  let config: Config;
  let base: string;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const port = await freePort();
    const database = await freshDatabase(dialect);
    drop = database.drop;
    config = loadConfig({ ...database.env, PORT: String(port), WITTY_LOG_LEVEL: 'silent' });
    base = config.publicUrl;
    app = await buildApp(config);
    await app.listen({ port, host: '127.0.0.1' });
    await app.platform.identity.createAccount({
      email: 'carol@example.com',
      password: 'correct horse',
      role: 'owner',
    });
    const registered = await registerClient(app.platform.identityStore, app.platform.clock, {
      clientId: CLIENT_ID,
      name: 'Confidential app',
      redirectUris: [REDIRECT_URI],
      secret: CLIENT_SECRET,
    });
    // The operator is shown the secret given; only its hash is stored (checked below).
    expect(registered.client_secret).toBe(CLIENT_SECRET);
  });
  afterAll(async () => {
    await app.close();
    await drop();
  });

  const basic = (secret: string) =>
    `Basic ${Buffer.from(`${CLIENT_ID}:${secret}`).toString('base64')}`;
  const token = (fields: Record<string, string>, secret = CLIENT_SECRET) =>
    fetch(`${base}/oauth2/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: basic(secret),
      },
      body: new URLSearchParams(fields).toString(),
    });

  it('stores no token, code, session id or client secret in clear; the flow still works', async () => {
    const browser = new Browser();
    const verifier = randomBytes(32).toString('base64url');
    const authorizeUrl = new URL(`${base}/oauth2/authorize`);
    authorizeUrl.search = new URLSearchParams({
      client_id: CLIENT_ID,
      response_type: 'code',
      redirect_uri: REDIRECT_URI,
      scope: 'openid offline_access api',
      state: 'xyz',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      prompt: 'consent',
    }).toString();
    const follow = async (response: Response) => {
      expect(response.status).toBe(303);
      return new URL(response.headers.get('location')!, base);
    };
    const interaction = await follow(await browser.request(authorizeUrl.toString()));
    const login = await browser.submit(`${interaction}/login`, {
      email: 'carol@example.com',
      password: 'correct horse',
    });
    const consentUrl = await follow(await browser.request((await follow(login)).toString()));
    const consent = await browser.submit(`${consentUrl}/consent`, {});
    const callback = await follow(await browser.request((await follow(consent)).toString()));
    const code = callback.searchParams.get('code')!;
    const sessionId = browser.cookie('_session');
    expect(sessionId).toEqual(expect.any(String));

    const exchanged = await token({
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT_URI,
      code_verifier: verifier,
    });
    expect(exchanged.status).toBe(200);
    const first = (await exchanged.json()) as { refresh_token: string };

    // The client secret is checked against its hash.
    const wrongSecret = await token(
      { grant_type: 'refresh_token', refresh_token: first.refresh_token },
      'not-the-secret',
    );
    expect(wrongSecret.status).toBe(401);

    const refreshed = await token({
      grant_type: 'refresh_token',
      refresh_token: first.refresh_token,
    });
    expect(refreshed.status).toBe(200);
    const second = (await refreshed.json()) as { refresh_token: string; access_token: string };
    expect(second.refresh_token).not.toBe(first.refresh_token);

    const dump = await databaseDump(app);
    expect(dump).toContain(CLIENT_ID); // the dump does read the tables
    for (const [what, secret] of [
      ['authorization code', code],
      ['first refresh token', first.refresh_token],
      ['second refresh token', second.refresh_token],
      ['session id', sessionId!],
      ['client secret', CLIENT_SECRET],
    ] as const) {
      expect(dump.includes(secret), `${what} stored in clear`).toBe(false);
    }

    // Refresh still works with the stored hash, and the session still signs the user in.
    const again = await token({ grant_type: 'refresh_token', refresh_token: second.refresh_token });
    expect(again.status).toBe(200);
    const silent = await browser.request(
      authorizeUrl.toString().replace('prompt=consent', 'prompt=none'),
    );
    expect(silent.status).toBe(303);
    expect(new URL(silent.headers.get('location')!).searchParams.get('code')).toEqual(
      expect.any(String),
    );
  });
});

describeEachDialect('migration 0006: OAuth secrets stored before it', (dialect) => {
  let app: FastifyInstance;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const database = await freshDatabase(dialect);
    drop = database.drop;
    app = await buildApp(loadConfig({ ...database.env, WITTY_LOG_LEVEL: 'silent' }));
  });
  afterAll(async () => {
    await app.close();
    await drop();
  });

  it('re-keys provider rows by hash and hashes client secrets; both still verify', async () => {
    const { db } = app.platform.store;
    const refreshToken = `legacy-refresh-${randomBytes(16).toString('hex')}`;
    const sessionId = `legacy-session-${randomBytes(16).toString('hex')}`;
    const secret = `legacy-secret-${randomBytes(16).toString('hex')}`;
    const expiresAt = new Date(Date.now() + 3600_000).toISOString();
    await db
      .insertInto('oidc_payloads')
      .values([
        {
          model: 'RefreshToken',
          id: refreshToken,
          payload: JSON.stringify({ jti: refreshToken, kind: 'RefreshToken', grantId: 'g1' }),
          grant_id: 'g1',
          user_code: null,
          uid: null,
          expires_at: expiresAt,
          consumed_at: null,
        },
        {
          model: 'Interaction',
          id: 'legacy-interaction',
          payload: JSON.stringify({ jti: 'legacy-interaction', session: { cookie: sessionId } }),
          grant_id: null,
          user_code: null,
          uid: null,
          expires_at: expiresAt,
          consumed_at: null,
        },
      ])
      .execute();
    await db
      .insertInto('oauth_clients')
      .values({
        client_id: 'legacy-client',
        name: 'Legacy',
        metadata: JSON.stringify({
          client_id: 'legacy-client',
          client_secret: secret,
          redirect_uris: [REDIRECT_URI],
          token_endpoint_auth_method: 'client_secret_basic',
        }),
        created_at: expiresAt,
      })
      .execute();

    await oauthSecretsHashed().up(db as never);

    const dump = await databaseDump(app);
    for (const value of [refreshToken, sessionId, secret]) expect(dump).not.toContain(value);
    const Adapter = oidcAdapterFactory(db, app.platform.clock);
    expect(await new Adapter('RefreshToken').find(refreshToken)).toMatchObject({
      jti: refreshToken,
      grantId: 'g1',
    });
    const client = await app.platform.provider.Client.find('legacy-client');
    expect(client?.compareClientSecret(secret)).toBe(true);
    expect(client?.compareClientSecret('wrong')).toBe(false);
  });
});
