import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import { ApiError } from '../errors.js';
import { hashPassword, verifyPassword } from './passwords.js';
import type { AccountRow, IdentityStore, SubscriptionRow } from './store.js';

export type Role = AccountRow['role'];
export const ROLES: readonly Role[] = ['owner', 'installer', 'developer', 'admin'];

/** The product partners subscribe to (the guide's onboarding). */
export const STARTER_PACK_PRODUCT_ID = 'energy-management-starter-pack';

/** An account as the rest of the platform sees it (never the password hash). */
export interface Account {
  accountId: string;
  email: string;
  role: Role;
  firstName: string | null;
  lastName: string | null;
  enabled: boolean;
  /** False for a portal sign-up whose address is not yet confirmed. */
  emailConfirmed: boolean;
  /** The language of the account's mails (en-GB | fr-FR | de-DE). */
  culture: string;
}

/** The caller of an API request, once its subscription key has been checked. */
export interface SubscriptionCaller {
  subscriptionId: string;
  productId: string;
  developerAccountId: string;
}

export interface IssuedKeys {
  subscriptionId: string;
  primaryKey: string;
  secondaryKey: string;
}

/** Raised for bad operator input (CLI) and duplicate accounts. */
export class IdentityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IdentityError';
  }
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The shortest password an account may have. */
export const MIN_PASSWORD_LENGTH = 8;

/** What an account is made of. */
export interface NewAccount {
  email: string;
  password: string;
  role: Role;
  firstName?: string | null;
  lastName?: string | null;
  /** The language of its mails (en-GB by default). */
  culture?: string;
}

