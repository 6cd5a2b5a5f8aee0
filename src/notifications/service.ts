import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../clock.js';
import { eventTypeOf, topicOf } from '../domain/events.js';
import { ApiError } from '../errors.js';
import type { Caller } from '../identity/index.js';
import type { InstallationAccess } from '../installations/index.js';
import { checkEndpointUrl } from './endpoint.js';
import type { WebhookPoster } from './poster.js';
import type {
  Delivery,
  EventSubscription,
  EventSubscriptionInput,
  EventSubscriptionWithSecret,
} from './schemas.js';
import { newWebhookSecret, webhookSignature } from './signature.js';
import type { NotificationStore, SubscriptionRow } from './store.js';

/** At most this many subscriptions per installation. */
export const MAX_SUBSCRIPTIONS_PER_INSTALLATION = 10;
/** Event Grid's manual validation window. */
const VALIDATION_WINDOW_MS = 10 * 60_000;
/** Both secrets sign for this long after a rotation. */
const ROTATION_OVERLAP_MS = 24 * 3600_000;
/** The guide's modificationDate of a subscription never changed (.NET's DateTime.MinValue). */
const NEVER = '0001-01-01T00:00:00Z';

/** The state a subscription has now: one awaiting validation past its window has failed. */
function stateOf(
  row: SubscriptionRow,
  now: Date,
): Pick<EventSubscription, 'state' | 'stateReason'> {
  if (
    row.state === 'AwaitingValidation' &&
    row.validation_expires_at !== null &&
    row.validation_expires_at <= now.toISOString()
  ) {
    return { state: 'Failed', stateReason: 'The endpoint was not validated within 10 minutes.' };
  }
  return { state: row.state, ...(row.state_reason ? { stateReason: row.state_reason } : {}) };
}

/** The guide's event-subscription model. */
export function toEventSubscription(row: SubscriptionRow, now: Date): EventSubscription {
  const eventType = row.event_type ? eventTypeOf(row.event_type) : undefined;
  return {
    eventSubscriptionId: row.id,
    installationId: row.installation_id,
    userId: row.account_id,
    protocolCode: row.protocol_code,
    protocolData: row.endpoint_url,
    ...(eventType ? { eventType } : {}),
    filter: { subjectBeginsWith: row.subject_begins_with, subjectEndsWith: row.subject_ends_with },
    ...stateOf(row, now),
    creationDate: row.created_at,
    modificationDate: row.modified_at ?? NEVER,
  };
}

/** Event subscriptions of the guide's Notification section, their handshake, log and replay. */
export class EventSubscriptionService {
  constructor(
    private readonly deps: {
      store: NotificationStore;
      access: InstallationAccess;
      clock: Clock;
      /** Posts the validation handshake (a shorter timeout than deliveries). */
      handshake: WebhookPoster;
      /** Where the platform is reached: the validationUrl is under it. */
      publicUrl: string;
      allowPrivate: boolean;
      /** Tells the delivery worker that a delivery is due. */
      wake: () => void;
    },
  ) {}

  private now(): Date {
    return this.deps.clock.now();
  }

  /** Subscriptions are the owner's: an installer gets 403, anyone else 404. */
  private async require(caller: Caller, installationId: number): Promise<void> {
    await this.deps.access.require(caller, installationId, 'notify');
  }

  private async find(
    caller: Caller,
    installationId: number,
    subscriptionId: string,
  ): Promise<SubscriptionRow> {
    await this.require(caller, installationId);
    const row = await this.deps.store.findSubscription(installationId, subscriptionId);
    if (!row || row.account_id !== caller.account.accountId) {
      throw new ApiError(
        'EVENT_SUBSCRIPTION_NOT_FOUND',
        `Event subscription ${subscriptionId} does not exist on installation ${installationId}.`,
      );
    }
    return row;
  }

