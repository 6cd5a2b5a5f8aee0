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
  const options = {
    url: OPENAPI_PATH,
    dom_id: '#reference',
    deepLinking: true,
    persistAuthorization: true,
  };
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>Witty-Home API reference</title>
<link rel="icon" type="image/png" href="/docs/favicon-32x32.png">
<link rel="stylesheet" href="/docs/swagger-ui.css"></head>
<body><div id="reference"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script>
const ui = SwaggerUIBundle(Object.assign(${JSON.stringify(options)}, {
  oauth2RedirectUrl: location.origin + '/docs/oauth2-redirect.html',
}));
ui.initOAuth({ clientId: '${API_REFERENCE_CLIENT_ID}', usePkceWithAuthorizationCodeGrant: true, scopes: 'api' });
</script></body></html>`;
}

/** The OpenAPI document route and the interactive reference with try-it (Swagger UI) at /docs. */
export async function registerApiReference(app: FastifyInstance): Promise<void> {
  app.get(OPENAPI_PATH, async () => app.swagger());
  const assetsDirectory = path.dirname(
    createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'),
  );
  const page = referencePage();
  app.get('/docs', async (_request, reply) => reply.type('text/html; charset=utf-8').send(page));
  app.get('/docs/', async (_request, reply) => reply.redirect('/docs', 301));
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
