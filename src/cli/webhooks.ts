import type { Config } from '../config.js';
import { print, required, UsageError, type Options } from './options.js';
import { withPlatform } from './platform.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function uuidOption(options: Options, name: string): string {
  const value = required(options, name);
  if (!UUID.test(value)) throw new UsageError(`--${name} must be a UUID`);
  return value;
}

/** `witty webhooks list [--installation N]`: every event subscription, with its state. */
export async function listWebhooks(config: Config, options: Options): Promise<number> {
  let installationId: number | undefined;
  if (options.installation !== undefined) {
    installationId = Number(options.installation);
    if (!Number.isInteger(installationId) || installationId < 1)
      throw new UsageError('--installation must be an installation id');
  }
  return withPlatform(config, async (platform) => {
    print(await platform.eventSubscriptions.listAsOperator(installationId));
    return 0;
  });
}

/** `witty webhooks deliveries --subscription ID [--limit N]`: a subscription's delivery log. */
export async function webhookDeliveries(config: Config, options: Options): Promise<number> {
  const subscriptionId = uuidOption(options, 'subscription');
  const limit = options.limit === undefined ? 20 : Number(options.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
    throw new UsageError('--limit must be a whole number from 1 to 1000');
  return withPlatform(config, async (platform) => {
    print(await platform.eventSubscriptions.deliveriesAsOperator(subscriptionId, { limit }));
    return 0;
  });
}

/**
 * `witty webhooks redeliver --subscription ID --delivery ID`: the event is due again, with the
 * same ids; a running `witty serve` posts it at its next look (WITTY_WEBHOOK_POLL_MS).
 */
export async function redeliverWebhook(config: Config, options: Options): Promise<number> {
  const subscriptionId = uuidOption(options, 'subscription');
  const deliveryId = uuidOption(options, 'delivery');
  return withPlatform(config, async (platform) => {
    print(await platform.eventSubscriptions.redeliverAsOperator(subscriptionId, deliveryId));
    return 0;
  });
}