  async list(caller: Caller, installationId: number): Promise<EventSubscription[]> {
    await this.require(caller, installationId);
    const rows = await this.deps.store.listSubscriptions(installationId, caller.account.accountId);
    const now = this.now();
    return rows.map((row) => toEventSubscription(row, now));
  }

  async get(
    caller: Caller,
    installationId: number,
    subscriptionId: string,
  ): Promise<EventSubscription> {
    return toEventSubscription(await this.find(caller, installationId, subscriptionId), this.now());
  }

  /**
   * Creates a subscription and runs Event Grid's validation handshake: an endpoint that echoes
   * the validationCode is Created at once; otherwise the subscription awaits a GET of its
   * validationUrl for 10 minutes.
   */
  async create(
    caller: Caller,
    installationId: number,
    input: EventSubscriptionInput,
  ): Promise<EventSubscriptionWithSecret> {
    await this.require(caller, installationId);
    const endpoint = checkEndpointUrl(input.protocolData, {
      allowPrivate: this.deps.allowPrivate,
    });
    if (!endpoint.ok) throw new ApiError('WEBHOOK_ENDPOINT_REFUSED', endpoint.reason);
    const { store } = this.deps;
    if ((await store.countSubscriptions(installationId)) >= MAX_SUBSCRIPTIONS_PER_INSTALLATION) {
      throw new ApiError(
        'EVENT_SUBSCRIPTION_LIMIT',
        `Installation ${installationId} has ${MAX_SUBSCRIPTIONS_PER_INSTALLATION} event subscriptions already; delete one first.`,
      );
    }
    const now = this.now();
    const id = randomUUID();
    const validationCode = randomUUID();
    const secret = newWebhookSecret();
    const row: SubscriptionRow = {
      id,
      installation_id: installationId,
      account_id: caller.account.accountId,
      protocol_code: input.protocolCode,
      endpoint_url: input.protocolData,
      event_type: input.eventType ? (eventTypeOf(input.eventType) ?? null) : null,
      subject_begins_with: input.filter?.subjectBeginsWith ?? '',
      subject_ends_with: input.filter?.subjectEndsWith ?? '',
      state: 'AwaitingValidation',
      state_reason: null,
      validation_code: validationCode,
      validation_expires_at: new Date(now.getTime() + VALIDATION_WINDOW_MS).toISOString(),
      secret,
      previous_secret: null,
      previous_secret_expires_at: null,
      created_at: now.toISOString(),
      modified_at: null,
      last_success_at: null,
    };
    // Stored first, so that an endpoint opening the validationUrl at once finds it.
    await store.insertSubscription(row);
    const reason = await this.handshake(row);
    if (reason === null) {
      await store.updateSubscription(
        id,
        { state: 'Created', validation_code: null, validation_expires_at: null },
        'AwaitingValidation',
      );
    } else {
      await store.updateSubscription(id, { state_reason: reason }, 'AwaitingValidation');
    }
    const stored = await store.findSubscriptionById(id);
    if (!stored) throw new Error(`event subscription ${id} vanished`);
    return { ...toEventSubscription(stored, this.now()), secret };
  }

