import { createHash, randomBytes } from 'node:crypto';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { decodeJwt } from 'jose';
import { OIDC_ROUTES } from '../identity/index.js';

/** The dashboard's OAuth client at the platform's own OpenID provider (public, PKCE). */
export const DASHBOARD_CLIENT_ID = 'witty-dashboard';
/** What the dashboard asks for: who the user is, the API, and staying signed in. */
export const DASHBOARD_SCOPES = 'openid api offline_access';
/** Where the provider sends the browser back, under PUBLIC_URL. */
export const CALLBACK_PATH = '/dashboard/callback';

/** Sends a request into the platform's own HTTP application, as a client would over HTTP. */
export type Inject = (options: InjectOptions) => Promise<LightMyRequestResponse>;

/** What the token endpoint gave. */
export interface Tokens {
  accessToken: string;
  refreshToken: string;
}

/** The secrets of one sign-in under way: kept in a short-lived cookie until the callback. */
export interface SignInAttempt {
  state: string;
  nonce: string;
  verifier: string;
  /** The dashboard page to open once signed in. */
  next: string;
}

const random = () => randomBytes(32).toString('base64url');

/** A new sign-in attempt: state, nonce and PKCE verifier (RFC 7636, S256). */
export function newSignInAttempt(next: string): SignInAttempt {
  return { state: random(), nonce: random(), verifier: random(), next };
}

/** The provider's authorization URL for an attempt (a path on this platform). */
export function authorizationPath(attempt: SignInAttempt, publicUrl: string): string {
  const query = new URLSearchParams({
    client_id: DASHBOARD_CLIENT_ID,
    response_type: 'code',
    redirect_uri: `${publicUrl}${CALLBACK_PATH}`,
    scope: DASHBOARD_SCOPES,
    state: attempt.state,
    nonce: attempt.nonce,
    code_challenge: createHash('sha256').update(attempt.verifier).digest('base64url'),
    code_challenge_method: 'S256',
    // offline_access needs consent (OpenID Connect Core §11); login, so that signing out of the
    // dashboard and in again on a shared computer asks for the password.
    prompt: 'login consent',
  });
  return `${OIDC_ROUTES.authorization}?${query.toString()}`;
}

/** The token endpoint of the platform's provider, called as the public client. */
export class TokenEndpoint {
  // Concurrent requests of one browser (a page, its event stream, its chart) may find the
  // access token expired together: one refresh serves them all, since a refresh token works
  // once and a second use would revoke the grant.
  private readonly refreshing = new Map<string, Promise<Tokens | undefined>>();

  constructor(
    private readonly inject: Inject,
    private readonly publicUrl: string,
  ) {}

  private async post(fields: Record<string, string>, path: string = OIDC_ROUTES.token) {
    return this.inject({
      method: 'POST',
      url: path,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ client_id: DASHBOARD_CLIENT_ID, ...fields }).toString(),
    });
  }

  /** Exchanges an authorization code; undefined when the provider refuses it. */
  async exchange(code: string, attempt: SignInAttempt): Promise<Tokens | undefined> {
    const response = await this.post({
      grant_type: 'authorization_code',
      code,
      redirect_uri: `${this.publicUrl}${CALLBACK_PATH}`,
      code_verifier: attempt.verifier,
    });
    if (response.statusCode !== 200) return undefined;
    const body = response.json<Record<string, unknown>>();
    // The ID token comes straight from the token endpoint, not through the browser: its nonce
    // ties it to this attempt (OpenID Connect Core §3.1.3.7 lets the channel stand for the
    // signature).
    if (typeof body.id_token !== 'string' || decodeJwt(body.id_token).nonce !== attempt.nonce)
      return undefined;
    return tokensOf(body);
  }

  /** New tokens for a refresh token; undefined when it no longer works. */
  refresh(refreshToken: string): Promise<Tokens | undefined> {
    const key = createHash('sha256').update(refreshToken).digest('hex');
    const running = this.refreshing.get(key);
    if (running) return running;
    const done = this.post({ grant_type: 'refresh_token', refresh_token: refreshToken }).then(
      (response) =>
        response.statusCode === 200
          ? tokensOf(response.json<Record<string, unknown>>())
          : undefined,
    );
    this.refreshing.set(key, done);
    // Kept a little while: a request that left the browser before the new cookies arrived
    // still carries the old refresh token.
    const forget = () => {
      setTimeout(() => this.refreshing.delete(key), 30_000).unref();
    };
    done.then(forget, forget);
    return done;
  }

  /** Revokes a refresh token, and with it the grant's access (RFC 7009). */
  async revoke(refreshToken: string): Promise<void> {
    await this.post(
      { token: refreshToken, token_type_hint: 'refresh_token' },
      OIDC_ROUTES.revocation,
    );
  }
}

function tokensOf(body: Record<string, unknown>): Tokens | undefined {
  const { access_token: accessToken, refresh_token: refreshToken } = body;
  if (typeof accessToken !== 'string' || typeof refreshToken !== 'string') return undefined;
  return { accessToken, refreshToken };
}

/** When an access token expires (ms since the epoch); 0 when it cannot be read. */
export function expiryOf(accessToken: string): number {
  try {
    const { exp } = decodeJwt(accessToken);
    return typeof exp === 'number' ? exp * 1000 : 0;
  } catch {
    return 0;
  }
}
