import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ApiError } from '../errors.js';
import { escapeHtml } from '../identity/index.js';
import { ActivationParamsSchema } from './schemas.js';
import type { SharingService } from './service.js';

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:44rem;margin:3rem auto;padding:0 1rem;color:#1d2733}code{background:#eef2f5;padding:.1rem .3rem;word-break:break-all}</style></head>
<body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
}

/**
 * The page behind the invitation link, until the portal (issue #12) has its own: it says what
 * the invitation is and how to accept it. Opening it never uses the code (mail scanners open
 * links); only the API call accepts.
 */
export const invitationPageRoutes: FastifyPluginAsyncTypebox<{ sharing: SharingService }> = async (
  app,
  { sharing },
) => {
  app.get(
    '/invitations/:activationCode',
    { schema: { hide: true, params: ActivationParamsSchema } },
    async (request, reply) => {
      const { activationCode } = request.params;
      reply.type('text/html; charset=utf-8').header('cache-control', 'no-store');
      try {
        const invitation = await sharing.lookup(activationCode);
        return page(
          'Witty-Home installer invitation',
          `<p>You are invited to monitor the installation <strong>${escapeHtml(invitation.installationName)}</strong>
as its installer, until ${escapeHtml(invitation.expirationDate)}.</p>
<p><a href="/dashboard/invitations/${escapeHtml(activationCode)}">Accept it in the Witty-Home dashboard</a>
with your installer account, or in your installer application with this activation code:</p>
<p><code>${escapeHtml(activationCode)}</code></p>
<p>Applications accept it with <code>POST /v1/invitations/operators/accept/{activationCode}</code>.</p>`,
        );
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        return reply
          .status(error.status)
          .send(page('Witty-Home installer invitation', `<p>${escapeHtml(error.detail)}</p>`));
      }
    },
  );
};
