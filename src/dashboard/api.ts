import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../clock.js';
import { expiryOf, type Inject, type TokenEndpoint, type Tokens } from './oidc-client.js';

/** The cookies of a dashboard session, under /dashboard only. */
export const ACCESS_COOKIE = 'witty_dashboard_access';
export const REFRESH_COOKIE = 'witty_dashboard_refresh';

// An access token this close to its expiry is refreshed before the call rather than after a 401.
const REFRESH_MARGIN_MS = 30_000;

/** An answer of the partner API. */
export interface ApiAnswer<T = unknown> {
  status: number;
  body: T;
  location: string | undefined;
}

/** The API's error body (RFC 9457 with the platform's code). */
export interface ApiProblem {
  code: string;
  detail: string;
}

/** The browser has no session, or its refresh token no longer works: sign in again. */
export class SignedOut extends Error {
  constructor() {
    super('signed out');
    this.name = 'SignedOut';
  }
}

/** The access token expired while the reply could no longer carry new cookies (a stream). */
export class SessionNeedsRefresh extends Error {
  constructor() {
    super('the access token must be refreshed');
    this.name = 'SessionNeedsRefresh';
  }
}

/** What the dashboard calls the API with. */
export interface ApiDependencies {
  inject: Inject;
  tokens: TokenEndpoint;
  clock: Clock;
  /** The dashboard's own subscription key (first-party; it never reaches a browser). */
  subscriptionKey: string;
  cookieOptions: {
    path: string;
    httpOnly: true;
    sameSite: 'lax';
    secure: boolean;
    maxAge: number;
  };
}

/**
 * The partner API as the signed-in person of one request: every call carries their access
 * token and the dashboard's key; an expired token is refreshed and the new cookies set.
 */
export class UserApi {
  private tokens: Tokens | undefined;
  /** False once the reply has been handed to a stream: cookies can no longer be set. */
  canSetCookies = true;

  constructor(
    private readonly deps: ApiDependencies,
    private readonly request: FastifyRequest,
    private readonly reply: FastifyReply,
  ) {
    const accessToken = request.cookies[ACCESS_COOKIE];
    const refreshToken = request.cookies[REFRESH_COOKIE];
    if (refreshToken) this.tokens = { accessToken: accessToken ?? '', refreshToken };
  }

  /** Whether the browser holds a session at all. */
  get signedIn(): boolean {
    return this.tokens !== undefined;
  }

  /** Refreshes the access token now if it expires within the margin. */
  async ensureFresh(): Promise<void> {
    const tokens = this.current();
    if (expiryOf(tokens.accessToken) - REFRESH_MARGIN_MS <= this.deps.clock.now().getTime())
      await this.refresh();
  }

  /** Calls `/v1{path}`; refreshes the access token once if the API says it expired. */
  async call<T = unknown>(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    body?: unknown,
  ): Promise<ApiAnswer<T>> {
    await this.ensureFresh();
    let response = await this.send(method, path, body);
    if (response.statusCode === 401 && codeOf(response.json()) === 'ACCESS_TOKEN_INVALID') {
      await this.refresh();
      response = await this.send(method, path, body);
    }
    if (response.statusCode === 401) throw new SignedOut();
    const location = response.headers.location;
    return {
      status: response.statusCode,
      body: (response.body === '' ? undefined : response.json()) as T,
      location: typeof location === 'string' ? location : undefined,
    };
  }

  private send(method: string, path: string, body: unknown) {
    return this.deps.inject({
      method: method as 'GET',
      url: `/v1${path}`,
      headers: {
        'ocp-apim-subscription-key': this.deps.subscriptionKey,
        authorization: `Bearer ${this.current().accessToken}`,
        'x-request-id': this.request.id,
      },
      // The API's per-address limits count the person's address, not the platform's own.
      remoteAddress: this.request.ip,
      ...(body === undefined ? {} : { payload: body as object }),
    });
  }

  private current(): Tokens {
    if (!this.tokens) throw new SignedOut();
    return this.tokens;
  }

  private async refresh(): Promise<void> {
    if (!this.canSetCookies) throw new SessionNeedsRefresh();
    const fresh = await this.deps.tokens.refresh(this.current().refreshToken);
    if (!fresh) {
      this.tokens = undefined;
      clearSessionCookies(this.reply, this.deps.cookieOptions);
      throw new SignedOut();
    }
    this.tokens = fresh;
    setSessionCookies(this.reply, fresh, this.deps.cookieOptions);
  }
}

/** Keeps a session's tokens in the browser: HttpOnly cookies under /dashboard. */
export function setSessionCookies(
  reply: FastifyReply,
  tokens: Tokens,
  options: ApiDependencies['cookieOptions'],
): void {
  reply.setCookie(ACCESS_COOKIE, tokens.accessToken, options);
  reply.setCookie(REFRESH_COOKIE, tokens.refreshToken, options);
}

/** Forgets a session's tokens in the browser. */
export function clearSessionCookies(
  reply: FastifyReply,
  options: ApiDependencies['cookieOptions'],
): void {
  const { path, httpOnly, sameSite, secure } = options;
  reply.clearCookie(ACCESS_COOKIE, { path, httpOnly, sameSite, secure });
  reply.clearCookie(REFRESH_COOKIE, { path, httpOnly, sameSite, secure });
}

/** The error code of an API answer, if it is a problem. */
export function codeOf(body: unknown): string | undefined {
  return body && typeof body === 'object' && 'code' in body && typeof body.code === 'string'
    ? body.code
    : undefined;
}
