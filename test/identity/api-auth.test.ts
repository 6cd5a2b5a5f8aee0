import {
  generateKeyPair,
  importJWK,
  SignJWT,
  decodeJwt,
  decodeProtectedHeader,
  type JWK,
} from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, describeEachDialect, type TestApp } from '../helpers/test-app.js';

describeEachDialect('API authentication', (dialect) => {
  let t: TestApp;
  let token: string;

  beforeAll(async () => {
    t = await createTestApp(dialect);
    ({ token } = await t.user('owner'));
  });
  afterAll(() => t.close());

  const expectProblem = (
    response: Awaited<ReturnType<TestApp['api']>>,
    status: number,
    code: string,
  ) => {
    expect(response.statusCode).toBe(status);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.json()).toMatchObject({ status, code, type: `urn:witty-home:problem:${code}` });
  };

  it('accepts the key in the header and the token', async () => {
    const response = await t.api('GET', '/v1/installations', { token });
    expect(response.statusCode).toBe(200);
  });

  it('accepts the key as ?subscription-key=', async () => {
    const response = await t.api('GET', `/v1/installations?subscription-key=${t.apiKey}`, {
      token,
      key: null,
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual([]);
  });

  describe('subscription key', () => {
    it('401 SUBSCRIPTION_KEY_MISSING without a key', async () => {
      expectProblem(
        await t.api('GET', '/v1/installations', { token, key: null }),
        401,
        'SUBSCRIPTION_KEY_MISSING',
      );
    });

    it('401 SUBSCRIPTION_KEY_INVALID for an unknown key', async () => {
      expectProblem(
        await t.api('GET', '/v1/installations', { token, key: '0123456789abcdef0123456789abcdef' }),
        401,
        'SUBSCRIPTION_KEY_INVALID',
      );
    });

    it('401 for a revoked key, while the other slot keeps working', async () => {
      const { identity } = t.app.platform;
      const keys = await identity.issueStarterPackKeys('revocation@example.com');
      const newPrimary = await identity.regenerateKey(keys.subscriptionId, 'primary');
      expectProblem(
        await t.api('GET', '/v1/installations', { token, key: keys.primaryKey }),
        401,
        'SUBSCRIPTION_KEY_INVALID',
      );
      expect((await t.api('GET', '/v1/installations', { token, key: newPrimary })).statusCode).toBe(
        200,
      );
      expect(
        (await t.api('GET', '/v1/installations', { token, key: keys.secondaryKey })).statusCode,
      ).toBe(200);
      await identity.revokeKey(keys.subscriptionId, 'secondary');
      expectProblem(
        await t.api('GET', '/v1/installations', { token, key: keys.secondaryKey }),
        401,
        'SUBSCRIPTION_KEY_INVALID',
      );
    });

    it.each(['pending', 'rejected', 'suspended'] as const)(
      '403 SUBSCRIPTION_NOT_ACTIVE for a %s subscription',
      async (state) => {
        const { identity } = t.app.platform;
        const developer = await identity.createAccount({
          email: `dev-${state}@example.com`,
          password: 'a long password',
          role: 'developer',
        });
        const subscription = await identity.subscribe(
          developer.accountId,
          'energy-management-starter-pack',
          'My app',
        );
        if (state !== 'pending') await identity.setSubscriptionState(subscription.id, state);
        const key = await identity.regenerateKey(subscription.id, 'primary');
        const response = await t.api('GET', '/v1/installations', { token, key });
        expectProblem(response, 403, 'SUBSCRIPTION_NOT_ACTIVE');
        expect(response.json().detail).toContain(state);
      },
    );

    it('checks the key before the token', async () => {
      expectProblem(
        await t.api('GET', '/v1/installations', { key: null }),
        401,
        'SUBSCRIPTION_KEY_MISSING',
      );
    });
  });

  describe('access token', () => {
    it('401 ACCESS_TOKEN_MISSING with WWW-Authenticate when there is none', async () => {
      const response = await t.api('GET', '/v1/installations');
      expectProblem(response, 401, 'ACCESS_TOKEN_MISSING');
      expect(response.headers['www-authenticate']).toBe('Bearer realm="witty-home"');
    });

    it('401 ACCESS_TOKEN_MISSING for another scheme', async () => {
      const response = await t.api('GET', '/v1/installations', {
        headers: { authorization: 'Basic YWxpY2U6c2VjcmV0' },
      });
      expectProblem(response, 401, 'ACCESS_TOKEN_MISSING');
    });

    it('401 ACCESS_TOKEN_INVALID for garbage', async () => {
      const response = await t.api('GET', '/v1/installations', { token: 'not.a.jwt' });
      expectProblem(response, 401, 'ACCESS_TOKEN_INVALID');
      expect(response.headers['www-authenticate']).toContain('error="invalid_token"');
    });

    it('401 ACCESS_TOKEN_INVALID once the token has expired', async () => {
      const scoped = await createTestApp(dialect);
      try {
        const { token: shortLived } = await scoped.user('owner');
        expect(
          (await scoped.api('GET', '/v1/installations', { token: shortLived })).statusCode,
        ).toBe(200);
        scoped.clock.advance(3601 * 1000);
        const response = await scoped.api('GET', '/v1/installations', { token: shortLived });
        expectProblem(response, 401, 'ACCESS_TOKEN_INVALID');
        expect(response.json().detail).toMatch(/expired/);
        expect(response.headers['www-authenticate']).toMatch(/error="invalid_token".*expired/);
      } finally {
        await scoped.close();
      }
    });

    it('401 for a token with the same claims signed by another key', async () => {
      const header = decodeProtectedHeader(token);
      const claims = decodeJwt(token);
      const { privateKey } = await generateKeyPair('RS256');
      const forged = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: header.kid! })
        .sign(privateKey);
      expectProblem(
        await t.api('GET', '/v1/installations', { token: forged }),
        401,
        'ACCESS_TOKEN_INVALID',
      );
    });

    describe('tokens signed by the platform key but not for this API', () => {
      const sign = async (claims: Record<string, unknown>, typ = 'at+jwt') => {
        const jwk = t.app.platform.signingKeys[0] as JWK;
        const key = await importJWK(jwk, 'RS256');
        const base = decodeJwt(token);
        return new SignJWT({ ...base, ...claims })
          .setProtectedHeader({ alg: 'RS256', typ, kid: jwk.kid! })
          .sign(key);
      };

      it.each([
        ['another audience', { aud: 'https://elsewhere.example/v1' }, 'at+jwt'],
        ['another issuer', { iss: 'https://elsewhere.example' }, 'at+jwt'],
        ['no api scope', { scope: 'openid' }, 'at+jwt'],
        ['an ID token type', {}, 'JWT'],
        ['an unknown subject', { sub: '00000000-0000-4000-8000-000000000000' }, 'at+jwt'],
      ])('401 for %s', async (_case, claims, typ) => {
        expectProblem(
          await t.api('GET', '/v1/installations', { token: await sign(claims, typ) }),
          401,
          'ACCESS_TOKEN_INVALID',
        );
      });

      it('accepts a well-formed one (the checks above are not vacuous)', async () => {
        expect(
          (await t.api('GET', '/v1/installations', { token: await sign({}) })).statusCode,
        ).toBe(200);
      });
    });
  });

  it('unknown /v1 routes are a 404 problem', async () => {
    expectProblem(await t.api('GET', '/v1/nothing-here', { token }), 404, 'NOT_FOUND');
  });
});

describeEachDialect('rate limit per subscription', (dialect) => {
  let t: TestApp;
  let token: string;
  beforeAll(async () => {
    t = await createTestApp(dialect, {
      WITTY_RATE_LIMIT_MAX: '3',
      WITTY_RATE_LIMIT_WINDOW_SECONDS: '60',
    });
    ({ token } = await t.user('owner'));
  });
  afterAll(() => t.close());

  it('answers 429 with Retry-After past the limit, for that subscription only', async () => {
    for (let i = 0; i < 3; i++) {
      const ok = await t.api('GET', '/v1/installations', { token });
      expect(ok.statusCode).toBe(200);
      expect(ok.headers['x-ratelimit-remaining']).toBe(String(2 - i));
    }
    const limited = await t.api('GET', '/v1/installations', { token });
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ code: 'RATE_LIMITED', status: 429 });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);

    const other = await t.app.platform.identity.issueStarterPackKeys('other-partner@example.com');
    expect(
      (await t.api('GET', '/v1/installations', { token, key: other.primaryKey })).statusCode,
    ).toBe(200);
  });
});
