import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { described, problemResponses, refTo } from '../http/schemas.js';
import { callerOf } from '../identity/index.js';
import { InstallationParamsSchema } from '../installations/index.js';
import {
  ActivationParamsSchema,
  InvitationInputSchema,
  InvitationParamsSchema,
  UserParamsSchema,
  type InstallationUser,
  type InvitationStatus,
} from './schemas.js';
import type { SharingService } from './service.js';

const StatusRef = refTo<InvitationStatus>('InvitationStatus');
const UserRef = refTo<InstallationUser>('InstallationUser');
const NoContent = (description: string) => ({ 204: Type.Null({ description }) });

/** The guide's sharing routes: invitations, their acceptance, and the installation's users. */
export const sharingRoutes: FastifyPluginAsyncTypebox<{ sharing: SharingService }> = async (
  app,
  { sharing },
) => {
  const tags = ['Sharing'];
  const invitations = '/installations/:installationId/invitations';
  const users = '/installations/:installationId/users';

  app.get(
    invitations,
    {
      schema: {
        tags,
        operationId: 'getInvitations',
        summary: 'Get the pending invitations of an installation',
        description: 'Invitations not yet accepted, cancelled or expired (owner only).',
        params: InstallationParamsSchema,
        response: {
          200: Type.Array(StatusRef, { description: 'The pending invitations' }),
          ...problemResponses(400, 401, 403, 404, 429),
        },
      },
    },
    async (request) => sharing.invitations(callerOf(request), request.params.installationId),
  );

  app.post(
    invitations,
    {
      schema: {
        tags,
        operationId: 'createInvitation',
        summary: 'Invite an installer',
        description:
          'Mails the installer an activation code and a link, in the cultureCode language; the code works once, until expirationDate. Inviting the same address again replaces its pending invitation (owner only).',
        params: InstallationParamsSchema,
        body: InvitationInputSchema,
        response: {
          201: described(StatusRef, 'The new invitation'),
          ...problemResponses(400, 401, 403, 404, 409, 429),
        },
      },
    },
    async (request, reply) => {
      const created = await sharing.invite(
        callerOf(request),
        request.params.installationId,
        request.body,
      );
      return reply.status(201).send(created);
    },
  );

  app.delete(
    `${invitations}/:email`,
    {
      schema: {
        tags,
        operationId: 'deleteInvitation',
        summary: 'Cancel a pending invitation',
        description: 'Its activation code stops working (owner only).',
        params: InvitationParamsSchema,
        response: { ...NoContent('Cancelled'), ...problemResponses(400, 401, 403, 404, 429) },
      },
    },
    async (request, reply) => {
      const { installationId, email } = request.params;
      await sharing.cancel(callerOf(request), installationId, email);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/invitations/operators/accept/:activationCode',
    {
      schema: {
        tags,
        operationId: 'acceptInvitation',
        summary: 'Accept an invitation (installer accounts only)',
        description:
          'The caller becomes an active installer of the installation, also when the account has another address than the one invited. Answers the invitation accepted.',
        params: ActivationParamsSchema,
        response: {
          200: described(StatusRef, 'The invitation accepted'),
          ...problemResponses(400, 401, 403, 404, 409, 410, 429),
        },
      },
    },
    async (request) => sharing.accept(callerOf(request), request.params.activationCode),
  );

  app.get(
    users,
    {
      schema: {
        tags,
        operationId: 'getInstallationUsers',
        summary: 'Get the users of an installation',
        description: 'The owner first, then the installers (owner only).',
        params: InstallationParamsSchema,
        response: {
          200: Type.Array(UserRef, { description: 'The users' }),
          ...problemResponses(400, 401, 403, 404, 429),
        },
      },
    },
    async (request) => sharing.users(callerOf(request), request.params.installationId),
  );

  for (const [operator, enabled] of [
    ['disable', false],
    ['enable', true],
  ] as const) {
    app.post(
      `${users}/:accountId/operators/${operator}`,
      {
        schema: {
          tags,
          operationId: `${operator}Installer`,
          summary: enabled ? 'Enable an installer' : 'Disable an installer',
          description: enabled
            ? 'The installer sees the installation again (owner only).'
            : 'The installer sees nothing of the installation until enabled again (owner only); the owner cannot be disabled.',
          params: UserParamsSchema,
          response: {
            ...NoContent(enabled ? 'Enabled' : 'Disabled'),
            ...problemResponses(400, 401, 403, 404, 409, 429),
          },
        },
      },
      async (request, reply) => {
        const { installationId, accountId } = request.params;
        await sharing.setEnabled(callerOf(request), installationId, accountId, enabled);
        return reply.status(204).send(null);
      },
    );
  }

  app.delete(
    `${users}/:accountId`,
    {
      schema: {
        tags,
        operationId: 'deleteInstallationUser',
        summary: 'Remove an installer',
        description:
          'Stops sharing the installation with the installer for good; the owner is told by e-mail. The owner cannot be removed (owner only).',
        params: UserParamsSchema,
        response: {
          ...NoContent('Removed'),
          ...problemResponses(400, 401, 403, 404, 409, 429),
        },
      },
    },
    async (request, reply) => {
      const { installationId, accountId } = request.params;
      await sharing.remove(callerOf(request), installationId, accountId);
      return reply.status(204).send(null);
    },
  );
};
