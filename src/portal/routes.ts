import { readFileSync } from 'node:fs';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SignInThrottle } from '../http/attempt-limiter.js';
import { packageFile } from '../http/package-root.js';
import { normalizeEmail, type Account } from '../identity/index.js';
import type { MailRow } from '../mail/index.js';
import { isLanguage, languageOf, MAIL_CULTURE_OF, MESSAGES } from './i18n.js';
import type { PageContext } from './layout.js';
import {
  checkMailPage,
  forgotPage,
  linkFailedPage,
  resetPage,
  signInPage,
  signUpPage,
} from './pages/account.js';
import { accountsPage, adminPage, subscriptionsPage } from './pages/admin.js';
import { clientsPage } from './pages/clients.js';
import {
  devicesPage,
  webhookPage,
  webhooksPage,
  type AdminDelivery,
  type AdminDevice,
  type AdminWebhook,
  type ProvisionOutcome,
} from './pages/operations.js';
import { messagePage } from './pages/errors.js';
import { mailboxPage, mailPage } from './pages/mailbox.js';
import { homePage, productsPage, profilePage } from './pages/partner.js';
import { FormRejected, PortalRefusal, type PortalService } from './service.js';

/** What the portal's pages need. */
export interface PortalRouteOptions {
  portal: PortalService;
  mail: {
    list(options: { to?: string; limit: number }): Promise<MailRow[]>;
    find(id: string): Promise<MailRow | undefined>;
  };
  signIn: SignInThrottle;
  publicUrl: string;
  openMailbox: boolean;
  /** The device registry, for administrators. */
  devices: {
    list(): Promise<AdminDevice[]>;
    /** Provisions a device: its uid and password, or why not. */
    provision(input: {
      serialNumber: string;
      uid?: string;
      macAddress?: string;
    }): Promise<{ uid: string; password: string } | { refused: string }>;
  };
  /** Every webhook subscription and its delivery log, for administrators. */
  webhooks: {
    list(): Promise<Omit<AdminWebhook, 'recent'>[]>;
    /** The newest deliveries of a subscription; undefined when there is no such subscription. */
    deliveries(subscriptionId: string, limit: number): Promise<AdminDelivery[] | undefined>;
    /** Makes a delivery due again; false when there is no such delivery. */
    redeliver(subscriptionId: string, deliveryId: string): Promise<boolean>;
  };
  /** The sandbox of an approved subscription: a token of its owner, and where its station is. */
  sandboxAccess(
    developer: Account,
    subscriptionId: string,
  ): Promise<{
    accessToken: string;
    expiresIn: number;
    installationId: number;
    chargingStationId: string | null;
  }>;
}

const SESSION_COOKIE = 'witty_session';
const LANGUAGE_COOKIE = 'witty_lang';
const LINK_TOKEN = /^[A-Za-z0-9_-]{43}$/;
const ID = /^[A-Za-z0-9-]{1,64}$/;

// The portal's client code and style, in web/ at the package root.
const ASSETS: Record<string, { type: string; body: Buffer }> = {
  'portal.css': {
    type: 'text/css; charset=utf-8',
    body: readFileSync(packageFile('web', 'portal.css')),
  },
  'portal.js': {
    type: 'text/javascript; charset=utf-8',
    body: readFileSync(packageFile('web', 'portal.js')),
  },
};

// Pages load only their own scripts and styles, submit only here, and are never framed.
const PAGE_POLICY =
  "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** A path inside the portal to go back to (never another site). */
function localPath(value: unknown, fallback: string): string {
  return typeof value === 'string' && /^\/(?![/\\])[^\s]*$/.test(value) && value.length < 500
    ? value
    : fallback;
}

/**
 * The page a request shows, for the navigation and the language switch: the path itself for a
 * GET, and for a form's POST the page the form belongs to (an action is not a page to return to).
 */
