// What other rooms may use of notifications.
export { checkEndpointUrl, isPublicAddress, MAX_ENDPOINT_URL_LENGTH } from './endpoint.js';
export { newWebhookSecret, webhookSignature } from './signature.js';