  /** Posts the SubscriptionValidationEvent; null when the endpoint echoed the code, else why not. */
  private async handshake(row: SubscriptionRow): Promise<string | null> {
    const now = this.now();
    const code = row.validation_code ?? '';
    const eventId = randomUUID();
    const validationUrl = `${this.deps.publicUrl}/webhooks/validate?id=${row.id}&code=${code}`;
    const body = JSON.stringify([
      {
        id: eventId,
        topic: topicOf(row.installation_id),
        subject: '',
        eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent',
        eventTime: now.toISOString(),
        data: { validationCode: code, validationUrl },
        dataVersion: '1',
        metadataVersion: '1',
      },
    ]);
    const timestamp = Math.floor(now.getTime() / 1000);
    const result = await this.deps.handshake.post(row.endpoint_url, body, {
      'aeg-event-type': 'SubscriptionValidation',
      'aeg-subscription-name': row.id.toUpperCase(),
      'webhook-id': eventId,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': webhookSignature([row.secret], eventId, timestamp, body),
    });
    const manual = 'GET the validationUrl sent in the handshake within 10 minutes to validate it.';
    if (result.statusCode === null)
      return `The validation handshake got no answer (${result.error ?? 'no answer'}). ${manual}`;
    if (result.statusCode < 200 || result.statusCode >= 300)
      return `The validation handshake was answered ${result.statusCode}. ${manual}`;
    let echoed: unknown;
    try {
      echoed = (JSON.parse(result.body) as { validationResponse?: unknown }).validationResponse;
    } catch {
      echoed = undefined;
    }
    return echoed === code
      ? null
      : `The validation handshake was not answered with {"validationResponse": "<validationCode>"}. ${manual}`;
  }

  /** Event Grid's manual validation: a GET of the validationUrl within 10 minutes. */
  async validate(subscriptionId: string, code: string): Promise<void> {
    const { store } = this.deps;
    const row = await store.findSubscriptionById(subscriptionId);
    const expected = Buffer.from(row?.validation_code ?? '');
    const given = Buffer.from(code);
    const matches =
      row !== undefined &&
      expected.length > 0 &&
      expected.length === given.length &&
      timingSafeEqual(expected, given);
    if (!row || (!matches && row.state !== 'Created')) {
      throw new ApiError('NOT_FOUND', 'No subscription awaits validation with this link.');
    }
    if (row.state === 'Created') return;
    const now = this.now();
    if (row.state !== 'AwaitingValidation' || stateOf(row, now).state === 'Failed') {
      if (row.state === 'AwaitingValidation') {
        await store.updateSubscription(
          row.id,
          {
            state: 'Failed',
            state_reason: 'The endpoint was not validated within 10 minutes.',
            modified_at: now.toISOString(),
          },
          'AwaitingValidation',
        );
      }
      throw new ApiError(
        'VALIDATION_LINK_EXPIRED',
        'This validation link has expired: create the subscription again.',
      );
    }
    await store.updateSubscription(
      row.id,
      {
        state: 'Created',
        state_reason: null,
        validation_code: null,
        validation_expires_at: null,
        modified_at: now.toISOString(),
      },
      'AwaitingValidation',
    );
  }

  async delete(caller: Caller, installationId: number, subscriptionId: string): Promise<void> {
    await this.find(caller, installationId, subscriptionId);
    await this.deps.store.deleteSubscriptions(
      installationId,
      caller.account.accountId,
      subscriptionId,
    );
  }

  /** Deletes the caller's subscriptions on the installation. */
  async deleteAll(caller: Caller, installationId: number): Promise<void> {
    await this.require(caller, installationId);
    await this.deps.store.deleteSubscriptions(installationId, caller.account.accountId);
  }

  /** A new secret; the previous one keeps signing for 24 h, beside it. */
  async rotateSecret(
    caller: Caller,
    installationId: number,
    subscriptionId: string,
  ): Promise<EventSubscriptionWithSecret> {
    const row = await this.find(caller, installationId, subscriptionId);
    const now = this.now();
    const secret = newWebhookSecret();
    const previousSecretExpiresAt = new Date(now.getTime() + ROTATION_OVERLAP_MS).toISOString();
    await this.deps.store.updateSubscription(row.id, {
      secret,
      previous_secret: row.secret,
      previous_secret_expires_at: previousSecretExpiresAt,
      modified_at: now.toISOString(),
    });
    const stored = await this.deps.store.findSubscriptionById(row.id);
    if (!stored) throw new Error(`event subscription ${row.id} vanished`);
    return { ...toEventSubscription(stored, now), secret, previousSecretExpiresAt };
  }