function pagePathOf(method: string, url: string): string {
  const path = url.split('?')[0] ?? '/';
  if (method === 'GET' || method === 'HEAD') return path;
  const [first = '', second = ''] = path.split('/').filter(Boolean);
  if (first === 'admin') return `/admin/${second}`;
  if (first === 'password') return path;
  return `/${first}`;
}

type Body = Record<string, string | undefined>;

function bodyOf(request: FastifyRequest): Body {
  const body = request.body;
  if (!body || typeof body !== 'object') return {};
  const out: Body = {};
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
    if (typeof value === 'string') out[key] = value;
  }
  return out;
}

/**
 * The developer portal: server-rendered pages in English and French, sessions in HttpOnly
 * cookies, a CSRF token in every form.
 */
export async function portalRoutes(app: FastifyInstance, options: PortalRouteOptions) {
  const { portal, signIn } = options;
  const secure = options.publicUrl.startsWith('https:');
  const cookieOptions = { path: '/', httpOnly: true, sameSite: 'lax' as const, secure };

  await app.register((await import('@fastify/cookie')).default);
  await app.register((await import('@fastify/formbody')).default, { bodyLimit: 16 * 1024 });
  await app.register((await import('@fastify/csrf-protection')).default, {
    cookieKey: 'witty_csrf',
    cookieOpts: cookieOptions,
  });

  app.addHook('onRequest', async (_request, reply) => {
    reply.header('content-security-policy', PAGE_POLICY);
    reply.header('x-frame-options', 'DENY');
    reply.header('cache-control', 'no-store');
  });

  /** The page context of a request: its language, its account, a CSRF token for its forms. */
  async function contextOf(request: FastifyRequest, reply: FastifyReply): Promise<PageContext> {
    const lang = languageOf(request.cookies[LANGUAGE_COOKIE], request.headers['accept-language']);
    const account = await portal.sessionAccount(request.cookies[SESSION_COOKIE]);
    return {
      t: MESSAGES[lang],
      lang,
      account,
      csrf: reply.generateCsrf(),
      path: pagePathOf(request.method, request.url),
      openMailbox: options.openMailbox,
    };
  }

  const send = (reply: FastifyReply, status: number, markup: string) =>
    reply.status(status).type('text/html; charset=utf-8').send(markup);

  /** The signed-in account, or a redirect to sign in (undefined: the reply is sent). */
  async function requireAccount(
    request: FastifyRequest,
    reply: FastifyReply,
    ctx: PageContext,
    role?: Account['role'],
  ): Promise<Account | undefined> {
    if (!ctx.account) {
      const next = encodeURIComponent(request.url);
      await reply.redirect(`/signin?next=${next}`, 303);
      return undefined;
    }
    if (role && ctx.account.role !== role) {
      await send(reply, 403, messagePage(ctx, ctx.t.forbiddenTitle, ctx.t.forbiddenText));
      return undefined;
    }
    return ctx.account;
  }

  app.setErrorHandler(
    async (error: Error & { code?: string; statusCode?: number }, request, reply) => {
      const ctx = await contextOf(request, reply);
      if (error.code === 'FST_CSRF_INVALID_TOKEN' || error.code === 'FST_CSRF_MISSING_SECRET')
        return send(reply, 403, messagePage(ctx, ctx.t.csrfTitle, ctx.t.csrfText));
      if (error instanceof PortalRefusal && error.reason === 'notFound')
        return send(reply, 404, messagePage(ctx, ctx.t.notFoundTitle, ctx.t.notFoundText));
      if (error instanceof PortalRefusal)
        return send(reply, 403, messagePage(ctx, ctx.t.forbiddenTitle, ctx.t.forbiddenText));
      if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500)
        return send(reply, error.statusCode, messagePage(ctx, ctx.t.csrfTitle, ctx.t.csrfText));
      request.log.error({ err: error }, 'portal page failed');
      return send(reply, 500, messagePage(ctx, 'Error', 'Something went wrong. Try again.'));
    },
  );

  // Every form posts its token: checked once the body is parsed.
  const protect = { preHandler: app.csrfProtection.bind(app) };

  app.get<{ Params: { name: string } }>('/assets/:name', async (request, reply) => {
    const asset = ASSETS[request.params.name];
    if (!asset) {
      const ctx = await contextOf(request, reply);
      return send(reply, 404, messagePage(ctx, ctx.t.notFoundTitle, ctx.t.notFoundText));
    }
    return reply.header('cache-control', 'public, max-age=3600').type(asset.type).send(asset.body);
  });

  app.get('/', async (request, reply) => {
    const ctx = await contextOf(request, reply);
    return send(reply, 200, homePage(ctx, options.publicUrl));
  });

  app.get<{ Params: { lang: string }; Querystring: { back?: string } }>(
    '/language/:lang',
    async (request, reply) => {
      const back = localPath(request.query.back, '/');
      if (isLanguage(request.params.lang)) {
        reply.setCookie(LANGUAGE_COOKIE, request.params.lang, {
          ...cookieOptions,
          httpOnly: false,
          maxAge: 365 * 86400,
        });
      }
      return reply.redirect(back, 303);
    },
  );

  // Sign-up, address confirmation, sign-in and out, password reset.

  app.get('/signup', async (request, reply) => {
    const ctx = await contextOf(request, reply);
    return send(reply, 200, signUpPage(ctx));
  });

  app.post('/signup', protect, async (request, reply) => {
    const ctx = await contextOf(request, reply);
    const body = bodyOf(request);
    try {
      const { email } = await portal.signUp({
        firstName: body.firstName,
        lastName: body.lastName,
        email: body.email,
        password: body.password,
        culture: MAIL_CULTURE_OF[ctx.lang],
      });
      return send(reply, 200, checkMailPage(ctx, email));
    } catch (error) {
      if (error instanceof FormRejected)
        return send(reply, 400, signUpPage(ctx, body, error.problems));
      throw error;
    }
  });

  app.get<{ Params: { token: string } }>('/confirm/:token', async (request, reply) => {
    const ctx = await contextOf(request, reply);
    const { token } = request.params;
    const outcome = LINK_TOKEN.test(token) ? await portal.confirmEmail(token) : 'unknown';
    if (outcome === 'done')
      return send(reply, 200, signInPage(ctx, { notice: ctx.t.confirmedText }));
    return send(reply, outcome === 'unknown' ? 404 : 410, linkFailedPage(ctx, outcome));
  });

  app.get<{ Querystring: { next?: string } }>('/signin', async (request, reply) => {
    const ctx = await contextOf(request, reply);
    const next = localPath(request.query.next, '');
    return send(reply, 200, signInPage(ctx, next ? { next } : {}));
  });

  app.post('/signin', protect, async (request, reply) => {
    const ctx = await contextOf(request, reply);
    const body = bodyOf(request);
    const email = normalizeEmail(body.email ?? '');
    const next = localPath(body.next, '');
    const again = (status: number, error: string) =>
      send(reply, status, signInPage(ctx, { email, error, ...(next ? { next } : {}) }));
    if (!email || !body.password) {
      const problems = [
        ...(email ? [] : [{ field: 'email', problem: 'required' as const }]),
        ...(body.password ? [] : [{ field: 'password', problem: 'required' as const }]),
      ];
      return send(reply, 400, signInPage(ctx, { email, problems, ...(next ? { next } : {}) }));
    }
    // Failures are counted per account and per address; past a few, each try waits longer.
    const keys = [`account:${email}`, `address:${request.ip}`];
    const wait = signIn.retryAfter(keys);
    if (wait > 0) {
      reply.header('retry-after', String(wait));
      return again(429, ctx.t.throttled(wait));
    }
    const result = await portal.signIn(email, body.password);
    if ('refused' in result) {
      if (result.refused === 'badCredentials') {
        signIn.failed(keys);
        return again(401, ctx.t.badCredentials);
      }
      return again(
        403,
        result.refused === 'notConfirmed' ? ctx.t.notConfirmed : ctx.t.dashboardAccount,
      );
    }
    signIn.succeeded(`account:${email}`);
    const token = await portal.openSession(result.account.accountId);
    reply.setCookie(SESSION_COOKIE, token, cookieOptions);
    return reply.redirect(next || (result.account.role === 'admin' ? '/admin' : '/profile'), 303);
  });

  app.post('/signout', protect, async (request, reply) => {
    await portal.closeSession(request.cookies[SESSION_COOKIE]);
    reply.clearCookie(SESSION_COOKIE, cookieOptions);
    return reply.redirect('/', 303);
  });

  app.get('/password/forgot', async (request, reply) => {
    const ctx = await contextOf(request, reply);
    return send(reply, 200, forgotPage(ctx));
  });

  app.post('/password/forgot', protect, async (request, reply) => {
    const ctx = await contextOf(request, reply);
    const body = bodyOf(request);
    try {
      const { email } = await portal.requestPasswordReset(body.email);
      return send(reply, 200, forgotPage(ctx, { sentTo: email }));
    } catch (error) {
      if (error instanceof FormRejected)
        return send(reply, 400, forgotPage(ctx, { email: body.email, problems: error.problems }));
      throw error;
    }
  });

  app.get<{ Params: { token: string } }>('/password/reset/:token', async (request, reply) => {
    const ctx = await contextOf(request, reply);
    const { token } = request.params;
    const state = LINK_TOKEN.test(token)
      ? await portal.linkState(token, 'reset-password')
      : 'unknown';
    if (state !== 'done')
      return send(reply, state === 'unknown' ? 404 : 410, linkFailedPage(ctx, state));
    return send(reply, 200, resetPage(ctx, token));
  });

  app.post<{ Params: { token: string } }>(
    '/password/reset/:token',
    protect,
    async (request, reply) => {
      const ctx = await contextOf(request, reply);
      const { token } = request.params;
      if (!LINK_TOKEN.test(token)) return send(reply, 404, linkFailedPage(ctx, 'unknown'));
      try {
        const outcome = await portal.resetPassword(token, bodyOf(request).password);
        if (outcome !== 'done')
          return send(reply, outcome === 'unknown' ? 404 : 410, linkFailedPage(ctx, outcome));
        reply.clearCookie(SESSION_COOKIE, cookieOptions);
        return send(
          reply,
          200,
          signInPage({ ...ctx, account: undefined }, { notice: ctx.t.resetDone }),
        );
      } catch (error) {
        if (error instanceof FormRejected)
          return send(reply, 400, resetPage(ctx, token, error.problems));
        throw error;
      }
    },
  );

  // Products, subscriptions and keys.

  app.get('/products', async (request, reply) => {
    const ctx = await contextOf(request, reply);
    return send(reply, 200, productsPage(ctx, await portal.products()));
  });

  app.post<{ Params: { productId: string } }>(
    '/products/:productId/subscribe',
    protect,
    async (request, reply) => {
      const ctx = await contextOf(request, reply);
      const account = await requireAccount(request, reply, ctx);
      if (!account) return reply;
      const { productId } = request.params;
      if (account.role !== 'developer' && account.role !== 'admin')
        return send(reply, 403, messagePage(ctx, ctx.t.forbiddenTitle, ctx.t.forbiddenText));
      try {
        const state = await portal.subscribe(
          account,
          productId,
          bodyOf(request)[`name-${productId}`],
        );
        const notice = state === 'pending' ? ctx.t.subscribedPending : ctx.t.subscribedApproved;
        return send(
          reply,
          201,
          profilePage(ctx, await portal.subscriptionsOf(account), { notice }),
        );
      } catch (error) {
        if (error instanceof FormRejected)
          return send(
            reply,
            400,
            productsPage(ctx, await portal.products(), { problems: error.problems, productId }),
          );
        throw error;
      }
    },
  );

  app.get('/profile', async (request, reply) => {
    const ctx = await contextOf(request, reply);
    const account = await requireAccount(request, reply, ctx);
    if (!account) return reply;
    return send(reply, 200, profilePage(ctx, await portal.subscriptionsOf(account)));
  });

  app.post<{ Params: { id: string } }>(
    '/profile/subscriptions/:id/name',
    protect,
    async (request, reply) => {
      const ctx = await contextOf(request, reply);
      const account = await requireAccount(request, reply, ctx);
      if (!account) return reply;
      const { id } = request.params;
      if (!ID.test(id)) throw new PortalRefusal('notFound');
      try {
        await portal.renameSubscription(account, id, bodyOf(request)[`name-${id}`]);
      } catch (error) {
        if (!(error instanceof FormRejected)) throw error;
        return send(
          reply,
          400,
          profilePage(ctx, await portal.subscriptionsOf(account), {
            notice: ctx.t.fieldRequired(ctx.t.subscriptionName),
          }),
        );
      }
      return send(
        reply,
        200,
        profilePage(ctx, await portal.subscriptionsOf(account), { notice: ctx.t.renamed }),
      );
    },
  );

  app.post<{ Params: { id: string; slot: string } }>(
    '/profile/subscriptions/:id/keys/:slot',
    protect,
    async (request, reply) => {
      const ctx = await contextOf(request, reply);
      const account = await requireAccount(request, reply, ctx);
      if (!account) return reply;
      const { id, slot } = request.params;
      if (!ID.test(id) || (slot !== 'primary' && slot !== 'secondary'))
        throw new PortalRefusal('notFound');
      const key = await portal.regenerateKey(account, id, slot);
      return send(
        reply,
        200,
        profilePage(ctx, await portal.subscriptionsOf(account), {
          newKey: { subscriptionId: id, slot, key },
        }),
      );
    },
  );

  // OAuth clients of a developer's apps.

  /** A developer or an administrator (who may build apps too), or the reply is sent. */
  async function requireDeveloper(request: FastifyRequest, reply: FastifyReply, ctx: PageContext) {
    const account = await requireAccount(request, reply, ctx);
    if (!account) return undefined;
    if (account.role !== 'developer' && account.role !== 'admin') {
      await send(reply, 403, messagePage(ctx, ctx.t.forbiddenTitle, ctx.t.forbiddenText));
      return undefined;
    }
    return account;
  }

  app.get('/clients', async (request, reply) => {
    const ctx = await contextOf(request, reply);
    const account = await requireDeveloper(request, reply, ctx);
    if (!account) return reply;
    return send(reply, 200, clientsPage(ctx, await portal.clientsOf(account)));
  });

  app.post('/clients', protect, async (request, reply) => {
    const ctx = await contextOf(request, reply);
    const account = await requireDeveloper(request, reply, ctx);
    if (!account) return reply;
    const body = bodyOf(request);
    try {
      const { clientId, secret } = await portal.registerClient(account, {
        name: body.clientName,
        redirectUris: body.redirectUris,
        type: body.type,
      });
      const created = { name: (body.clientName ?? '').trim(), clientId, secret };
      return send(reply, 201, clientsPage(ctx, await portal.clientsOf(account), { created }));
    } catch (error) {
      if (!(error instanceof FormRejected)) throw error;
      return send(
        reply,
        400,
        clientsPage(ctx, await portal.clientsOf(account), {
          values: body,
          problems: error.problems,
        }),
      );
    }
  });

  app.post<{ Params: { clientId: string } }>(
    '/clients/:clientId/delete',
    protect,
    async (request, reply) => {
      const ctx = await contextOf(request, reply);
      const account = await requireDeveloper(request, reply, ctx);
      if (!account) return reply;
      if (!ID.test(request.params.clientId)) throw new PortalRefusal('notFound');
      await portal.deleteClient(account, request.params.clientId);
      return send(
        reply,
        200,
        clientsPage(ctx, await portal.clientsOf(account), { notice: ctx.t.clientDeleted }),
      );
    },
  );

  // What the API reference's try-it calls with: the subscription's sandbox owner (JSON, for the
  // reference page of the same origin; another origin cannot read it).
  app.get<{ Params: { id: string } }>(
    '/profile/subscriptions/:id/sandbox',
    async (request, reply) => {
      const account = await portal.sessionAccount(request.cookies[SESSION_COOKIE]);
      if (!account)
        return reply
          .status(401)
          .send({ code: 'SIGN_IN_REQUIRED', detail: 'Sign in to the portal first.' });
      const { id } = request.params;
      if (!ID.test(id)) throw new PortalRefusal('notFound');
      const subscription = await portal.approvedSubscription(account, id);
      const access = await options.sandboxAccess(account, subscription.id);
      return reply.send({
        subscriptionId: subscription.id,
        subscriptionName: subscription.name,
        ...access,
      });
    },
  );

  // Administration.

  app.get('/admin', async (request, reply) => {
    const ctx = await contextOf(request, reply);
    if (!(await requireAccount(request, reply, ctx, 'admin'))) return reply;
    return send(reply, 200, adminPage(ctx));
  });

  app.get('/admin/subscriptions', async (request, reply) => {
    const ctx = await contextOf(request, reply);
    if (!(await requireAccount(request, reply, ctx, 'admin'))) return reply;
    return send(reply, 200, subscriptionsPage(ctx, await portal.subscriptionQueue()));
  });

  app.post<{ Params: { id: string; decision: string } }>(
    '/admin/subscriptions/:id/:decision',
    protect,
    async (request, reply) => {
      const ctx = await contextOf(request, reply);
      if (!(await requireAccount(request, reply, ctx, 'admin'))) return reply;
      const { id, decision } = request.params;
      if (!ID.test(id) || (decision !== 'approve' && decision !== 'reject'))
        throw new PortalRefusal('notFound');
      try {
        const { name } = await portal.decide(
          id,
          decision === 'approve' ? 'approved' : 'rejected',
          bodyOf(request).reason,
        );
        const notice =
          decision === 'approve' ? ctx.t.approvedNotice(name) : ctx.t.rejectedNotice(name);
        return send(reply, 200, subscriptionsPage(ctx, await portal.subscriptionQueue(), notice));
      } catch (error) {
        if (error instanceof PortalRefusal && error.reason === 'alreadyDecided')
          return send(
            reply,
            409,
            subscriptionsPage(ctx, await portal.subscriptionQueue(), ctx.t.alreadyDecided),
          );
        throw error;
      }
    },
  );

  app.get('/admin/accounts', async (request, reply) => {
    const ctx = await contextOf(request, reply);
    if (!(await requireAccount(request, reply, ctx, 'admin'))) return reply;
    return send(reply, 200, accountsPage(ctx, await portal.accounts()));
  });

  app.post<{ Params: { id: string; action: string } }>(
    '/admin/accounts/:id/:action',
    protect,
    async (request, reply) => {
      const ctx = await contextOf(request, reply);
      const admin = await requireAccount(request, reply, ctx, 'admin');
      if (!admin) return reply;
      const { id, action } = request.params;
      if (!ID.test(id) || (action !== 'disable' && action !== 'enable'))
        throw new PortalRefusal('notFound');
      try {
        await portal.setAccountEnabled(admin, id, action === 'enable');
      } catch (error) {
        if (error instanceof PortalRefusal && error.reason === 'self')
          return send(
            reply,
            409,
            accountsPage(ctx, await portal.accounts(), ctx.t.cannotDisableSelf),
          );
        throw error;
      }
      return send(reply, 200, accountsPage(ctx, await portal.accounts()));
    },
  );

  app.get('/admin/devices', async (request, reply) => {
    const ctx = await contextOf(request, reply);
    if (!(await requireAccount(request, reply, ctx, 'admin'))) return reply;
    return send(reply, 200, devicesPage(ctx, await options.devices.list()));
  });

  /** Provisions devices one after the other; what was made and what was refused, by line. */
  async function provisionAll(
    entries: { line: number | null; serialNumber: string; uid?: string; macAddress?: string }[],
  ): Promise<ProvisionOutcome> {
    const outcome: ProvisionOutcome = { provisioned: [], refused: [] };
    for (const { line, ...input } of entries) {
      const result = await options.devices.provision(input);
      if ('refused' in result) outcome.refused.push({ line, message: result.refused });
      else outcome.provisioned.push(result);
    }
    return outcome;
  }

  app.post('/admin/devices', protect, async (request, reply) => {
    const ctx = await contextOf(request, reply);
    if (!(await requireAccount(request, reply, ctx, 'admin'))) return reply;
    const body = bodyOf(request);
    const serialNumber = (body.serialNumber ?? '').trim();
    const uid = (body.uid ?? '').trim();
    const macAddress = (body.macAddress ?? '').trim();
    const outcome = serialNumber
      ? await provisionAll([
          {
            line: null,
            serialNumber,
            ...(uid ? { uid } : {}),
            ...(macAddress ? { macAddress } : {}),
          },
        ])
      : {
          provisioned: [],
          refused: [{ line: null, message: ctx.t.fieldRequired(ctx.t.serialNumber) }],
        };
    const status = outcome.provisioned.length > 0 ? 201 : 400;
    return send(
      reply,
      status,
      devicesPage(ctx, await options.devices.list(), {
        outcome,
        ...(status === 400 ? { values: body } : {}),
      }),
    );
  });

  app.post('/admin/devices/batch', protect, async (request, reply) => {
    const ctx = await contextOf(request, reply);
    if (!(await requireAccount(request, reply, ctx, 'admin'))) return reply;
    const body = bodyOf(request);
    const lines = (body.csv ?? '').split(/\r?\n/);
    const entries = lines
      .map((text, index) => ({ text: text.trim(), line: index + 1 }))
      .filter(({ text, line }) => text !== '' && !(line === 1 && /^serial/i.test(text)))
      .map(({ text, line }) => {
        const [serialNumber = '', uid = '', macAddress = ''] = text.split(',').map((f) => f.trim());
        return {
          line,
          serialNumber,
          ...(uid ? { uid } : {}),
          ...(macAddress ? { macAddress } : {}),
        };
      });
    let outcome: ProvisionOutcome;
    if (entries.length === 0)
      outcome = {
        provisioned: [],
        refused: [{ line: null, message: ctx.t.fieldRequired(ctx.t.batchLabel) }],
      };
    else if (entries.length > 1000)
      outcome = { provisioned: [], refused: [{ line: null, message: ctx.t.tooManyLines }] };
    else outcome = await provisionAll(entries);
    const status = outcome.provisioned.length > 0 ? 201 : 400;
    return send(
      reply,
      status,
      devicesPage(ctx, await options.devices.list(), {
        outcome,
        ...(status === 400 ? { values: body } : {}),
      }),
    );
  });

  /** The webhook subscriptions with the outcome of their last 20 deliveries. */
  async function webhooksWithRecent(): Promise<AdminWebhook[]> {
    const subscriptions = await options.webhooks.list();
    return Promise.all(
      subscriptions.map(async (subscription) => {
        const deliveries =
          (await options.webhooks.deliveries(subscription.eventSubscriptionId, 20)) ?? [];
        const count = (state: string) => deliveries.filter((d) => d.state === state).length;
        return {
          ...subscription,
          recent: {
            failed: count('failed'),
            pending: count('pending'),
            delivered: count('delivered'),
          },
        };
      }),
    );
  }

  app.get('/admin/webhooks', async (request, reply) => {
    const ctx = await contextOf(request, reply);
    if (!(await requireAccount(request, reply, ctx, 'admin'))) return reply;
    return send(reply, 200, webhooksPage(ctx, await webhooksWithRecent()));
  });

  async function webhookDetail(ctx: PageContext, id: string, notice?: string) {
    if (!ID.test(id)) throw new PortalRefusal('notFound');
    const webhook = (await options.webhooks.list()).find((w) => w.eventSubscriptionId === id);
    const deliveries = await options.webhooks.deliveries(id, 100);
    if (!webhook || !deliveries) throw new PortalRefusal('notFound');
    return webhookPage(ctx, webhook, deliveries, notice);
  }

  app.get<{ Params: { id: string } }>('/admin/webhooks/:id', async (request, reply) => {
    const ctx = await contextOf(request, reply);
    if (!(await requireAccount(request, reply, ctx, 'admin'))) return reply;
    return send(reply, 200, await webhookDetail(ctx, request.params.id));
  });

  app.post<{ Params: { id: string; deliveryId: string } }>(
    '/admin/webhooks/:id/deliveries/:deliveryId/redeliver',
    protect,
    async (request, reply) => {
      const ctx = await contextOf(request, reply);
      if (!(await requireAccount(request, reply, ctx, 'admin'))) return reply;
      const { id, deliveryId } = request.params;
      if (
        !ID.test(id) ||
        !ID.test(deliveryId) ||
        !(await options.webhooks.redeliver(id, deliveryId))
      )
        throw new PortalRefusal('notFound');
      return send(reply, 200, await webhookDetail(ctx, id, ctx.t.redelivered));
    },
  );

  // The mailbox: the local outbox as a mail catcher.

  /** Which mails the caller may read: all, those to one address, or none (sent to sign in). */
  async function mailboxScope(request: FastifyRequest, reply: FastifyReply, ctx: PageContext) {
    if (options.openMailbox) return { scope: 'open' as const, to: undefined };
    const account = await requireAccount(request, reply, ctx);
    if (!account) return undefined;
    return account.role === 'admin'
      ? { scope: 'all' as const, to: undefined }
      : { scope: 'own' as const, to: account.email };
  }

  app.get('/mailbox', async (request, reply) => {
    const ctx = await contextOf(request, reply);
    const scope = await mailboxScope(request, reply, ctx);
    if (!scope) return reply;
    const mails = await options.mail.list({ ...(scope.to ? { to: scope.to } : {}), limit: 200 });
    return send(reply, 200, mailboxPage(ctx, mails, scope.scope));
  });

  async function readableMail(
    request: FastifyRequest<{ Params: { id: string } }>,
    reply: FastifyReply,
    ctx: PageContext,
  ) {
    const scope = await mailboxScope(request, reply, ctx);
    if (!scope) return undefined;
    const { id } = request.params;
    const mail = ID.test(id) ? await options.mail.find(id) : undefined;
    if (!mail || (scope.to && mail.to_address !== scope.to)) throw new PortalRefusal('notFound');
    return mail;
  }

  app.get<{ Params: { id: string } }>('/mailbox/:id', async (request, reply) => {
    const ctx = await contextOf(request, reply);
    const mail = await readableMail(request, reply, ctx);
    if (!mail) return reply;
    return send(reply, 200, mailPage(ctx, mail));
  });

  app.get<{ Params: { id: string } }>('/mailbox/:id/html', async (request, reply) => {
    const ctx = await contextOf(request, reply);
    const mail = await readableMail(request, reply, ctx);
    if (!mail) return reply;
    // The mail's own markup, in a sandbox: no script runs, nothing is loaded.
    reply.header(
      'content-security-policy',
      "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:",
    );
    return send(reply, 200, mail.html);
  });
}
