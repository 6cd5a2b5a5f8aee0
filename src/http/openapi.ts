import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { SwaggerOptions } from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import { ApiError } from '../errors.js';
import { OIDC_ROUTES } from '../identity/index.js';

/** Path of the generated OpenAPI document. */
export const OPENAPI_PATH = '/v1/openapi.json';

/** OpenAPI 3.1 document of the /v1 routes, generated from their schemas. */
export function openApiOptions(config: Config): SwaggerOptions {
  return {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Witty-Home API',
        version: '1.0.0',
        description:
          'Partner API of the Witty-Home platform. Every call carries the partner subscription key ' +
          '(`Ocp-Apim-Subscription-Key` header or `subscription-key` query parameter) and the end ' +
          "user's OAuth 2.0 access token (`Authorization: Bearer …`). Errors are RFC 9457 " +
          '`application/problem+json` bodies with a stable `code`.',
      },
      servers: [{ url: `${config.publicUrl}/v1` }],
      components: {
        securitySchemes: {
          subscriptionKey: { type: 'apiKey', in: 'header', name: 'Ocp-Apim-Subscription-Key' },
          subscriptionKeyQuery: { type: 'apiKey', in: 'query', name: 'subscription-key' },
          oauth2: {
            type: 'oauth2',
            flows: {
              authorizationCode: {
                authorizationUrl: `${config.publicUrl}${OIDC_ROUTES.authorization}`,
                tokenUrl: `${config.publicUrl}${OIDC_ROUTES.token}`,
                refreshUrl: `${config.publicUrl}${OIDC_ROUTES.token}`,
                scopes: {
                  api: 'Read and command installations, charging stations and grid meters',
                  offline_access: 'Refresh tokens',
                },
              },
            },
          },
        },
      },
      security: [
        { subscriptionKey: [], oauth2: ['api'] },
        { subscriptionKeyQuery: [], oauth2: ['api'] },
      ],
      tags: [
        { name: 'Installations', description: 'The central point of each Witty-Home system' },
        {
          name: 'Charging stations',
          description:
            'Association, live state and asynchronous commands (202, tracked until the station answers)',
        },
      ],
    },
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) =>
        typeof json.$id === 'string' ? json.$id : `def-${i}`,
    },
    // Only the partner API is documented; operations, OpenID and portal routes are not.
    transform: ({ schema, url, route }) => {
      const documented = url.startsWith('/v1/') && url !== OPENAPI_PATH;
      return {
        schema: documented ? schema : { ...schema, hide: true },
        url: documented ? url.slice('/v1'.length) : url,
        route,
      };
    },
  };
}

/** OAuth client of the reference page's try-it (public, PKCE), registered at start. */
export const API_REFERENCE_CLIENT_ID = 'witty-api-reference';

// Swagger UI's browser assets, served as they ship in swagger-ui-dist (no build step).
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
  'oauth2-redirect.html': 'text/html; charset=utf-8',
  'oauth2-redirect.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
};