/** Normalizes an e-mail address for storage and look-up. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** What the store keeps of a subscription key: its SHA-256, in hex. */
export function subscriptionKeyHash(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** Accounts, subscriptions and API keys. */
export class IdentityService {
  constructor(
    private readonly store: IdentityStore,
    private readonly clock: Clock,
  ) {}

  /** Creates an account made by an operator or a test: its address counts as confirmed. */
  async createAccount(input: NewAccount): Promise<Account> {
    const row = await this.accountRow(input, { confirmed: true });
    if (await this.store.findAccountByEmail(row.email)) {
      throw new IdentityError(`an account already exists for ${row.email}`);
    }
    await this.store.insertAccount(row);
    return toAccount(row);
  }

  /**
   * The row of a new account, checked and with its password hashed, for the caller to insert
   * (in its own transaction); `confirmed: false` for a sign-up whose address is not yet proven.
   */
  async accountRow(input: NewAccount, options: { confirmed: boolean }): Promise<AccountRow> {
    const email = normalizeEmail(input.email);
    if (!EMAIL.test(email)) throw new IdentityError(`not an e-mail address: ${input.email}`);
    if (input.password.length < MIN_PASSWORD_LENGTH)
      throw new IdentityError(`password must have ${MIN_PASSWORD_LENGTH} characters or more`);
    if (!ROLES.includes(input.role)) {
      throw new IdentityError(`role must be one of ${ROLES.join(', ')}, not ${input.role}`);
    }
    const now = this.clock.now().toISOString();
    return {
      id: randomUUID(),
      email,
      password_hash: await hashPassword(input.password),
      role: input.role,
      first_name: input.firstName ?? null,
      last_name: input.lastName ?? null,
      enabled: 1,
      created_at: now,
      updated_at: now,
      email_confirmed_at: options.confirmed ? now : null,
      culture: input.culture ?? 'en-GB',
    };
  }

  async findAccount(accountId: string): Promise<Account | undefined> {
    const row = await this.store.findAccountById(accountId);
    return row && toAccount(row);
  }

  async findAccountByEmail(email: string): Promise<Account | undefined> {
    const row = await this.store.findAccountByEmail(normalizeEmail(email));
    return row && toAccount(row);
  }

  /** The enabled account whose credentials these are, or undefined. */
  async authenticate(email: string, password: string): Promise<Account | undefined> {
    const row = await this.store.findAccountByEmail(normalizeEmail(email));
    if (!row) {
      // Same cost whether or not the account exists, so timing does not reveal it.
      await verifyPassword(password, DUMMY_HASH);
      return undefined;
    }
    const valid = await verifyPassword(password, row.password_hash);
    return valid && row.enabled === 1 ? toAccount(row) : undefined;
  }

  /** Creates a subscription of an account to a product, pending until approved when required. */
  async subscribe(accountId: string, productId: string, name: string): Promise<SubscriptionRow> {
    if (!(await this.store.productExists(productId))) {
      throw new IdentityError(`unknown product ${productId}`);
    }
    const now = this.clock.now().toISOString();
    const subscription: SubscriptionRow = {
      id: randomUUID(),
      account_id: accountId,
      product_id: productId,
      name,
      state: 'pending',
      created_at: now,
      updated_at: now,
      decision_reason: null,
    };
    await this.store.insertSubscription(subscription);
    return subscription;
  }

  async setSubscriptionState(subscriptionId: string, state: SubscriptionRow['state']) {
    const updated = await this.store.updateSubscriptionState(
      subscriptionId,
      state,
      this.clock.now().toISOString(),
    );
    if (!updated) throw new IdentityError(`unknown subscription ${subscriptionId}`);
  }

  /** Issues a new key in a slot, revoking the one it replaces; the key is only returned here. */
  async regenerateKey(subscriptionId: string, slot: 'primary' | 'secondary'): Promise<string> {
    const key = randomBytes(16).toString('hex');
    await this.store.replaceKey(
      subscriptionId,
      slot,
      subscriptionKeyHash(key),
      key.slice(-4),
      this.clock.now().toISOString(),
    );
    return key;
  }

  async revokeKey(subscriptionId: string, slot: 'primary' | 'secondary'): Promise<void> {
    await this.store.revokeKeys(subscriptionId, slot, this.clock.now().toISOString());
  }

  /**
   * The developer account for an e-mail with an approved Starter Pack subscription, created
   * when missing, and fresh primary and secondary keys (operator tool, `witty apikeys create`).
   */
  async issueStarterPackKeys(email: string, password?: string): Promise<IssuedKeys> {
    const account =
      (await this.findAccountByEmail(email)) ??
      (await this.createAccount({
        email,
        password: password ?? randomBytes(18).toString('base64url'),
        role: 'developer',
      }));
    const existing = await this.store.listSubscriptions(account.accountId, STARTER_PACK_PRODUCT_ID);
    const subscription =
      existing.find((s) => s.state === 'approved') ??
      (await this.subscribe(
        account.accountId,
        STARTER_PACK_PRODUCT_ID,
        'Energy Management Starter Pack',
      ));
    if (subscription.state !== 'approved') {
      await this.setSubscriptionState(subscription.id, 'approved');
    }
    return {
      subscriptionId: subscription.id,
      primaryKey: await this.regenerateKey(subscription.id, 'primary'),
      secondaryKey: await this.regenerateKey(subscription.id, 'secondary'),
    };
  }

  /** Checks a subscription key as sent by a client; throws the API error to answer. */
  async resolveSubscriptionKey(key: string): Promise<SubscriptionCaller> {
    const row = await this.store.findByKeyHash(subscriptionKeyHash(key));
    if (!row || row.revoked_at !== null) {
      throw new ApiError(
        'SUBSCRIPTION_KEY_INVALID',
        'Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription.',
      );
    }
    if (row.state !== 'approved' || row.account_enabled !== 1) {
      throw new ApiError(
        'SUBSCRIPTION_NOT_ACTIVE',
        `The subscription of this key is ${row.account_enabled === 1 ? row.state : 'disabled'}; it must be approved to call the API.`,
      );
    }
    return {
      subscriptionId: row.subscription_id,
      productId: row.product_id,
      developerAccountId: row.account_id,
    };
  }
}

// A valid hash of a random password, verified when an e-mail is unknown.
const DUMMY_HASH =
  'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

/** The account a row describes. */
export function toAccount(row: AccountRow): Account {
  return {
    accountId: row.id,
    email: row.email,
    role: row.role,
    firstName: row.first_name,
    lastName: row.last_name,
    enabled: row.enabled === 1,
    emailConfirmed: row.email_confirmed_at !== null,
    culture: row.culture,
  };
}