  /** Every subscription, or an installation's, for operators (the CLI). */
  async listAsOperator(installationId?: number): Promise<EventSubscription[]> {
    const rows = await this.deps.store.listSubscriptions(installationId);
    const now = this.now();
    return rows.map((row) => toEventSubscription(row, now));
  }

  /** The delivery log of any subscription, for operators (the CLI). */
  async deliveriesAsOperator(
    subscriptionId: string,
    page: { limit?: number; before?: string },
  ): Promise<Delivery[]> {
    const row = await this.deps.store.findSubscriptionById(subscriptionId);
    if (!row)
      throw new ApiError('EVENT_SUBSCRIPTION_NOT_FOUND', `No subscription ${subscriptionId}.`);
    return this.deliveryLog(row, page);
  }

  /** The subscription's delivery log, newest first. */
  async deliveries(
    caller: Caller,
    installationId: number,
    subscriptionId: string,
    page: { limit?: number; before?: string },
  ): Promise<Delivery[]> {
    return this.deliveryLog(await this.find(caller, installationId, subscriptionId), page);
  }

  private async deliveryLog(
    row: SubscriptionRow,
    page: { limit?: number; before?: string },
  ): Promise<Delivery[]> {
    const before = page.before ? new Date(page.before).toISOString() : undefined;
    const deliveries = await this.deps.store.listDeliveries(row.id, page.limit ?? 20, before);
    const attempts = await this.deps.store.attemptsOf(deliveries.map((d) => d.id));
    return deliveries.map((delivery) => ({
      deliveryId: delivery.id,
      eventId: delivery.event_id,
      eventType: delivery.event_type,
      state: delivery.state,
      creationDate: delivery.created_at,
      nextAttemptDate: delivery.state === 'pending' ? delivery.next_attempt_at : null,
      attempts: attempts
        .filter((attempt) => attempt.delivery_id === delivery.id)
        .map((attempt) => ({
          date: attempt.attempted_at,
          statusCode: attempt.status_code,
          error: attempt.error,
          durationMs: attempt.duration_ms,
        })),
    }));
  }

  /** Sends a delivery's event again, with the same ids. */
  async redeliver(
    caller: Caller,
    installationId: number,
    subscriptionId: string,
    deliveryId: string,
  ): Promise<{ deliveryId: string; eventId: string; state: 'pending' }> {
    const row = await this.find(caller, installationId, subscriptionId);
    return this.redeliverRow(row, deliveryId);
  }

  /** Redelivery for operators (the CLI): any subscription. */
  async redeliverAsOperator(
    subscriptionId: string,
    deliveryId: string,
  ): Promise<{ deliveryId: string; eventId: string; state: 'pending' }> {
    const row = await this.deps.store.findSubscriptionById(subscriptionId);
    if (!row)
      throw new ApiError('EVENT_SUBSCRIPTION_NOT_FOUND', `No subscription ${subscriptionId}.`);
    return this.redeliverRow(row, deliveryId);
  }

  private async redeliverRow(
    row: SubscriptionRow,
    deliveryId: string,
  ): Promise<{ deliveryId: string; eventId: string; state: 'pending' }> {
    const delivery = await this.deps.store.findDelivery(row.id, deliveryId);
    if (!delivery)
      throw new ApiError('DELIVERY_NOT_FOUND', `Delivery ${deliveryId} is not in this log.`);
    if (stateOf(row, this.now()).state !== 'Created') {
      throw new ApiError(
        'EVENT_SUBSCRIPTION_NOT_ACTIVE',
        `Event subscription ${row.id} is ${stateOf(row, this.now()).state}: it receives no event.`,
      );
    }
    await this.deps.store.updateDelivery(delivery.id, {
      state: 'pending',
      next_attempt_at: this.now().toISOString(),
      lease_until: null,
      first_failure_at: null,
      completed_at: null,
    });
    this.deps.wake();
    return { deliveryId: delivery.id, eventId: delivery.event_id, state: 'pending' };
  }
}
