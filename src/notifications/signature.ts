import { createHmac, randomBytes } from 'node:crypto';

// Standard Webhooks (https://www.standardwebhooks.com/, "Signature scheme"): a secret is
// `whsec_` + base64 of 24 to 64 random bytes, and the key is those bytes.
const SECRET_PREFIX = 'whsec_';
const SECRET_BYTES = 32;
const MIN_KEY_BYTES = 24;
const MAX_KEY_BYTES = 64;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** A new signing secret: `whsec_` + base64 of 32 random bytes. */
export function newWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(SECRET_BYTES).toString('base64');
}

/** The key bytes of a secret; a malformed secret throws, as it can only be a platform bug. */
function keyOf(secret: string): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : null;
  // Node's base64 decoder skips characters it does not know, so the text is checked first.
  if (encoded === null || !BASE64.test(encoded)) {
    throw new Error('a webhook secret is whsec_ followed by base64');
  }
  const key = Buffer.from(encoded, 'base64');
  if (key.length < MIN_KEY_BYTES || key.length > MAX_KEY_BYTES) {
    throw new Error(`a webhook secret holds ${MIN_KEY_BYTES} to ${MAX_KEY_BYTES} bytes`);
  }
  return key;
}

/**
 * The webhook-signature header: `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">` per secret,
 * space-separated, so that a receiver holding either secret verifies during a rotation.
 */
export function webhookSignature(
  secrets: readonly string[],
  id: string,
  timestampSeconds: number,
  body: string,
): string {
  if (secrets.length === 0) throw new Error('a webhook is signed with at least one secret');
  if (!Number.isSafeInteger(timestampSeconds)) {
    throw new Error('a webhook timestamp is a whole number of seconds');
  }
  const signed = `${id}.${timestampSeconds}.${body}`;
  return secrets
    .map((secret) => `v1,${createHmac('sha256', keyOf(secret)).update(signed).digest('base64')}`)
    .join(' ');
}
