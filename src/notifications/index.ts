// What other rooms may use of notifications.
export { checkEndpointUrl, isPublicAddress, MAX_ENDPOINT_URL_LENGTH } from './endpoint.js';
export {
  createWebhookPoster,
  type PostResult,
  type ResolveAll,
  type WebhookPoster,
} from './poster.js';
export { newWebhookSecret, webhookSignature } from './signature.js';
