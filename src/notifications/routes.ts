import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { described, problemResponses, refTo } from '../http/schemas.js';
import { callerOf } from '../identity/index.js';
import { InstallationParamsSchema } from '../installations/index.js';
import {
  DeliveriesQuerySchema,
  DeliveryParamsSchema,
  EventSubscriptionInputSchema,
  EventSubscriptionWithSecretSchema,
  SubscriptionParamsSchema,
  type Delivery,
  type EventSubscription,
} from './schemas.js';
import type { EventSubscriptionService } from './service.js';

const problems = problemResponses(400, 401, 403, 404, 429);
const SubscriptionRef = refTo<EventSubscription>('EventSubscription');
const DeliveryRef = refTo<Delivery>('Delivery');
const base = '/installations/:installationId/event-subscriptions';

/** The guide's event-subscription routes, with the delivery log, replay and secret rotation. */
export const eventSubscriptionRoutes: FastifyPluginAsyncTypebox<{
  subscriptions: EventSubscriptionService;
}> = async (app, { subscriptions }) => {
  const tags = ['Notifications'];

  app.get(
    base,
    {
      schema: {
        tags,
        operationId: 'getEventSubscriptions',
        summary: 'Get the event subscriptions of an installation',
        description: "The caller's webhook subscriptions on the installation (owner only).",
        params: InstallationParamsSchema,
        response: {
          200: Type.Array(SubscriptionRef, { description: 'The subscriptions' }),
          ...problems,
        },
      },
    },
    async (request) => subscriptions.list(callerOf(request), request.params.installationId),
  );

  app.post(
    base,
    {
      schema: {
        tags,
        operationId: 'createEventSubscription',
        summary: 'Subscribe a webhook to the station events',
        description:
          'Posts the Event Grid validation handshake to the endpoint: one that answers {"validationResponse": "<validationCode>"} makes the subscription Created at once; otherwise it is AwaitingValidation until the validationUrl is opened (10 minutes). The signing secret is returned now only.',
        params: InstallationParamsSchema,
        body: EventSubscriptionInputSchema,
        response: {
          201: described(EventSubscriptionWithSecretSchema, 'The subscription, with its secret'),
          ...problemResponses(400, 401, 403, 404, 409, 429),
        },
      },
    },
    async (request, reply) => {
      const { installationId } = request.params;
      const created = await subscriptions.create(callerOf(request), installationId, request.body);
      return reply
        .status(201)
        .header(
          'location',
          `/v1/installations/${installationId}/event-subscriptions/${created.eventSubscriptionId}`,
        )
        .send(created);
    },
  );

  app.delete(
    base,
    {
      schema: {
        tags,
        operationId: 'deleteEventSubscriptions',
        summary: "Delete all the caller's event subscriptions of an installation",
        params: InstallationParamsSchema,
        response: { 204: Type.Null({ description: 'Deleted' }), ...problems },
      },
    },
    async (request, reply) => {
      await subscriptions.deleteAll(callerOf(request), request.params.installationId);
      return reply.status(204).send(null);
    },
  );

  app.get(
    `${base}/:eventSubscriptionId`,
    {
      schema: {
        tags,
        operationId: 'getEventSubscription',
        summary: 'Get an event subscription',
        params: SubscriptionParamsSchema,
        response: { 200: described(SubscriptionRef, 'The subscription'), ...problems },
      },
    },
    async (request) =>
      subscriptions.get(
        callerOf(request),
        request.params.installationId,
        request.params.eventSubscriptionId,
      ),
  );

  app.delete(
    `${base}/:eventSubscriptionId`,
    {
      schema: {
        tags,
        operationId: 'deleteEventSubscription',
        summary: 'Delete an event subscription',
        description: 'Its pending deliveries are not sent.',
        params: SubscriptionParamsSchema,
        response: { 204: Type.Null({ description: 'Deleted' }), ...problems },
      },
    },
    async (request, reply) => {
      await subscriptions.delete(
        callerOf(request),
        request.params.installationId,
        request.params.eventSubscriptionId,
      );
      return reply.status(204).send(null);
    },
  );

  app.post(
    `${base}/:eventSubscriptionId/operators/rotate-secret`,
    {
      schema: {
        tags,
        operationId: 'rotateEventSubscriptionSecret',
        summary: 'Rotate the signing secret of a subscription',
        description:
          'Returns a new secret; for 24 hours the previous one signs too (two signatures in webhook-signature).',
        params: SubscriptionParamsSchema,
        response: {
          200: described(
            EventSubscriptionWithSecretSchema,
            'The subscription, with its new secret',
          ),
          ...problems,
        },
      },
    },
    async (request) =>
      subscriptions.rotateSecret(
        callerOf(request),
        request.params.installationId,
        request.params.eventSubscriptionId,
      ),
  );

  app.get(
    `${base}/:eventSubscriptionId/deliveries`,
    {
      schema: {
        tags,
        operationId: 'getEventSubscriptionDeliveries',
        summary: 'Get the delivery log of a subscription',
        description: 'Newest first, with every attempt; `before` pages back.',
        params: SubscriptionParamsSchema,
        querystring: DeliveriesQuerySchema,
        response: {
          200: Type.Array(DeliveryRef, { description: 'The deliveries' }),
          ...problems,
        },
      },
    },
    async (request) =>
      subscriptions.deliveries(
        callerOf(request),
        request.params.installationId,
        request.params.eventSubscriptionId,
        request.query,
      ),
  );

  app.post(
    `${base}/:eventSubscriptionId/deliveries/:deliveryId/operators/redeliver`,
    {
      schema: {
        tags,
        operationId: 'redeliverEvent',
        summary: 'Send a delivered or failed event again',
        description: 'The same event, with the same id and webhook-id.',
        params: DeliveryParamsSchema,
        response: {
          202: Type.Object(
            {
              deliveryId: Type.String(),
              eventId: Type.String(),
              state: Type.Literal('pending'),
            },
            { description: 'The delivery is due again' },
          ),
          ...problemResponses(400, 401, 403, 404, 409, 429),
        },
      },
    },
    async (request, reply) => {
      const { installationId, eventSubscriptionId, deliveryId } = request.params;
      const result = await subscriptions.redeliver(
        callerOf(request),
        installationId,
        eventSubscriptionId,
        deliveryId,
      );
      return reply.status(202).send(result);
    },
  );
};

/** Event Grid's manual validation: the link sent in the handshake, opened by the endpoint's owner. */
export const webhookValidationRoutes: FastifyPluginAsyncTypebox<{
  subscriptions: EventSubscriptionService;
}> = async (app, { subscriptions }) => {
  app.get(
    '/webhooks/validate',
    {
      schema: {
        tags: ['Notifications'],
        operationId: 'validateEventSubscription',
        summary: 'Validate a webhook endpoint (the validationUrl of the handshake)',
        security: [],
        querystring: Type.Object({
          id: Type.String({ format: 'uuid' }),
          code: Type.String({ minLength: 1, maxLength: 100 }),
        }),
        response: {
          200: Type.Object({
            eventSubscriptionId: Type.String(),
            state: Type.Literal('Created'),
          }),
          ...problemResponses(400, 404, 410),
        },
      },
    },
    async (request) => {
      await subscriptions.validate(request.query.id, request.query.code);
      return { eventSubscriptionId: request.query.id, state: 'Created' as const };
    },
  );
};