function referencePage(): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>Witty-Home API reference</title>
<link rel="icon" type="image/png" href="/docs/favicon-32x32.png">
<link rel="stylesheet" href="/docs/swagger-ui.css">
<link rel="stylesheet" href="/docs/reference.css"></head>
<body><main>
<div id="try-it" class="try-it" role="status" hidden></div>
<div id="reference"></div>
</main>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/reference.js" data-client-id="${API_REFERENCE_CLIENT_ID}" data-openapi="${OPENAPI_PATH}"></script>
</body></html>`;
}

// The page's own script and style (no inline code): Swagger UI, its OAuth client, and the
// portal's try-it (a signed-in developer's sandbox owner and key, filled in).
const REFERENCE_SCRIPT = `'use strict';
(() => {
  const script = document.currentScript;
  let sandboxToken = null;
  let sandboxKey = null;
  const ui = SwaggerUIBundle({
    url: script.dataset.openapi,
    dom_id: '#reference',
    deepLinking: true,
    persistAuthorization: true,
    oauth2RedirectUrl: location.origin + '/docs/oauth2-redirect.html',
    requestInterceptor: (request) => {
      // The sandbox owner's token, unless the caller authorized otherwise.
      // Swagger UI sends a security requirement's credentials only when all of them are
      // authorized; the sandbox's token and key go together here instead.
      if (sandboxToken && !request.headers.Authorization)
        request.headers.Authorization = 'Bearer ' + sandboxToken;
      if (sandboxKey && !request.headers['Ocp-Apim-Subscription-Key'])
        request.headers['Ocp-Apim-Subscription-Key'] = sandboxKey;
      return request;
    },
  });
  ui.initOAuth({ clientId: script.dataset.clientId, usePkceWithAuthorizationCodeGrant: true, scopes: 'api' });
  // What of Swagger UI's markup assistive technology cannot use: the server <select> has an
  // empty <label>, and with deep links each operation's path is a link inside the button that
  // opens it. The select gets a name; the link loses its href (the address still follows the
  // operation opened), so the button is the one control.
  const mend = () => {
    for (const select of document.querySelectorAll('.swagger-ui .servers select:not([aria-label])'))
      select.setAttribute('aria-label', 'Server');
    for (const link of document.querySelectorAll('.swagger-ui .opblock-summary-control a[href]'))
      link.removeAttribute('href');
    // The Authorize dialog's close button is an icon alone.
    for (const close of document.querySelectorAll('.swagger-ui .close-modal:not([aria-label])'))
      close.setAttribute('aria-label', 'Close');
  };
  new MutationObserver(mend).observe(document.getElementById('reference'), { childList: true, subtree: true });
  const subscription = new URLSearchParams(location.search).get('subscription');
  if (!subscription) return;
  const banner = document.getElementById('try-it');
  const say = (text) => {
    banner.textContent = text;
    banner.hidden = false;
  };
  fetch('/profile/subscriptions/' + encodeURIComponent(subscription) + '/sandbox', {
    credentials: 'same-origin',
    headers: { accept: 'application/json' },
  })
    .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
    .then((access) => {
      sandboxToken = access.accessToken;
      const key = sessionStorage.getItem('witty.key.' + subscription);
      if (key) {
        sandboxKey = key;
        ui.preauthorizeApiKey('subscriptionKey', key);
      }
      say(
        'Try-it calls as the sandbox owner of "' + access.subscriptionName + '": installation ' +
          access.installationId + ', charging station ' + access.chargingStationId + '. ' +
          (key
            ? 'Your subscription key from the profile is filled in.'
            : 'Paste your subscription key under Authorize (subscriptionKey).'),
      );
    })
    .catch((status) =>
      say(status === 401
        ? 'Sign in to the portal to try the API with your sandbox.'
        : 'Your sandbox could not be opened (' + status + ').'),
    );
})();
`;

// Swagger UI's own colours give text a contrast under WCAG AA's 4.5:1: darker shades of the same
// hues, each at 5:1 or more against its background.
const CONTRAST_FIXES = [
  '.swagger-ui .info .title small{background:#55606e}',
  '.swagger-ui .info .title small.version-stamp{background-color:#3b6e00}',
  '.swagger-ui .info a,.swagger-ui .scopes h2 a{color:#1f66b5}',
  '.swagger-ui .btn.authorize{border-color:#1a7f4f;color:#1a7f4f}',
  '.swagger-ui .btn.authorize svg{color:#1a7f4f;fill:#1a7f4f}',
  '.swagger-ui .btn.execute{background-color:#1f66b5;border-color:#1f66b5}',
  '.swagger-ui .opblock.opblock-get .opblock-summary-method{background:#1f69c0}',
  '.swagger-ui .opblock.opblock-post .opblock-summary-method{background:#1a7f4f}',
  '.swagger-ui .opblock.opblock-put .opblock-summary-method{background:#9a5700}',
  '.swagger-ui .opblock.opblock-delete .opblock-summary-method{background:#c62828}',
  '.swagger-ui .opblock.opblock-patch .opblock-summary-method{background:#0f7a65}',
  '.swagger-ui .json-schema-2020-12-expand-deep-button{color:#505050}',
  '.swagger-ui .btn.cancel{border-color:#c62828;color:#c62828}',
  // The examples' highlighting (the agate theme) sets its numbers' colour inline.
  '.swagger-ui .highlight-code .microlight span[style*="211, 99, 99"]{color:#ff9e9e !important}',
];

const REFERENCE_STYLE = [
  '.try-it{margin:1rem auto;max-width:1460px;padding:.75rem 1rem;border-left:6px solid #00557f;background:#eef2f5;font-family:system-ui,sans-serif;color:#1d2733}',
  ...CONTRAST_FIXES,
].join('\n');

/** The OpenAPI document route and the interactive reference with try-it (Swagger UI) at /docs. */
export async function registerApiReference(app: FastifyInstance): Promise<void> {
  app.get(OPENAPI_PATH, async () => app.swagger());
  const assetsDirectory = path.dirname(
    createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'),
  );
  const page = referencePage();
  app.get('/docs', async (_request, reply) => reply.type('text/html; charset=utf-8').send(page));
  app.get('/docs/', async (_request, reply) => reply.redirect('/docs', 301));
  app.get('/docs/reference.js', async (_request, reply) =>
    reply
      .type('text/javascript; charset=utf-8')
      .header('cache-control', 'no-cache')
      .send(REFERENCE_SCRIPT),
  );
  app.get('/docs/reference.css', async (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'no-cache').send(REFERENCE_STYLE),
  );
  app.get<{ Params: { asset: string } }>('/docs/:asset', async (request, reply) => {
    const type = ASSETS[request.params.asset];
    if (!type)
      throw new ApiError('NOT_FOUND', `No file ${request.params.asset} in the API reference.`);
    return reply
      .type(type)
      .header('cache-control', 'public, max-age=86400')
      .send(fs.createReadStream(path.join(assetsDirectory, request.params.asset)));
  });
}
