import type { FastifyInstance, FastifyRequest } from 'fastify';
import { createLocalJWKSet, errors as joseErrors, jwtVerify } from 'jose';
import type { JWK } from 'oidc-provider';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import { ApiError } from '../errors.js';
import type { AttemptLimiter } from '../http/attempt-limiter.js';
import type { CallerCache } from './caller-cache.js';
import type { VerifiedToken } from './caller-cache.js';
import { API_SCOPE, GRANT_CLAIM, publicJwks } from './oidc.js';
import type { Account, IdentityService, SubscriptionCaller } from './service.js';

/** Who is calling the API: the partner's subscription and the end user's account. */
export interface Caller {
  subscription: SubscriptionCaller;
  account: Account;
}

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller | null;
  }
}

const KEY_HEADER = 'ocp-apim-subscription-key';
const KEY_QUERY = 'subscription-key';
const REALM = 'Bearer realm="witty-home"';

/** The authenticated caller of a /v1 request (set by the authentication hook). */
export function callerOf(request: FastifyRequest): Caller {
  if (!request.caller) throw new Error('route registered outside the authenticated scope');
  return request.caller;
}

function tokenError(detail: string): ApiError {
  return new ApiError('ACCESS_TOKEN_INVALID', detail, {
    headers: {
      'www-authenticate': `${REALM}, error="invalid_token", error_description="${detail.replaceAll('"', "'")}"`,
    },
  });
}

/**
 * Adds to a scope the check every /v1 call goes through, as on Hager's gateway: a subscription
 * key of an approved subscription, then the end user's OAuth 2.0 access token (JWT, RS256,
 * issued by the platform's provider for the API audience).
 */
export function registerApiAuthentication(
  scope: FastifyInstance,
  deps: {
    config: Config;
    identity: IdentityService;
    clock: Clock;
    signingKeys: JWK[];
    /** Counts refused (401) calls per client address. */
    anonymous: AttemptLimiter;
    /** What was already checked: keys, tokens, accounts, grants. */
    cache: CallerCache;
    /** Whether a grant of the OpenID provider still stands (not revoked, not expired). */
    grantStands: (grantId: string) => Promise<boolean>;
  },
): void {
  const keySet = createLocalJWKSet(publicJwks(deps.signingKeys));
  const verifyOptions = {
    issuer: deps.config.publicUrl,
    audience: deps.config.oauth.apiAudience,
    typ: 'at+jwt',
    algorithms: ['RS256', 'PS256', 'ES256'],
  };

  // Calls refused for want of a valid key or token are limited per address: the subscription
  // rate limit cannot count them, and they would otherwise be free to guess keys.
  scope.addHook('onRequest', async (request) => {
    const wait = deps.anonymous.retryAfter(request.ip);
    if (wait > 0) {
      throw new ApiError(
        'RATE_LIMITED',
        `Too many unauthenticated calls from this address; retry in ${wait} s.`,
        { headers: { 'retry-after': String(wait) } },
      );
    }
    try {
      await authenticate(request);
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) deps.anonymous.hit(request.ip);
      throw error;
    }
  });

  async function authenticate(request: FastifyRequest): Promise<void> {
    const query = request.query as Record<string, unknown>;
    const headerKey = request.headers[KEY_HEADER];
    const key = typeof headerKey === 'string' ? headerKey : query[KEY_QUERY];
    // The key is not a parameter of any route: keep it out of validation and logs.
    delete query[KEY_QUERY];
    if (typeof key !== 'string' || key === '') {
      throw new ApiError(
        'SUBSCRIPTION_KEY_MISSING',
        'Access denied due to missing subscription key. Include the Ocp-Apim-Subscription-Key header (or the subscription-key query parameter).',
      );
    }
    const { cache } = deps;
    const subscription = await cache.subscription(key, () =>
      deps.identity.resolveSubscriptionKey(key),
    );

    const authorization = request.headers.authorization;
    const match = authorization ? /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i.exec(authorization) : null;
    if (!match?.[1]) {
      throw new ApiError(
        'ACCESS_TOKEN_MISSING',
        'Send the end user\'s access token as "Authorization: Bearer <token>".',
        { headers: { 'www-authenticate': REALM } },
      );
    }
    const token = await verified(match[1]);
    const { grantId } = token;
    if (grantId !== null && !(await cache.grantStands(grantId, () => deps.grantStands(grantId)))) {
      throw tokenError('The access token was revoked.');
    }
    const account = await cache.account(token.accountId, () =>
      deps.identity.findAccount(token.accountId),
    );
    if (!account) throw tokenError('The account of this access token no longer exists.');
    if (!account.enabled) throw new ApiError('ACCOUNT_DISABLED', 'This account is disabled.');
    request.caller = { subscription, account };
  }

  /** The claims of an access token: verified once (RS256), then remembered until it expires. */
  async function verified(token: string): Promise<VerifiedToken> {
    const now = deps.clock.now();
    const known = deps.cache.token(token, now.getTime());
    if (known) return known;
    let claims;
    try {
      ({ payload: claims } = await jwtVerify(token, keySet, {
        ...verifyOptions,
        currentDate: now,
      }));
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) throw tokenError('The access token has expired.');
      throw tokenError('The access token is not valid for this API.');
    }
    const scopes = typeof claims.scope === 'string' ? claims.scope.split(' ') : [];
    if (!scopes.includes(API_SCOPE) || typeof claims.sub !== 'string') {
      throw tokenError(`The access token does not grant the "${API_SCOPE}" scope.`);
    }
    const result: VerifiedToken = {
      accountId: claims.sub,
      grantId: typeof claims[GRANT_CLAIM] === 'string' ? claims[GRANT_CLAIM] : null,
      // The provider always sets exp; a token without one lives as long as the provider's.
      expiresAt:
        typeof claims.exp === 'number'
          ? claims.exp * 1000
          : now.getTime() + deps.config.oauth.accessTokenTtlSeconds * 1000,
    };
    deps.cache.rememberToken(token, result, now.getTime());
    return result;
  }
}
