import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { newWebhookSecret, webhookSignature } from '../../src/notifications/index.js';

const body = JSON.stringify([{ id: 'c2a3f0b6-0d1e-4a55-9d3c-1f2e3d4c5b6a', data: { state: 2 } }]);
const id = 'c2a3f0b6-0d1e-4a55-9d3c-1f2e3d4c5b6a';

/** The Standard Webhooks headers of a POST signed with these secrets, timed now. */
function signedHeaders(secrets: string[]) {
  // The verifier refuses timestamps more than five minutes from its own clock.
  const timestamp = Math.floor(Date.now() / 1000);
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': webhookSignature(secrets, id, timestamp, body),
  };
}

describe('newWebhookSecret', () => {
  it('is whsec_ and the base64 of 32 bytes, new each time', () => {
    const secret = newWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice('whsec_'.length), 'base64')).toHaveLength(32);
    expect(newWebhookSecret()).not.toBe(secret);
  });
});

describe('webhookSignature, checked by the standardwebhooks package', () => {
  it('verifies with the one secret it was signed with', () => {
    const secret = newWebhookSecret();
    const headers = signedHeaders([secret]);
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it('carries one signature per secret during a rotation, each verifying alone', () => {
    const [previous, next] = [newWebhookSecret(), newWebhookSecret()];
    const headers = signedHeaders([previous, next]);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(new Webhook(previous).verify(body, headers)).toEqual(JSON.parse(body));
    expect(new Webhook(next).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it('does not verify a tampered body', () => {
    const secret = newWebhookSecret();
    const headers = signedHeaders([secret]);
    expect(() =>
      new Webhook(secret).verify(body.replace('"state":2', '"state":3'), headers),
    ).toThrow('No matching signature found');
  });

  it('does not verify with another secret', () => {
    const headers = signedHeaders([newWebhookSecret(), newWebhookSecret()]);
    expect(() => new Webhook(newWebhookSecret()).verify(body, headers)).toThrow(
      'No matching signature found',
    );
  });

  it('covers the id and the timestamp', () => {
    const secret = newWebhookSecret();
    const headers = signedHeaders([secret]);
    const otherId = { ...headers, 'webhook-id': 'another-id' };
    const earlier = {
      ...headers,
      'webhook-timestamp': String(Number(headers['webhook-timestamp']) - 1),
    };
    expect(() => new Webhook(secret).verify(body, otherId)).toThrow('No matching signature found');
    expect(() => new Webhook(secret).verify(body, earlier)).toThrow('No matching signature found');
  });

  it('matches the HMAC-SHA256 of "{id}.{timestamp}.{body}" keyed by the decoded secret', () => {
    // A fixed vector, so a change of the scheme shows even where the verifier would follow it.
    const secret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    expect(webhookSignature([secret], 'msg_1', 1_700_000_000, '{"a":1}')).toBe(
      new Webhook(secret).sign('msg_1', new Date(1_700_000_000_000), '{"a":1}'),
    );
  });
});

describe('webhookSignature refuses what only a bug could pass', () => {
  const secret = newWebhookSecret();

  it.each([
    [[], 1_700_000_000, 'a webhook is signed with at least one secret'],
    [
      [secret.slice('whsec_'.length)],
      1_700_000_000,
      'a webhook secret is whsec_ followed by base64',
    ],
    [['whsec_not base64!'], 1_700_000_000, 'a webhook secret is whsec_ followed by base64'],
    [['whsec_'], 1_700_000_000, 'a webhook secret holds 24 to 64 bytes'],
    [[`whsec_${Buffer.alloc(16).toString('base64')}`], 1, 'a webhook secret holds 24 to 64 bytes'],
    [[`whsec_${Buffer.alloc(65).toString('base64')}`], 1, 'a webhook secret holds 24 to 64 bytes'],
    [[secret, 'whsec_?'], 1_700_000_000, 'a webhook secret is whsec_ followed by base64'],
    [[secret], 1_700_000_000.5, 'a webhook timestamp is a whole number of seconds'],
    [[secret], Number.NaN, 'a webhook timestamp is a whole number of seconds'],
  ])('secrets %j at %s: %s', (secrets, timestamp, message) => {
    expect(() => webhookSignature(secrets, id, timestamp, body)).toThrow(message);
  });
});
