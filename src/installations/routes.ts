import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { callerOf } from '../identity/index.js';
import { described, problemResponses, refTo } from '../http/schemas.js';
import { InstallationInputSchema, InstallationParamsSchema, type Installation } from './schemas.js';
import type { InstallationService } from './service.js';

const problems = problemResponses(400, 401, 403, 404, 429);
const InstallationRef = refTo<Installation>('Installation');

/** The guide's installation routes, plus read, update and delete of one installation. */
export const installationRoutes: FastifyPluginAsyncTypebox<{
  installations: InstallationService;
}> = async (app, { installations }) => {
  const tags = ['Installations'];

  app.get(
    '/installations',
    {
      schema: {
        tags,
        operationId: 'getInstallations',
        summary: 'Get all user installations',
        description: 'The installations of the user account, as owner or as installer.',
        response: {
          200: Type.Array(InstallationRef, { description: 'The installations' }),
          ...problems,
        },
      },
    },
    async (request) => installations.list(callerOf(request)),
  );

  app.post(
    '/installations',
    {
      schema: {
        tags,
        operationId: 'createInstallation',
        summary: 'Create an installation',
        body: InstallationInputSchema,
        response: { 201: described(InstallationRef, 'The created installation'), ...problems },
      },
    },
    async (request, reply) => {
      const installation = await installations.create(callerOf(request), request.body);
      return reply
        .status(201)
        .header('location', `/v1/installations/${installation.installationId}`)
        .send(installation);
    },
  );

  app.get(
    '/installations/:installationId',
    {
      schema: {
        tags,
        operationId: 'getInstallation',
        summary: 'Get an installation',
        params: InstallationParamsSchema,
        response: { 200: described(InstallationRef, 'The installation'), ...problems },
      },
    },
    async (request) => installations.get(callerOf(request), request.params.installationId),
  );

  app.put(
    '/installations/:installationId',
    {
      schema: {
        tags,
        operationId: 'updateInstallation',
        summary: 'Update an installation',
        description: 'Replaces the name and location of an installation (owner only).',
        params: InstallationParamsSchema,
        body: InstallationInputSchema,
        response: { 200: described(InstallationRef, 'The updated installation'), ...problems },
      },
    },
    async (request) =>
      installations.update(callerOf(request), request.params.installationId, request.body),
  );

  app.delete(
    '/installations/:installationId',
    {
      schema: {
        tags,
        operationId: 'deleteInstallation',
        summary: 'Delete an installation',
        description: 'Deletes an installation and its sharing (owner only).',
        params: InstallationParamsSchema,
        response: { 204: Type.Null({ description: 'Deleted' }), ...problems },
      },
    },
    async (request, reply) => {
      await installations.delete(callerOf(request), request.params.installationId);
      return reply.status(204).send(null);
    },
  );
};
