// What other rooms may use of notifications.
export { DeliveryWorker, type DeliveryObserver, type DeliveryOutcome } from './delivery-worker.js';
export { checkEndpointUrl, isPublicAddress, MAX_ENDPOINT_URL_LENGTH } from './endpoint.js';
export { deliveryMetrics } from './metrics.js';
export { EventOutbox } from './outbox.js';
export {
  createWebhookPoster,
  type PostResult,
  type ResolveAll,
  type WebhookPoster,
} from './poster.js';
export { eventSubscriptionRoutes, webhookValidationRoutes } from './routes.js';
export { DeliverySchema, EventSubscriptionSchema } from './schemas.js';
export { EventSubscriptionService } from './service.js';
export { newWebhookSecret, webhookSignature } from './signature.js';
export { NotificationStore, type SubscriptionRow } from './store.js';
