import { generateKeyPairSync, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { JSONWebKeySet } from 'jose';
import Provider, {
  errors,
  type ClientMetadata,
  type JWK,
  type ResourceServer,
} from 'oidc-provider';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Database } from '../db/schema.js';
import { hashAtRest, oidcAdapterFactory } from './oidc-store.js';
import type { IdentityService } from './service.js';
import type { IdentityStore } from './store.js';

/** Scope that grants access to the partner API (the resource server). */
export const API_SCOPE = 'api';
/**
 * Claim of an access token naming the grant it was issued under: a token of a grant that was
 * revoked (sign-out, a revoked or replayed refresh token) is refused, though its signature holds.
 */
export const GRANT_CLAIM = 'gid';
/** Client used by operator tools (`witty token`); its redirect URI is never used. */
export const OPERATOR_CLIENT_ID = 'witty-operator';

/** Paths of the provider's endpoints, under the issuer (PUBLIC_URL). */
export const OIDC_ROUTES = {
  authorization: '/oauth2/authorize',
  token: '/oauth2/token',
  jwks: '/oauth2/jwks',
  userinfo: '/oauth2/userinfo',
  revocation: '/oauth2/revoke',
  introspection: '/oauth2/introspect',
  end_session: '/oauth2/logout',
} as const;

/** Signing keys of the provider, loaded from the store (created on first start). */
export async function loadSigningKeys(store: IdentityStore, clock: Clock): Promise<JWK[]> {
  let rows = await store.listSigningKeys();
  if (rows.length === 0) {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = {
      ...privateKey.export({ format: 'jwk' }),
      kid: randomUUID(),
      alg: 'RS256',
      use: 'sig',
    };
    await store.insertSigningKeyIfNone(jwk.kid, JSON.stringify(jwk), clock.now().toISOString());
    rows = await store.listSigningKeys();
  }
  // Newest first: the provider signs with the first key that fits and verifies with all.
  return rows.map((row) => JSON.parse(row.private_jwk) as JWK);
}

/** Public halves of the signing keys, for verifying access tokens in-process. */
export function publicJwks(keys: JWK[]): JSONWebKeySet {
  return {
    keys: keys.map(({ kty, n, e, crv, x, y, kid, alg, use }) =>
      Object.fromEntries(
        Object.entries({ kty, n, e, crv, x, y, kid, alg, use }).filter(([, v]) => v !== undefined),
      ),
    ),
  };
}

export interface OidcDependencies {
  config: Config;
  db: Kysely<Database>;
  identity: IdentityService;
  identityStore: IdentityStore;
  clock: Clock;
  signingKeys: JWK[];
  /** Told after grants may have been revoked. */
  grantsChanged?: () => void;
}

/** The platform's OpenID Connect provider (authorization code + PKCE, rotating refresh tokens). */
export async function createOidcProvider(deps: OidcDependencies): Promise<Provider> {
  const { config, identity, identityStore, clock } = deps;
  const audience = config.oauth.apiAudience;
  const cookieKey = await identityStore.secret(
    'oidc-cookie-key',
    () => randomBytes(32).toString('base64url'),
    clock.now().toISOString(),
  );
  const resourceServer = {
    scope: API_SCOPE,
    audience,
    accessTokenTTL: config.oauth.accessTokenTtlSeconds,
    accessTokenFormat: 'jwt' as const,
  };

  const provider = new Provider(config.publicUrl, {
    adapter: oidcAdapterFactory(deps.db, clock, deps.grantsChanged),
    jwks: { keys: deps.signingKeys },
    cookies: { keys: [cookieKey] },
    routes: OIDC_ROUTES,
    scopes: ['openid', 'offline_access', 'email', 'profile', API_SCOPE],
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['given_name', 'family_name'],
    },
    pkce: { required: () => true },
    extraTokenClaims: (_ctx, token) =>
      token.kind === 'AccessToken' && typeof token.grantId === 'string'
        ? { [GRANT_CLAIM]: token.grantId }
        : undefined,
    // Client secrets are stored hashed, so methods that need the secret itself as a key
    // (client_secret_jwt) are not offered.
    clientAuthMethods: ['none', 'client_secret_basic', 'client_secret_post', 'private_key_jwt'],
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      introspection: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => audience,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resourceIndicator) => {
          if (resourceIndicator !== audience) throw new errors.InvalidTarget();
          return resourceServer;
        },
      },
    },
    ttl: {
      AccessToken: config.oauth.accessTokenTtlSeconds,
      AuthorizationCode: 60,
      Grant: config.oauth.refreshTokenTtlSeconds,
      IdToken: 3600,
      Interaction: 3600,
      RefreshToken: config.oauth.refreshTokenTtlSeconds,
      Session: 14 * 86400,
    },
    // Public clients (PKCE) get a new refresh token at each use; the old one stops working.
    rotateRefreshToken: () => true,
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(_ctx, sub) {
      const account = await identity.findAccount(sub);
      if (!account || !account.enabled) return undefined;
      return {
        accountId: account.accountId,
        claims: () => ({
          sub: account.accountId,
          email: account.email,
          email_verified: true,
          given_name: account.firstName ?? undefined,
          family_name: account.lastName ?? undefined,
        }),
      };
    },
    renderError(ctx, out) {
      ctx.type = 'html';
      ctx.body = `<!doctype html><html><head><meta charset="utf-8"><title>Sign-in error</title></head>
<body><h1>Sign-in error</h1><p>${escapeHtml(String(out.error))}: ${escapeHtml(String(out.error_description ?? ''))}</p></body></html>`;
    },
  });
  provider.proxy = config.trustProxy;
  // The stored client_secret is its hash (registerClient): compare the hash of what was sent.
  provider.Client.prototype.compareClientSecret = function (
    this: { clientSecret?: string },
    actual: string,
  ) {
    const expected = Buffer.from(this.clientSecret ?? '');
    const given = Buffer.from(hashAtRest(actual));
    return expected.length === given.length && timingSafeEqual(expected, given);
  };
  return provider;
}

