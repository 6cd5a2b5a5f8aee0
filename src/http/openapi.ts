import type { SwaggerOptions } from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
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
      tags: [{ name: 'Installations', description: 'The central point of each Witty-Home system' }],
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

/** The OpenAPI document route and the interactive reference with try-it at /docs. */
export async function registerApiReference(app: FastifyInstance): Promise<void> {
  app.get(OPENAPI_PATH, async () => app.swagger());
  const { default: scalar } = await import('@scalar/fastify-api-reference');
  await app.register(scalar, {
    routePrefix: '/docs',
    configuration: { url: OPENAPI_PATH, title: 'Witty-Home API reference' },
  });
}
