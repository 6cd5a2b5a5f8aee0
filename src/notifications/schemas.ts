import { Type, type Static } from 'typebox';
import { EVENT_TYPES } from '../domain/events.js';
import { Enum } from '../http/schemas.js';
import { InstallationParamsSchema } from '../installations/index.js';

const installationId = InstallationParamsSchema.properties.installationId;

/** The event types a subscription may name: the guide's, and its misspelt session type. */
export const SUBSCRIBABLE_EVENT_TYPES = [...EVENT_TYPES, 'XEFVR.state_EVCS_session'] as const;

export const SUBSCRIPTION_STATES = ['AwaitingValidation', 'Created', 'Failed', 'Disabled'] as const;

const FilterSchema = Type.Object(
  {
    subjectBeginsWith: Type.String({
      maxLength: 256,
      description:
        'Only events whose subject (installations/{installationId}/charging-stations/{chargingStationId}) begins with this',
    }),
    subjectEndsWith: Type.String({
      maxLength: 256,
      description: 'Only events whose subject ends with this',
    }),
  },
  { additionalProperties: false },
);

const example = {
  eventSubscriptionId: 'bca8d470-ac0b-466b-b986-fb38344db84a',
  installationId: 33,
  userId: '123456e6-1234-4c80-ad73-7c445d23f500',
  protocolCode: 'webhook',
  protocolData: 'https://mywebhookendpointurl',
  filter: { subjectBeginsWith: '', subjectEndsWith: '' },
  state: 'Created',
  creationDate: '2020-11-06T15:31:30Z',
  modificationDate: '0001-01-01T00:00:00Z',
};

export const EventSubscriptionSchema = Type.Object(
  {
    eventSubscriptionId: Type.String({ format: 'uuid' }),
    installationId: Type.Integer(),
    userId: Type.String({ description: 'The account that subscribed' }),
    protocolCode: Type.String({ description: 'Webhook: the only kind of endpoint' }),
    protocolData: Type.String({ description: 'The webhook endpoint URL' }),
    eventType: Type.Optional(Enum(EVENT_TYPES, 'The only event type sent, when set')),
    filter: FilterSchema,
    state: Enum(
      SUBSCRIPTION_STATES,
      'Created: receives events. AwaitingValidation: the handshake was not answered (GET the validationUrl within 10 minutes). Failed: not validated in time. Disabled: the endpoint answered 410 or failed through the whole retry schedule.',
    ),
    stateReason: Type.Optional(Type.String({ description: 'Why the state is not Created' })),
    creationDate: Type.String({ format: 'date-time' }),
    modificationDate: Type.String({
      description: 'Last change of state or secret; 0001-01-01T00:00:00Z when never changed',
    }),
  },
  { $id: 'EventSubscription', examples: [example] },
);
export type EventSubscription = Static<typeof EventSubscriptionSchema>;

/** The subscription with its signing secret, shown once: at creation and rotation. */
export const EventSubscriptionWithSecretSchema = Type.Intersect([
  Type.Unsafe<EventSubscription>(Type.Ref('EventSubscription')),
  Type.Object({
    secret: Type.String({
      description:
        'The Standard Webhooks signing secret (whsec_…), shown only now: every POST carries webhook-signature = v1,base64(HMAC-SHA256(secret, "{webhook-id}.{webhook-timestamp}.{body}"))',
    }),
    previousSecretExpiresAt: Type.Optional(
      Type.String({
        format: 'date-time',
        description: 'After a rotation, the previous secret also signs until then',
      }),
    ),
  }),
]);
export type EventSubscriptionWithSecret = EventSubscription & {
  secret: string;
  previousSecretExpiresAt?: string;
};

export const EventSubscriptionInputSchema = Type.Object(
  {
    protocolCode: Enum(['Webhook', 'webhook'] as const, 'The kind of endpoint: Webhook'),
    protocolData: Type.String({
      minLength: 1,
      maxLength: 2048,
      description: 'The endpoint URL (https)',
    }),
    eventType: Type.Optional(
      Enum(SUBSCRIBABLE_EVENT_TYPES, 'Receive only this event type (all types when absent)'),
    ),
    filter: Type.Optional(
      Type.Object(
        {
          subjectBeginsWith: Type.Optional(FilterSchema.properties.subjectBeginsWith),
          subjectEndsWith: Type.Optional(FilterSchema.properties.subjectEndsWith),
        },
        { additionalProperties: false },
      ),
    ),
  },
  {
    additionalProperties: false,
    examples: [
      {
        protocolCode: 'Webhook',
        protocolData: 'https://mywebhookendpointurl',
        eventType: 'XEVFR.state_EVCS_session',
      },
    ],
  },
);
export type EventSubscriptionInput = Static<typeof EventSubscriptionInputSchema>;

export const SubscriptionParamsSchema = Type.Object({
  installationId,
  eventSubscriptionId: Type.String({ format: 'uuid', description: 'The subscription id' }),
});

export const DeliveryParamsSchema = Type.Object({
  installationId,
  eventSubscriptionId: Type.String({ format: 'uuid' }),
  deliveryId: Type.String({ format: 'uuid' }),
});

export const DeliveriesQuerySchema = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
    before: Type.Optional(
      Type.String({
        format: 'date-time',
        description: 'Only deliveries created before this instant (the next page)',
      }),
    ),
  },
  { additionalProperties: false },
);

export const DeliverySchema = Type.Object(
  {
    deliveryId: Type.String({ format: 'uuid' }),
    eventId: Type.String({ format: 'uuid', description: 'The event id, also sent as webhook-id' }),
    eventType: Type.String(),
    state: Enum(['pending', 'delivered', 'failed'] as const),
    creationDate: Type.String({ format: 'date-time' }),
    nextAttemptDate: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    attempts: Type.Array(
      Type.Object({
        date: Type.String({ format: 'date-time' }),
        statusCode: Type.Union([Type.Integer(), Type.Null()]),
        error: Type.Union([Type.String(), Type.Null()]),
        durationMs: Type.Integer(),
      }),
    ),
  },
  { $id: 'Delivery' },
);
export type Delivery = Static<typeof DeliverySchema>;