/**
 * Registers (or updates) an OAuth client; public clients use PKCE and no secret. A confidential
 * client's secret is stored as its hash (the provider compares hashes).
 */
export async function registerClient(
  identityStore: IdentityStore,
  clock: Clock,
  input: {
    clientId?: string;
    name: string;
    redirectUris: string[];
    secret?: string;
    /** The developer who registers it on the portal. */
    ownerAccountId?: string;
    /** The only scopes it may ask for (space-separated); any of the provider's when absent. */
    scope?: string;
  },
): Promise<ClientMetadata> {
  const metadata: ClientMetadata = {
    client_id: input.clientId ?? randomUUID(),
    client_name: input.name,
    redirect_uris: input.redirectUris,
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    // A private-use scheme (RFC 8252 §7.1) is a native app's: OpenID Connect registers those as
    // `native`, which a `web` client may not use.
    ...(input.redirectUris.some((uri) => !/^https?:/i.test(uri))
      ? { application_type: 'native' as const }
      : {}),
    token_endpoint_auth_method: input.secret ? 'client_secret_basic' : 'none',
    ...(input.scope ? { scope: input.scope } : {}),
  };
  // Only the secret's hash is stored; the operator who gave it is shown it back.
  const stored = input.secret ? { ...metadata, client_secret: hashAtRest(input.secret) } : metadata;
  await identityStore.upsertClient(
    metadata.client_id,
    input.name,
    JSON.stringify(stored),
    clock.now().toISOString(),
    input.ownerAccountId ?? null,
  );
  return input.secret ? { ...metadata, client_secret: input.secret } : metadata;
}

/** http(s) URLs, and private-use schemes of native apps (RFC 8252 §7.1: reverse domain names). */
export function isRedirectUri(uri: string): boolean {
  if (!URL.canParse(uri)) return false;
  const { protocol } = new URL(uri);
  return (
    protocol === 'http:' ||
    protocol === 'https:' ||
    /^[a-z][a-z0-9+-]*(\.[a-z0-9+-]+)+:$/i.test(protocol)
  );
}

/**
 * Issues an access token for an account through the provider itself (same keys, issuer,
 * audience and lifetime as tokens from the authorization code flow). Operator tool.
 */
export async function issueOperatorAccessToken(
  provider: Provider,
  deps: Pick<OidcDependencies, 'config' | 'identityStore' | 'clock'>,
  accountId: string,
): Promise<{ access_token: string; token_type: 'Bearer'; expires_in: number }> {
  await registerClient(deps.identityStore, deps.clock, {
    clientId: OPERATOR_CLIENT_ID,
    name: 'Witty operator tools',
    redirectUris: [`${deps.config.publicUrl}/operator`],
  });
  const client = await provider.Client.find(OPERATOR_CLIENT_ID);
  // The provider's own ResourceServer class (present at run time, absent from its typings).
  const ResourceServerClass = (
    provider as unknown as {
      ResourceServer: new (identifier: string, info: ResourceServer) => ResourceServer;
    }
  ).ResourceServer;
  if (!client) throw new Error('operator client missing');
  const expiresIn = deps.config.oauth.accessTokenTtlSeconds;
  // A grant of its own, like any authorization: the token records who allowed what.
  const grant = new provider.Grant({ accountId, clientId: OPERATOR_CLIENT_ID });
  grant.addResourceScope(deps.config.oauth.apiAudience, API_SCOPE);
  const grantId = await grant.save();
  const token = new provider.AccessToken({
    accountId,
    grantId,
    client,
    scope: API_SCOPE,
    gty: 'operator',
    expiresIn,
    resourceServer: new ResourceServerClass(deps.config.oauth.apiAudience, {
      scope: API_SCOPE,
      audience: deps.config.oauth.apiAudience,
      accessTokenTTL: expiresIn,
      accessTokenFormat: 'jwt',
    }),
  });
  return { access_token: await token.save(), token_type: 'Bearer', expires_in: expiresIn };
}

/** Escapes text for HTML. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
