import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../clock.js';
import { ianaZone, localDay } from '../domain/time-buckets.js';
import { packageFile } from '../http/package-root.js';
import { languageOf, MESSAGES } from '../portal/index.js';
import {
  clearSessionCookies,
  codeOf,
  REFRESH_COOKIE,
  SessionNeedsRefresh,
  setSessionCookies,
  SignedOut,
  UserApi,
  type ApiDependencies,
} from './api.js';
import { chartViewOf, energyChart } from './energy.js';
import {
  deliveriesPage,
  webhooksPage,
  type DeliveryItem,
  type WebhookItem,
} from './webhook-pages.js';
import {
  dayStartIn,
  parsePrice,
  tariffName,
  tariffsPage,
  parseOffPeakHours,
  type PricesForm,
  type SubscriptionForm,
  type SubscriptionItem,
  type TariffItem,
  type TariffsUnavailable,
} from './tariff-pages.js';
import {
  authorizationPath,
  newSignInAttempt,
  TokenEndpoint,
  type Inject,
  type SignInAttempt,
} from './oidc-client.js';
import {
  chartData,
  installationsPage,
  messagePage,
  progressText,
  refusalText,
  stationPage,
  stationStateFragment,
  wordsOf,
  type CommandNotice,
  type DashboardContext,
  type Formats,
  type InstallationItem,
  type SessionItem,
} from './pages.js';
import { stationState, type ApiStation } from './station-view.js';
import {
  acceptPage,
  sharingPage,
  type InstallationUser,
  type PendingInvitation,
} from './sharing-pages.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A dashboard route answered in JSON (for its script), errors included. */
    dashboardJson?: boolean;
  }
}

/** What the dashboard needs from the platform. */
export interface DashboardRouteOptions {
  /** Requests into the platform's own HTTP application (the API and the token endpoint). */
  inject: Inject;
  clock: Clock;
  publicUrl: string;
  /** The dashboard's first-party subscription key. */
  subscriptionKey: string;
  /** How long the session cookies last: the refresh token's lifetime, in seconds. */
  sessionSeconds: number;
  /** How often an event stream reads its station (2 s). */
  pollMs: number;
  /** How often an event stream sends a comment to keep the connection open. */
  keepAliveMs: number;
  /** The installation an activation code invites to, without using the code; undefined if none. */
  invitationOf(code: string): Promise<{ installationName: string } | undefined>;
}

const SIGN_IN_COOKIE = 'witty_dashboard_signin';
const LANGUAGE_COOKIE = 'witty_lang';
const INSTALLATION_ID = /^[1-9][0-9]{0,9}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ERROR_CODE = /^[A-Z_]{1,40}$/;
const OPERATORS = { 'charge-mode': 'set-charge-mode', start: 'start', stop: 'stop' } as const;
const SESSIONS_SHOWN = 10;

// Same policy as the portal: own scripts and styles only, forms to this site, never framed.
const PAGE_POLICY =
  "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

// The dashboard's client code (web/) and Chart.js's browser build, as the package ships it.
const CHART_JS = path.join(
  path.dirname(createRequire(import.meta.url).resolve('chart.js')),
  'chart.umd.js',
);
const ASSETS: Record<string, { type: string; body: Buffer }> = {
  'dashboard.js': {
    type: 'text/javascript; charset=utf-8',
    body: readFileSync(packageFile('web', 'dashboard.js')),
  },
  'dashboard.css': {
    type: 'text/css; charset=utf-8',
    body: readFileSync(packageFile('web', 'dashboard.css')),
  },
  'chart.umd.js': { type: 'text/javascript; charset=utf-8', body: readFileSync(CHART_JS) },
};

/** Nothing of that id among the person's installations (or a malformed id). */
class NotFound extends Error {
  constructor() {
    super('not found');
    this.name = 'NotFound';
  }
}

/** A dashboard page to come back to after signing in (never another site). */
function dashboardPath(value: unknown): string {
  return typeof value === 'string' &&
    /^\/dashboard(\/[A-Za-z0-9/_-]*)?(\?[A-Za-z0-9=&_-]*)?$/.test(value) &&
    value.length < 300
    ? value
    : '/dashboard';
}

function readAttempt(value: string | undefined): SignInAttempt | undefined {
  if (!value) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(value, 'base64url').toString()) as SignInAttempt;
    const fields = [parsed.state, parsed.nonce, parsed.verifier, parsed.next];
    return fields.every((f) => typeof f === 'string') ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** A station as the dashboard reads it: the API's answer and who the person is there. */
interface StationContext {
  installation: InstallationItem;
  station: (ApiStation & { properties: { timezone: string } }) | null;
  owner: boolean;
  currency: string | null;
}

/**
 * The owner dashboard: a client of the platform's OpenID provider and of the partner API, like
 * any app, with server-rendered pages, an event stream of the station and a chart.
 */
