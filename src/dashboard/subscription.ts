import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';
import {
  IdentityError,
  STARTER_PACK_PRODUCT_ID,
  subscriptionKeyHash,
  type IdentityService,
  type IdentityStore,
} from '../identity/index.js';

/** The developer account that holds the dashboard's own subscription. */
export const DASHBOARD_DEVELOPER_EMAIL = 'dashboard@witty-home.invalid';
/** The name of the dashboard's subscription. */
export const DASHBOARD_SUBSCRIPTION_NAME = 'Witty-Home dashboard';
// The key in clear, kept server-side only (platform_secrets); the subscription stores its hash.
const KEY_SECRET = 'dashboard-subscription-key';

/** The dashboard's first-party subscription: its id and its key (never sent to a browser). */
export interface DashboardSubscription {
  subscriptionId: string;
  key: string;
}

/**
 * Makes (or finds) the dashboard's developer account, its approved Starter Pack subscription and
 * its primary key. Idempotent: every start finds what an earlier one made, and processes sharing
 * a database agree on one key.
 */
export async function ensureDashboardSubscription(
  identity: IdentityService,
  identityStore: IdentityStore,
  clock: Clock,
): Promise<DashboardSubscription> {
  const account = await developerAccount(identity);
  const existing = await identityStore.listSubscriptions(
    account.accountId,
    STARTER_PACK_PRODUCT_ID,
  );
  const subscription =
    existing
      .filter((s) => s.name === DASHBOARD_SUBSCRIPTION_NAME)
      .sort((a, b) => a.created_at.localeCompare(b.created_at))[0] ??
    (await identity.subscribe(
      account.accountId,
      STARTER_PACK_PRODUCT_ID,
      DASHBOARD_SUBSCRIPTION_NAME,
    ));
  // Made here, so approved here; a subscription an administrator suspended stays suspended.
  if (subscription.state === 'pending') {
    await identity.setSubscriptionState(subscription.id, 'approved');
  }
  const at = clock.now().toISOString();
  const key = await identityStore.secret(KEY_SECRET, () => randomBytes(16).toString('hex'), at);
  const hash = subscriptionKeyHash(key);
  const isLive = (row: Awaited<ReturnType<IdentityStore['findByKeyHash']>>) =>
    row?.subscription_id === subscription.id && row.revoked_at === null;
  const stored = await identityStore.findByKeyHash(hash);
  if (!stored) {
    try {
      await identityStore.replaceKey(subscription.id, 'primary', hash, key.slice(-4), at);
    } catch (error) {
      // Another process stored the same key at the same time (key hashes are unique).
      if (!isLive(await identityStore.findByKeyHash(hash))) throw error;
    }
  } else if (!isLive(stored)) {
    // A key is stored once: a revoked one cannot come back.
    throw new Error(
      `the dashboard's subscription key was revoked or moved; delete the platform secret ${KEY_SECRET} to make a new one`,
    );
  }
  return { subscriptionId: subscription.id, key };
}

async function developerAccount(identity: IdentityService) {
  const found = await identity.findAccountByEmail(DASHBOARD_DEVELOPER_EMAIL);
  if (found) return found;
  try {
    return await identity.createAccount({
      email: DASHBOARD_DEVELOPER_EMAIL,
      // Nobody signs in with it: a random password nobody knows.
      password: randomBytes(24).toString('base64url'),
      role: 'developer',
    });
  } catch (error) {
    // Another process made it at the same time.
    const made = await identity.findAccountByEmail(DASHBOARD_DEVELOPER_EMAIL);
    if (error instanceof IdentityError && made) return made;
    throw error;
  }
}
