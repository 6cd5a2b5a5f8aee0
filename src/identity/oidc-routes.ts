import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type Provider from 'oidc-provider';
import type { SignInThrottle } from '../http/attempt-limiter.js';
import { API_SCOPE, escapeHtml } from './oidc.js';
import { normalizeEmail, type IdentityService } from './service.js';

/**
 * Serves the OpenID provider (a Koa app) under /oauth2 and the discovery document, and the
 * login and consent pages of its interactions.
 */
export async function registerOidcRoutes(
  app: FastifyInstance,
  deps: { provider: Provider; identity: IdentityService; signIn: SignInThrottle },
): Promise<void> {
  const { provider, identity, signIn } = deps;
  const callback = provider.callback();

  await app.register(async (scope) => {
    // The provider reads request bodies itself: leave the stream untouched here.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
    const forward = (request: FastifyRequest, reply: FastifyReply) => {
      reply.hijack();
      // The provider writes the answer itself: the headers go on the raw response.
      for (const [name, value] of Object.entries(reply.getHeaders())) {
        if (value !== undefined) reply.raw.setHeader(name, value);
      }
      reply.raw.setHeader('x-frame-options', 'DENY');
      reply.raw.setHeader('content-security-policy', "frame-ancestors 'none'");
      void callback(request.raw, reply.raw);
    };
    scope.all('/oauth2/*', forward);
    scope.get('/.well-known/openid-configuration', forward);
  });

  await app.register(async (scope) => {
    const { default: formbody } = await import('@fastify/formbody');
    await scope.register(formbody);
    // The sign-in and consent pages are never framed (clickjacking).
    scope.addHook('onRequest', async (_request, reply) => {
      reply.header('x-frame-options', 'DENY');
      reply.header('content-security-policy', "frame-ancestors 'none'");
    });

    scope.get<{ Params: { uid: string } }>('/interaction/:uid', async (request, reply) => {
      const details = await provider.interactionDetails(request.raw, reply.raw);
      const client = await provider.Client.find(String(details.params.client_id));
      const clientName = client?.clientName ?? String(details.params.client_id);
      if (details.prompt.name === 'login') {
        return reply.type('text/html').send(loginPage(details.uid, clientName));
      }
      const scope = details.params.scope;
      const scopes = (typeof scope === 'string' ? scope : '').split(' ').filter(Boolean);
      return reply.type('text/html').send(consentPage(details.uid, clientName, scopes));
    });

    scope.post<{ Params: { uid: string }; Body: { email?: string; password?: string } }>(
      '/interaction/:uid/login',
      async (request, reply) => {
        const details = await provider.interactionDetails(request.raw, reply.raw);
        const email = String(request.body?.email ?? '');
        const clientName = async () =>
          (await provider.Client.find(String(details.params.client_id)))?.clientName ?? '';
        // Failures are counted per account and per address; past a few, each try waits longer.
        const accountKey = `account:${normalizeEmail(email)}`;
        const keys = [accountKey, `address:${request.ip}`];
        const wait = signIn.retryAfter(keys);
        if (wait > 0) {
          request.log.warn({ email: normalizeEmail(email), retryAfter: wait }, 'sign-in throttled');
          return reply
            .status(429)
            .header('retry-after', String(wait))
            .type('text/html')
            .send(
              loginPage(
                details.uid,
                await clientName(),
                `Too many failed attempts. Try again in ${wait} s.`,
                email,
              ),
            );
        }
        const account = await identity.authenticate(email, String(request.body?.password ?? ''));
        if (!account) {
          signIn.failed(keys);
          request.log.info({ email: normalizeEmail(email) }, 'sign-in failed');
          return reply
            .status(401)
            .type('text/html')
            .send(loginPage(details.uid, await clientName(), 'Wrong e-mail or password.', email));
        }
        signIn.succeeded(accountKey);
        const redirectTo = await provider.interactionResult(
          request.raw,
          reply.raw,
          { login: { accountId: account.accountId } },
          { mergeWithLastSubmission: false },
        );
        return reply.redirect(redirectTo, 303);
      },
    );

    scope.post<{ Params: { uid: string } }>('/interaction/:uid/consent', async (request, reply) => {
      const details = await provider.interactionDetails(request.raw, reply.raw);
      const accountId = details.session?.accountId;
      const clientId = String(details.params.client_id);
      if (!accountId) return reply.status(400).type('text/html').send('Sign in first.');
      const grant = details.grantId
        ? await provider.Grant.find(details.grantId)
        : new provider.Grant({ accountId, clientId });
      if (!grant) return reply.status(400).type('text/html').send('Authorization expired.');
      const missing = details.prompt.details as {
        missingOIDCScope?: string[];
        missingOIDCClaims?: string[];
        missingResourceScopes?: Record<string, string[]>;
      };
      if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
      if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
      for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
        grant.addResourceScope(indicator, scopes.join(' '));
      }
      const grantId = await grant.save();
      const redirectTo = await provider.interactionResult(
        request.raw,
        reply.raw,
        { consent: { grantId } },
        { mergeWithLastSubmission: true },
      );
      return reply.redirect(redirectTo, 303);
    });

    scope.get<{ Params: { uid: string } }>('/interaction/:uid/abort', async (request, reply) => {
      const redirectTo = await provider.interactionResult(
        request.raw,
        reply.raw,
        { error: 'access_denied', error_description: 'The user refused the authorization.' },
        { mergeWithLastSubmission: false },
      );
      return reply.redirect(redirectTo, 303);
    });
  });
}

const STYLE = `body{font-family:system-ui,sans-serif;max-width:26rem;margin:4rem auto;padding:0 1rem;color:#1d2733}
h1{font-size:1.4rem}label{display:block;margin:.8rem 0 .2rem}input{width:100%;padding:.5rem;box-sizing:border-box}
button{margin-top:1rem;padding:.6rem 1.2rem;background:#00557f;color:#fff;border:0;border-radius:4px;cursor:pointer}
.error{color:#b00020}a{color:#00557f}`;

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)} · Witty-Home</title><style>${STYLE}</style></head><body>${body}</body></html>`;
}

function loginPage(uid: string, clientName: string, error?: string, email = ''): string {
  return page(
    'Sign in',
    `<h1>Sign in to Witty-Home</h1><p>${escapeHtml(clientName)} asks to use your Witty-Home account.</p>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${escapeHtml(uid)}/login">
<label for="email">E-mail</label><input id="email" name="email" type="email" autocomplete="username" required value="${escapeHtml(email)}">
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button></form>
<p><a href="/interaction/${escapeHtml(uid)}/abort">Cancel</a></p>`,
  );
}

const SCOPE_TEXT: Record<string, string> = {
  openid: 'Know who you are',
  email: 'See your e-mail address',
  profile: 'See your name',
  offline_access: 'Stay connected when you are away',
  [API_SCOPE]: 'Read and command your installations, charging stations and grid meter',
};

function consentPage(uid: string, clientName: string, scopes: string[]): string {
  const items = scopes.map((s) => `<li>${escapeHtml(SCOPE_TEXT[s] ?? s)}</li>`).join('');
  return page(
    'Authorize',
    `<h1>Authorize ${escapeHtml(clientName)}</h1><p>${escapeHtml(clientName)} will be able to:</p><ul>${items}</ul>
<form method="post" action="/interaction/${escapeHtml(uid)}/consent"><button type="submit">Allow</button></form>
<p><a href="/interaction/${escapeHtml(uid)}/abort">Deny</a></p>`,
  );
}