export async function dashboardRoutes(app: FastifyInstance, options: DashboardRouteOptions) {
  const secure = options.publicUrl.startsWith('https:');
  const cookieBase = {
    path: '/dashboard',
    httpOnly: true as const,
    sameSite: 'lax' as const,
    secure,
  };
  const deps: ApiDependencies = {
    inject: options.inject,
    tokens: new TokenEndpoint(options.inject, options.publicUrl),
    clock: options.clock,
    subscriptionKey: options.subscriptionKey,
    cookieOptions: { ...cookieBase, maxAge: options.sessionSeconds },
  };

  await app.register((await import('@fastify/cookie')).default);
  await app.register((await import('@fastify/formbody')).default, { bodyLimit: 16 * 1024 });
  await app.register((await import('@fastify/csrf-protection')).default, {
    cookieKey: 'witty_dashboard_csrf',
    cookieOpts: cookieBase,
  });

  app.addHook('onRequest', async (_request, reply) => {
    reply.header('content-security-policy', PAGE_POLICY);
    reply.header('x-frame-options', 'DENY');
    reply.header('cache-control', 'no-store');
  });

  // Open event streams end when the platform stops (a closing server waits for its responses).
  const streams = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const end of streams) end();
  });

  /** The signed-in person's API; a request without a session goes to sign in. */
  const signedInApi = (request: FastifyRequest, reply: FastifyReply) => {
    const api = new UserApi(deps, request, reply);
    if (!api.signedIn) throw new SignedOut();
    return api;
  };

  function contextOf(request: FastifyRequest, reply: FastifyReply): DashboardContext {
    const lang = languageOf(request.cookies[LANGUAGE_COOKIE], request.headers['accept-language']);
    return {
      t: MESSAGES[lang],
      w: wordsOf(lang),
      lang,
      account: undefined,
      csrf: reply.generateCsrf(),
      path: request.url.split('?')[0] ?? '/dashboard',
      openMailbox: false,
      signedIn: request.cookies[REFRESH_COOKIE] !== undefined,
    };
  }

  const send = (reply: FastifyReply, status: number, html: string) =>
    reply.status(status).type('text/html; charset=utf-8').send(html);

  const wantsJson = (request: FastifyRequest) =>
    request.routeOptions.config.dashboardJson === true ||
    (request.headers.accept ?? '').includes('application/json');

  app.setErrorHandler(
    async (error: Error & { code?: string; statusCode?: number }, request, reply) => {
      const json = wantsJson(request);
      if (error instanceof SignedOut || error instanceof SessionNeedsRefresh) {
        if (json) return reply.status(401).send({ code: 'SIGN_IN_REQUIRED' });
        const next = request.method === 'GET' ? request.url : '/dashboard';
        return reply.redirect(`/dashboard/signin?next=${encodeURIComponent(next)}`, 303);
      }
      const ctx = contextOf(request, reply);
      const { w } = ctx;
      if (error.code === 'FST_CSRF_INVALID_TOKEN' || error.code === 'FST_CSRF_MISSING_SECRET') {
        if (json) return reply.status(403).send({ code: 'FORM_EXPIRED', text: w.csrfText });
        return send(reply, 403, messagePage(ctx, w.csrfTitle, w.csrfText));
      }
      if (error instanceof NotFound) {
        if (json) return reply.status(404).send({ code: 'NOT_FOUND' });
        return send(reply, 404, messagePage(ctx, w.notFoundTitle, w.notFoundText));
      }
      if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
        if (json) return reply.status(error.statusCode).send({ code: 'BAD_REQUEST' });
        return send(reply, error.statusCode, messagePage(ctx, w.errorTitle, w.errorText));
      }
      request.log.error({ err: error }, 'dashboard page failed');
      if (json) return reply.status(500).send({ code: 'INTERNAL' });
      return send(reply, 500, messagePage(ctx, w.errorTitle, w.errorText));
    },
  );

  const protect = { preHandler: app.csrfProtection.bind(app) };
  const asJson = { config: { dashboardJson: true } };

  /** The installation and its station as the person sees them, through the API. */
  async function stationContext(api: UserApi, rawId: string): Promise<StationContext> {
    if (!INSTALLATION_ID.test(rawId)) throw new NotFound();
    const base = `/installations/${rawId}`;
    const installation = await api.call<InstallationItem>('GET', base);
    if (installation.status === 404) throw new NotFound();
    if (installation.status !== 200) throw new Error(`installation: ${installation.status}`);
    const stations = await api.call<StationContext['station'][]>(
      'GET',
      `${base}/charging-stations`,
    );
    if (stations.status !== 200) throw new Error(`stations: ${stations.status}`);
    const station = stations.body[0] ?? null;
    if (!station) return { installation: installation.body, station, owner: false, currency: null };
    // The measures are the owner's: an installer is answered 403 (docs/access.md).
    const measures = await api.call<{ type: string; unit: string }[]>(
      'GET',
      `${base}/charging-stations/${station.id}/measures`,
    );
    const owner = measures.status === 200;
    const currency = owner ? (measures.body.find((m) => m.type === 'Cost')?.unit ?? null) : null;
    return { installation: installation.body, station, owner, currency };
  }

  const formatsOf = (ctx: DashboardContext, s: StationContext): Formats => ({
    lang: ctx.lang,
    zone: s.station ? ianaZone(s.station.properties.timezone) : 'UTC',
    currency: s.currency,
  });

  /** The last sessions: SessionEnd for owners, SessionStart for installers (who see no ends). */
  async function lastSessions(api: UserApi, s: StationContext): Promise<SessionItem[]> {
    if (!s.station) return [];
    const now = options.clock.now();
    const logId = s.owner ? '2' : '1';
    const answer = await api.call<{ date: string; value: Record<string, unknown> }[]>(
      'POST',
      `/installations/${s.installation.installationId}/charging-stations/${s.station.id}/logs/${logId}/operators/list`,
      {
        startDate: new Date(now.getTime() - 365 * 86_400_000).toISOString(),
        // A day ahead: a station whose clock runs ahead still shows its latest sessions.
        endDate: new Date(now.getTime() + 86_400_000).toISOString(),
        order: 'desc',
      },
    );
    if (answer.status !== 200) return [];
    return answer.body.slice(0, SESSIONS_SHOWN).map(({ date, value }) =>
      s.owner
        ? {
            date,
            end: {
              sessionDuration: Number(value.sessionDuration ?? 0),
              chargingDuration: Number(value.chargingDuration ?? 0),
              energy: Number(value.energy ?? 0),
              cost: Number(value.cost ?? 0),
            },
          }
        : { date, socket: typeof value.evcsSocket === 'string' ? value.evcsSocket : '' },
    );
  }

  const commandPath = (installationId: string, stationId: string, commandId: string) =>
    `/installations/${installationId}/charging-stations/${stationId}/commands/${commandId}`;
  const progressPath = (installationId: string, stationId: string, commandId: string) =>
    `/dashboard/installations/${installationId}/stations/${stationId}/commands/${commandId}`;

  app.get<{ Params: { name: string } }>('/assets/:name', async (request, reply) => {
    const asset = ASSETS[request.params.name];
    if (!asset) throw new NotFound();
    return reply.header('cache-control', 'public, max-age=3600').type(asset.type).send(asset.body);
  });

  // Sign-in: the authorization code flow with PKCE at the platform's own provider.

  app.get<{ Querystring: { next?: string } }>('/signin', async (request, reply) => {
    const attempt = newSignInAttempt(dashboardPath(request.query.next));
    reply.setCookie(SIGN_IN_COOKIE, Buffer.from(JSON.stringify(attempt)).toString('base64url'), {
      ...cookieBase,
      maxAge: 600,
    });
    return reply.redirect(authorizationPath(attempt, options.publicUrl), 303);
  });

  app.get<{ Querystring: { code?: string; state?: string; error?: string } }>(
    '/callback',
    async (request, reply) => {
      const attempt = readAttempt(request.cookies[SIGN_IN_COOKIE]);
      const { code, state } = request.query;
      const failed = () => {
        const ctx = contextOf(request, reply);
        return send(
          reply,
          400,
          messagePage(ctx, ctx.w.signInTitle, ctx.w.signInFailed, {
            href: '/dashboard/signin',
            label: ctx.w.signInAgain,
          }),
        );
      };
      // The state ties the answer to the attempt this browser started (RFC 6749 §10.12).
      if (!attempt || typeof state !== 'string' || state !== attempt.state || !code)
        return failed();
      reply.clearCookie(SIGN_IN_COOKIE, cookieBase);
      const tokens = await deps.tokens.exchange(code, attempt);
      if (!tokens) return failed();
      setSessionCookies(reply, tokens, deps.cookieOptions);
      return reply.redirect(attempt.next, 303);
    },
  );

  app.post('/signout', protect, async (request, reply) => {
    const refreshToken = request.cookies[REFRESH_COOKIE];
    if (refreshToken) await deps.tokens.revoke(refreshToken);
    clearSessionCookies(reply, deps.cookieOptions);
    const ctx = { ...contextOf(request, reply), signedIn: false };
    return send(
      reply,
      200,
      messagePage(ctx, ctx.w.signOut, ctx.w.signedOut, {
        href: '/dashboard/signin',
        label: ctx.w.signInAgain,
      }),
    );
  });

  // Pages.

  app.get('/', async (request, reply) => {
    const api = signedInApi(request, reply);
    const installations = await api.call<InstallationItem[]>('GET', '/installations');
    if (installations.status !== 200) throw new Error(`installations: ${installations.status}`);
    return send(reply, 200, installationsPage(contextOf(request, reply), installations.body));
  });

  app.get<{
    Params: { installationId: string };
    Querystring: {
      command?: string;
      refused?: string;
      tic?: string;
      step?: string;
      measure?: string;
    };
  }>('/installations/:installationId', async (request, reply) => {
    const api = signedInApi(request, reply);
    const s = await stationContext(api, request.params.installationId);
    const ctx = contextOf(request, reply);
    const formats = formatsOf(ctx, s);
    if (!s.station)
      return send(
        reply,
        200,
        stationPage(ctx, {
          installation: s.installation,
          station: null,
          owner: s.owner,
          formats,
          state: null,
          chart: null,
          sessions: [],
        }),
      );
    const installationId = request.params.installationId;
    let notice: CommandNotice | undefined;
    const { command, refused } = request.query;
    if (s.owner && typeof command === 'string' && UUID.test(command)) {
      const answer = await api.call<{ type: string; status: string }>(
        'GET',
        commandPath(installationId, s.station.id, command),
      );
      if (answer.status === 200)
        notice = {
          kind: 'sent',
          commandType: answer.body.type,
          status: answer.body.status,
          progress: progressPath(installationId, s.station.id, command),
        };
    } else if (s.owner && typeof refused === 'string' && ERROR_CODE.test(refused)) {
      notice = { kind: 'refused', code: refused };
    }
    return send(
      reply,
      200,
      stationPage(ctx, {
        installation: s.installation,
        station: {
          id: s.station.id,
          name: s.station.properties.friendlyName || s.station.serialNumber,
        },
        owner: s.owner,
        formats,
        state: stationState(s.station, s.owner),
        chart: s.owner
          ? await energyChart(
              api,
              s.installation.installationId,
              { id: s.station.id, timezone: s.station.properties.timezone },
              options.clock.now(),
              chartViewOf(request.query),
              s.currency,
            )
          : null,
        sessions: await lastSessions(api, s),
        ...(notice ? { notice } : {}),
        ...(s.owner && (request.query.tic === 'given' || request.query.tic === 'withdrawn')
          ? { tic: request.query.tic }
          : {}),
      }),
    );
  });

  // The chart's figures, for the page's script (the page's table has the same).
  app.get<{ Params: { installationId: string }; Querystring: { step?: string; measure?: string } }>(
    '/installations/:installationId/energy',
    asJson,
    async (request, reply) => {
      const api = signedInApi(request, reply);
      const s = await stationContext(api, request.params.installationId);
      if (!s.station) throw new NotFound();
      if (!s.owner) return reply.status(403).send({ code: 'INSTALLATION_ACCESS_DENIED' });
      const chart = await energyChart(
        api,
        s.installation.installationId,
        { id: s.station.id, timezone: s.station.properties.timezone },
        options.clock.now(),
        chartViewOf(request.query),
        s.currency,
      );
      return reply.send(chartData(contextOf(request, reply).w, chart));
    },
  );

  // The station's live state as Server-Sent Events: read through the API every poll, sent
  // when it changed. The access token is refreshed before the stream starts (cookies go with
  // the headers); when it expires during the stream, the stream ends and the browser's
  // EventSource reconnects, which refreshes it.
  app.get<{ Params: { installationId: string } }>(
    '/installations/:installationId/events',
    asJson,
    async (request, reply) => {
      const api = signedInApi(request, reply);
      await api.ensureFresh();
      const s = await stationContext(api, request.params.installationId);
      if (!s.station) throw new NotFound();
      const station = s.station;
      const ctx = contextOf(request, reply);
      const formats = formatsOf(ctx, s);
      const stationPath = `/installations/${s.installation.installationId}/charging-stations/${station.id}`;
      api.canSetCookies = false;

      const stream = new PassThrough();
      let timer: NodeJS.Timeout | undefined;
      const keepAlive = setInterval(() => stream.write(': keep-alive\n\n'), options.keepAliveMs);
      let last = '';
      let open = true;
      const end = () => {
        if (!open) return;
        open = false;
        clearTimeout(timer);
        clearInterval(keepAlive);
        streams.delete(end);
        stream.end();
      };
      streams.add(end);
      reply.raw.on('close', end);

      const emit = (current: ApiStation) => {
        const state = stationState(current, s.owner);
        const json = JSON.stringify(state);
        if (json === last) return;
        last = json;
        const html = stationStateFragment(ctx.w, formats, state).value;
        stream.write(`event: state\ndata: ${JSON.stringify({ state, html })}\n\n`);
      };
      const poll = async () => {
        try {
          const answer = await api.call<ApiStation>('GET', stationPath);
          if (!open) return;
          if (answer.status === 200) emit(answer.body);
          else if (answer.status === 404) return end();
          timer = setTimeout(() => void poll(), options.pollMs);
        } catch (error) {
          if (!(error instanceof SessionNeedsRefresh || error instanceof SignedOut))
            request.log.error({ err: error }, 'station event stream failed');
          // The browser reconnects (after `retry`), and its new request refreshes the token.
          if (open) stream.write('event: reconnect\ndata: {}\n\n');
          end();
        }
      };
      stream.write(`retry: ${options.pollMs}\n\n`);
      emit(station);
      timer = setTimeout(() => void poll(), options.pollMs);
      return reply
        .header('content-type', 'text/event-stream; charset=utf-8')
        .header('x-accel-buffering', 'no')
        .send(stream);
    },
  );

  // Commands: forms that work without script (303 back to the page with the outcome), and
  // the same forms sent by the page's script, answered in JSON.

  app.post<{
    Params: { installationId: string; stationId: string; operator: string };
    Body: { chargeMode?: string };
  }>(
    '/installations/:installationId/stations/:stationId/:operator',
    protect,
    async (request, reply) => {
      const api = signedInApi(request, reply);
      const { installationId, stationId, operator } = request.params;
      if (
        !INSTALLATION_ID.test(installationId) ||
        !UUID.test(stationId) ||
        !Object.hasOwn(OPERATORS, operator)
      )
        throw new NotFound();
      const chargeMode = request.body?.chargeMode;
      if (operator === 'charge-mode' && chargeMode !== 'immediate' && chargeMode !== 'deferred')
        return reply.status(400).send({ code: 'CHARGE_MODE_REQUIRED' });
      const answer = await api.call<{ commandId: string; type: string; status: string }>(
        'POST',
        `/installations/${installationId}/charging-stations/${stationId}/operators/${OPERATORS[operator as keyof typeof OPERATORS]}`,
        operator === 'charge-mode' ? { chargeMode } : undefined,
      );
      const page = `/dashboard/installations/${installationId}`;
      const { w } = contextOf(request, reply);
      if (answer.status === 404) throw new NotFound();
      if (answer.status === 202) {
        const { commandId, type, status } = answer.body;
        if (!wantsJson(request)) return reply.redirect(`${page}?command=${commandId}`, 303);
        return reply.status(202).send({
          commandId,
          status,
          text: progressText(w, type, status),
          progress: progressPath(installationId, stationId, commandId),
        });
      }
      const code = codeOf(answer.body) ?? `HTTP_${answer.status}`;
      if (!wantsJson(request)) return reply.redirect(`${page}?refused=${code}`, 303);
      return reply.status(answer.status).send({ refused: code, text: refusalText(w, code) });
    },
  );

  // The owner's TIC consent, given or withdrawn through the API's Authorize-TIC; 303 back to
  // the station page, which says what changed or why it was refused.
  app.post<{ Params: { installationId: string }; Body: { meter?: string; authorize?: string } }>(
    '/installations/:installationId/tic-consent',
    protect,
    async (request, reply) => {
      const api = signedInApi(request, reply);
      const { installationId } = request.params;
      const meter = request.body?.meter;
      const authorize = request.body?.authorize;
      if (!INSTALLATION_ID.test(installationId) || typeof meter !== 'string' || !UUID.test(meter))
        throw new NotFound();
      if (authorize !== 'true' && authorize !== 'false')
        return reply.status(400).send({ code: 'AUTHORIZE_REQUIRED' });
      const answer = await api.call(
        'POST',
        `/installations/${installationId}/grid-meters/${meter}/operators/authorize-tic`,
        { authorizeTIC: authorize === 'true' },
      );
      if (answer.status === 404) throw new NotFound();
      const page = `/dashboard/installations/${installationId}`;
      if (answer.status === 200)
        return reply.redirect(`${page}?tic=${authorize === 'true' ? 'given' : 'withdrawn'}`, 303);
      return reply.redirect(
        `${page}?refused=${codeOf(answer.body) ?? `HTTP_${answer.status}`}`,
        303,
      );
    },
  );

  /** The status of a page that words an API refusal: the API's own 4xx, else 502. */
  const refusalStatus = (status: number) => (status >= 400 && status < 500 ? status : 502);
  /** What the API's problem says: its detail, and the reasons of each invalid field. */
  const refusalOf = (body: unknown) => {
    if (typeof body !== 'object' || body === null) return '';
    const detail = 'detail' in body ? String(body.detail) : '';
    const errors =
      'errors' in body && Array.isArray(body.errors)
        ? (body.errors as { message?: unknown }[])
            .map((e) => (typeof e.message === 'string' ? e.message : ''))
            .filter(Boolean)
            .join('; ')
        : '';
    return [detail, errors].filter(Boolean).join(' — ');
  };
  const field = (request: FastifyRequest, name: string) => {
    const body = request.body as Record<string, unknown> | undefined;
    const value = body?.[name];
    return typeof value === 'string' ? value.trim() : '';
  };

  // Tariffs: the owner reads the prices of the subscription's tariffs and sets new ones from a
  // day, through the API's tariffs routes.

  async function tariffsData(api: UserApi, rawId: string) {
    const s = await stationContext(api, rawId);
    // Prices are the owner's (docs/access.md): an installer has no page here.
    if (!s.station || !s.owner) throw new NotFound();
    const base = `/installations/${s.installation.installationId}`;
    const zone = ianaZone(s.station.properties.timezone);
    const meters = await api.call<{ id: string }[]>('GET', `${base}/grid-meters`);
    const meterId = meters.status === 200 ? (meters.body[0]?.id ?? null) : null;
    let tariffs: TariffItem[] = [];
    // Why there are no tariffs to price: no TIC consent, or no subscription detected yet.
    let unavailable: TariffsUnavailable | undefined;
    // The subscription in force (TIC's or declared), or none.
    let subscription: SubscriptionItem | null = null;
    if (meterId) {
      const answer = await api.call<SubscriptionItem>(
        'GET',
        `${base}/grid-meters/${meterId}/subscription`,
      );
      if (answer.status === 200) subscription = answer.body;
      else if (codeOf(answer.body) !== 'SUBSCRIPTION_NOT_DETECTED')
        throw new Error(`subscription: ${answer.status}`);
    }
    if (meterId) {
      const answer = await api.call<TariffItem[]>('GET', `${base}/grid-meters/${meterId}/tariffs`);
      const code = codeOf(answer.body);
      if (answer.status === 200) tariffs = answer.body;
      else if (code === 'TIC_CONSENT_REQUIRED' || code === 'SUBSCRIPTION_NOT_DETECTED')
        unavailable = code;
      else throw new Error(`tariffs: ${answer.status}`);
    }
    const today = localDay(options.clock.now(), zone);
    return {
      installation: s.installation,
      meterId,
      subscription,
      tariffs,
      zone,
      today,
      ...(unavailable ? { unavailable } : {}),
    };
  }

  app.get<{ Params: { installationId: string }; Querystring: { saved?: string } }>(
    '/installations/:installationId/tariffs',
    async (request, reply) => {
      const api = signedInApi(request, reply);
      const data = await tariffsData(api, request.params.installationId);
      const ctx = contextOf(request, reply);
      const notices: Record<string, string> = {
        '1': ctx.w.pricesSaved,
        subscription: ctx.w.subscriptionSaved,
        removed: ctx.w.declarationRemoved,
      };
      const notice = request.query.saved ? notices[request.query.saved] : undefined;
      return send(reply, 200, tariffsPage(ctx, { ...data, ...(notice ? { notice } : {}) }));
    },
  );

  // The subscription an owner declares when no TIC data tells it (a generic charger).
  app.post<{ Params: { installationId: string } }>(
    '/installations/:installationId/subscription',
    protect,
    async (request, reply) => {
      const api = signedInApi(request, reply);
      const data = await tariffsData(api, request.params.installationId);
      if (!data.meterId || field(request, 'meter') !== data.meterId) throw new NotFound();
      const form: SubscriptionForm = {
        gridSubscription: field(request, 'gridSubscription'),
        offPeakHours: field(request, 'offPeakHours'),
      };
      const answer = await api.call(
        'PUT',
        `/installations/${data.installation.installationId}/grid-meters/${data.meterId}/subscription`,
        {
          gridSubscription: form.gridSubscription,
          offPeakHours: parseOffPeakHours(form.offPeakHours),
        },
      );
      const page = `/dashboard/installations/${data.installation.installationId}/tariffs`;
      if (answer.status === 200) return reply.redirect(`${page}?saved=subscription`, 303);
      if (answer.status === 404 || answer.status === 403) throw new NotFound();
      const ctx = contextOf(request, reply);
      return send(
        reply,
        refusalStatus(answer.status),
        tariffsPage(ctx, { ...data, subscriptionForm: form, refused: refusalOf(answer.body) }),
      );
    },
  );

  app.post<{ Params: { installationId: string } }>(
    '/installations/:installationId/subscription/remove',
    protect,
    async (request, reply) => {
      const api = signedInApi(request, reply);
      const data = await tariffsData(api, request.params.installationId);
      if (!data.meterId || field(request, 'meter') !== data.meterId) throw new NotFound();
      const answer = await api.call(
        'DELETE',
        `/installations/${data.installation.installationId}/grid-meters/${data.meterId}/subscription`,
      );
      if (answer.status === 404 || answer.status === 403) throw new NotFound();
      if (answer.status !== 204) throw new Error(`subscription removal: ${answer.status}`);
      return reply.redirect(
        `/dashboard/installations/${data.installation.installationId}/tariffs?saved=removed`,
        303,
      );
    },
  );

  app.post<{ Params: { installationId: string } }>(
    '/installations/:installationId/tariffs',
    protect,
    async (request, reply) => {
      const api = signedInApi(request, reply);
      const data = await tariffsData(api, request.params.installationId);
      if (!data.meterId || field(request, 'meter') !== data.meterId || data.unavailable)
        throw new NotFound();
      const form: PricesForm = {
        currency: field(request, 'currency'),
        from: field(request, 'from'),
        prices: Object.fromEntries(
          data.tariffs.map((tariff) => [tariff.id, field(request, `price_${tariff.id}`)]),
        ),
      };
      const ctx = contextOf(request, reply);
      const refuse = (status: number, detail: string) =>
        send(reply, status, tariffsPage(ctx, { ...data, form, refused: detail }));
      // The start of that day where the station is.
      const beginDate = dayStartIn(form.from, data.zone);
      if (!beginDate) return refuse(400, ctx.w.pricesFrom);
      const body = [];
      for (const tariff of data.tariffs) {
        const value = parsePrice(form.prices[tariff.id]!);
        if (value === undefined) return refuse(400, ctx.w.priceFor(tariffName(tariff)));
        body.push({ id: tariff.id, currency: form.currency, beginDate, value });
      }
      const answer = await api.call(
        'POST',
        `/installations/${data.installation.installationId}/grid-meters/${data.meterId}/tariffs`,
        body,
      );
      if (answer.status === 201)
        return reply.redirect(
          `/dashboard/installations/${data.installation.installationId}/tariffs?saved=1`,
          303,
        );
      if (answer.status === 404 || answer.status === 403) throw new NotFound();
      return refuse(refusalStatus(answer.status), refusalOf(answer.body));
    },
  );

  // Webhooks: the installation's event subscriptions, added and deleted through the API, and
  // each one's delivery log with redelivery.

  async function webhooksData(api: UserApi, rawId: string) {
    if (!INSTALLATION_ID.test(rawId)) throw new NotFound();
    const base = `/installations/${rawId}`;
    const installation = await api.call<InstallationItem>('GET', base);
    if (installation.status !== 200) throw new NotFound();
    const webhooks = await api.call<WebhookItem[]>('GET', `${base}/event-subscriptions`);
    // Subscriptions are for those the access table lets subscribe (docs/access.md).
    if (webhooks.status !== 200) throw new NotFound();
    return { installation: installation.body, webhooks: webhooks.body };
  }

  const webhooksPath = (installationId: string) =>
    `/dashboard/installations/${installationId}/webhooks`;

  app.get<{ Params: { installationId: string }; Querystring: { done?: string } }>(
    '/installations/:installationId/webhooks',
    async (request, reply) => {
      const api = signedInApi(request, reply);
      const data = await webhooksData(api, request.params.installationId);
      const ctx = contextOf(request, reply);
      const notice = request.query.done === 'deleted' ? ctx.w.webhookDeleted : undefined;
      return send(reply, 200, webhooksPage(ctx, { ...data, ...(notice ? { notice } : {}) }));
    },
  );

  app.post<{ Params: { installationId: string } }>(
    '/installations/:installationId/webhooks',
    protect,
    async (request, reply) => {
      const api = signedInApi(request, reply);
      const { installationId } = request.params;
      if (!INSTALLATION_ID.test(installationId)) throw new NotFound();
      const form = { endpoint: field(request, 'endpoint'), eventType: field(request, 'eventType') };
      const answer = await api.call<{ secret: string }>(
        'POST',
        `/installations/${installationId}/event-subscriptions`,
        {
          protocolCode: 'Webhook',
          protocolData: form.endpoint,
          ...(form.eventType ? { eventType: form.eventType } : {}),
        },
      );
      if (answer.status === 404 || answer.status === 403) throw new NotFound();
      const ctx = contextOf(request, reply);
      const data = await webhooksData(api, installationId);
      // The secret is shown on this answer only: it never goes into a URL.
      if (answer.status === 201)
        return send(
          reply,
          201,
          webhooksPage(ctx, { ...data, notice: ctx.w.webhookAdded, secret: answer.body.secret }),
        );
      return send(
        reply,
        refusalStatus(answer.status),
        webhooksPage(ctx, {
          ...data,
          form,
          refused: refusalOf(answer.body),
        }),
      );
    },
  );

  app.post<{ Params: { installationId: string; subscriptionId: string } }>(
    '/installations/:installationId/webhooks/:subscriptionId/delete',
    protect,
    async (request, reply) => {
      const api = signedInApi(request, reply);
      const { installationId, subscriptionId } = request.params;
      if (!INSTALLATION_ID.test(installationId) || !UUID.test(subscriptionId)) throw new NotFound();
      const answer = await api.call(
        'DELETE',
        `/installations/${installationId}/event-subscriptions/${subscriptionId}`,
      );
      if (answer.status >= 400) throw new NotFound();
      return reply.redirect(`${webhooksPath(installationId)}?done=deleted`, 303);
    },
  );

  async function deliveriesData(api: UserApi, installationId: string, subscriptionId: string) {
    if (!UUID.test(subscriptionId)) throw new NotFound();
    const { installation } = await webhooksData(api, installationId);
    const path = `/installations/${installationId}/event-subscriptions/${subscriptionId}`;
    const webhook = await api.call<WebhookItem>('GET', path);
    if (webhook.status !== 200) throw new NotFound();
    const deliveries = await api.call<DeliveryItem[]>('GET', `${path}/deliveries`);
    if (deliveries.status !== 200) throw new Error(`deliveries: ${deliveries.status}`);
    return { installation, webhook: webhook.body, deliveries: deliveries.body };
  }

  app.get<{
    Params: { installationId: string; subscriptionId: string };
    Querystring: { done?: string; refused?: string };
  }>('/installations/:installationId/webhooks/:subscriptionId', async (request, reply) => {
    const api = signedInApi(request, reply);
    const { installationId, subscriptionId } = request.params;
    const data = await deliveriesData(api, installationId, subscriptionId);
    const ctx = contextOf(request, reply);
    const { done, refused } = request.query;
    return send(
      reply,
      200,
      deliveriesPage(ctx, {
        ...data,
        ...(done === 'redelivered' ? { notice: ctx.w.redelivered } : {}),
        ...(typeof refused === 'string' && ERROR_CODE.test(refused)
          ? { refused: ctx.w.refusals[refused] ?? refused }
          : {}),
      }),
    );
  });

  app.post<{ Params: { installationId: string; subscriptionId: string; deliveryId: string } }>(
    '/installations/:installationId/webhooks/:subscriptionId/deliveries/:deliveryId/redeliver',
    protect,
    async (request, reply) => {
      const api = signedInApi(request, reply);
      const { installationId, subscriptionId, deliveryId } = request.params;
      if (
        !INSTALLATION_ID.test(installationId) ||
        !UUID.test(subscriptionId) ||
        !UUID.test(deliveryId)
      )
        throw new NotFound();
      const answer = await api.call(
        'POST',
        `/installations/${installationId}/event-subscriptions/${subscriptionId}/deliveries/${deliveryId}/operators/redeliver`,
      );
      if (answer.status === 404 || answer.status === 403) throw new NotFound();
      const page = `${webhooksPath(installationId)}/${subscriptionId}`;
      if (answer.status >= 200 && answer.status < 300)
        return reply.redirect(`${page}?done=redelivered`, 303);
      return reply.redirect(
        `${page}?refused=${codeOf(answer.body) ?? `HTTP_${answer.status}`}`,
        303,
      );
    },
  );

  // Installers: the owner invites, enables, disables and removes them; an installer accepts.

  const ACTIVATION_CODE = /^[A-Za-z0-9_-]{43}$/;

  async function sharingData(api: UserApi, rawId: string) {
    if (!INSTALLATION_ID.test(rawId)) throw new NotFound();
    const base = `/installations/${rawId}`;
    const installation = await api.call<InstallationItem>('GET', base);
    if (installation.status !== 200) throw new NotFound();
    const users = await api.call<InstallationUser[]>('GET', `${base}/users`);
    // Only the owner manages installers (an installer is answered 403).
    if (users.status !== 200) throw new NotFound();
    const invitations = await api.call<PendingInvitation[]>('GET', `${base}/invitations`);
    return {
      installation: installation.body,
      users: users.body,
      invitations: invitations.status === 200 ? invitations.body : [],
    };
  }

  app.get<{ Params: { installationId: string }; Querystring: { done?: string } }>(
    '/installations/:installationId/sharing',
    async (request, reply) => {
      const api = signedInApi(request, reply);
      const data = await sharingData(api, request.params.installationId);
      const ctx = contextOf(request, reply);
      const done = request.query.done;
      const notice =
        typeof done === 'string' && done.length < 300 ? ctx.w.invited(done) : undefined;
      return send(reply, 200, sharingPage(ctx, { ...data, ...(notice ? { notice } : {}) }));
    },
  );

  /** Sends an API change for the sharing page; back to it, or the page again with the refusal. */
  async function sharingChange(
    request: FastifyRequest<{ Params: { installationId: string } }>,
    reply: FastifyReply,
    change: (api: UserApi, base: string) => Promise<{ status: number; body: unknown }>,
    done?: string,
  ) {
    const api = signedInApi(request, reply);
    const { installationId } = request.params;
    if (!INSTALLATION_ID.test(installationId)) throw new NotFound();
    const answer = await change(api, `/installations/${installationId}`);
    if (answer.status >= 200 && answer.status < 300) {
      const query = done ? `?done=${encodeURIComponent(done)}` : '';
      return reply.redirect(`/dashboard/installations/${installationId}/sharing${query}`, 303);
    }
    if (answer.status === 404 || answer.status === 403) throw new NotFound();
    const ctx = contextOf(request, reply);
    const data = await sharingData(api, installationId);
    return send(
      reply,
      refusalStatus(answer.status),
      sharingPage(ctx, { ...data, notice: ctx.w.refusedBecause(refusalOf(answer.body)) }),
    );
  }

  app.post<{ Params: { installationId: string } }>(
    '/installations/:installationId/sharing/invite',
    protect,
    async (request, reply) => {
      const email = field(request, 'email');
      return sharingChange(
        request,
        reply,
        (api, base) =>
          api.call('POST', `${base}/invitations`, {
            email,
            cultureCode: field(request, 'cultureCode'),
          }),
        email,
      );
    },
  );

  app.post<{ Params: { installationId: string } }>(
    '/installations/:installationId/sharing/invitations/cancel',
    protect,
    async (request, reply) =>
      sharingChange(request, reply, (api, base) =>
        api.call('DELETE', `${base}/invitations/${encodeURIComponent(field(request, 'email'))}`),
      ),
  );

  app.post<{ Params: { installationId: string; accountId: string; action: string } }>(
    '/installations/:installationId/sharing/users/:accountId/:action',
    protect,
    async (request, reply) => {
      const { accountId, action } = request.params;
      if (!UUID.test(accountId) || !['disable', 'enable', 'remove'].includes(action))
        throw new NotFound();
      return sharingChange(request, reply, (api, base) =>
        action === 'remove'
          ? api.call('DELETE', `${base}/users/${accountId}`)
          : api.call('POST', `${base}/users/${accountId}/operators/${action}`),
      );
    },
  );

  app.get<{ Params: { code: string } }>('/invitations/:code', async (request, reply) => {
    // Signed in first: the page's button accepts as the person signed in.
    signedInApi(request, reply);
    const { code } = request.params;
    const invitation = ACTIVATION_CODE.test(code) ? await options.invitationOf(code) : undefined;
    if (!invitation) throw new NotFound();
    return send(
      reply,
      200,
      acceptPage(contextOf(request, reply), code, invitation.installationName),
    );
  });

  app.post<{ Params: { code: string } }>(
    '/invitations/:code/accept',
    protect,
    async (request, reply) => {
      const api = signedInApi(request, reply);
      const { code } = request.params;
      if (!ACTIVATION_CODE.test(code)) throw new NotFound();
      const answer = await api.call<{ installationId: number }>(
        'POST',
        `/invitations/operators/accept/${code}`,
      );
      if (answer.status === 200)
        return reply.redirect(`/dashboard/installations/${answer.body.installationId}`, 303);
      const invitation = await options.invitationOf(code);
      return send(
        reply,
        refusalStatus(answer.status),
        acceptPage(
          contextOf(request, reply),
          code,
          invitation?.installationName ?? '',
          refusalOf(answer.body),
        ),
      );
    },
  );

  // A command's progress, for the page's script: pending until the station answers.
  app.get<{ Params: { installationId: string; stationId: string; commandId: string } }>(
    '/installations/:installationId/stations/:stationId/commands/:commandId',
    asJson,
    async (request, reply) => {
      const api = signedInApi(request, reply);
      const { installationId, stationId, commandId } = request.params;
      if (!INSTALLATION_ID.test(installationId) || !UUID.test(stationId) || !UUID.test(commandId))
        throw new NotFound();
      const answer = await api.call<{ type: string; status: string }>(
        'GET',
        commandPath(installationId, stationId, commandId),
      );
      if (answer.status !== 200)
        return reply.status(answer.status).send({ code: codeOf(answer.body) });
      const { type, status } = answer.body;
      return reply.send({
        type,
        status,
        done: status !== 'pending',
        text: progressText(contextOf(request, reply).w, type, status),
      });
    },
  );
}
