import type { Kysely, Selectable } from 'kysely';
import { atomically } from '../db/unit-of-work.js';
import type { AccountsTable, Database, SubscriptionsTable } from '../db/schema.js';

export type AccountRow = Selectable<AccountsTable>;
export type SubscriptionRow = Selectable<SubscriptionsTable>;

/** SQL of the identity feature: accounts, subscriptions, keys, OAuth clients, signing keys. */
export class IdentityStore {
  constructor(
    private readonly db: Kysely<Database>,
    /**
     * Told after a change to what the API's authentication checks (a key, a subscription's
     * state, an account's being enabled), once it is stored: the caches of checked callers
     * forget what they knew.
     */
    private readonly changed: () => void = () => undefined,
  ) {}

  findAccountById(id: string): Promise<AccountRow | undefined> {
    return this.db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findAccountByEmail(email: string): Promise<AccountRow | undefined> {
    return this.db.selectFrom('accounts').selectAll().where('email', '=', email).executeTakeFirst();
  }

  async insertAccount(account: AccountRow): Promise<void> {
    await this.db.insertInto('accounts').values(account).execute();
  }

  async confirmEmail(accountId: string, at: string): Promise<void> {
    await this.db
      .updateTable('accounts')
      .set({ email_confirmed_at: at, updated_at: at })
      .where('id', '=', accountId)
      .where('email_confirmed_at', 'is', null)
      .execute();
  }

  async setPasswordHash(accountId: string, passwordHash: string, at: string): Promise<void> {
    await this.db
      .updateTable('accounts')
      .set({ password_hash: passwordHash, updated_at: at })
      .where('id', '=', accountId)
      .execute();
  }

  /** Enables or disables an account; false when there is none. */
  async setAccountEnabled(accountId: string, enabled: boolean, at: string): Promise<boolean> {
    const result = await this.db
      .updateTable('accounts')
      .set({ enabled: enabled ? 1 : 0, updated_at: at })
      .where('id', '=', accountId)
      .executeTakeFirst();
    this.changed();
    return result.numUpdatedRows > 0n;
  }

  /** Accounts, newest first. */
  listAccounts(limit: number): Promise<AccountRow[]> {
    return this.db
      .selectFrom('accounts')
      .selectAll()
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .limit(limit)
      .execute();
  }

  /** The enabled administrators. */
  listAdmins(): Promise<AccountRow[]> {
    return this.db
      .selectFrom('accounts')
      .selectAll()
      .where('role', '=', 'admin')
      .where('enabled', '=', 1)
      .orderBy('created_at')
      .execute();
  }

  listProducts() {
    return this.db.selectFrom('products').selectAll().orderBy('name').execute();
  }

  findProduct(id: string) {
    return this.db.selectFrom('products').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** A subscription with its product's name and its account. */
  findSubscription(id: string) {
    return this.subscriptionsWithProduct().where('s.id', '=', id).executeTakeFirst();
  }

  /** An account's subscriptions, oldest first, with their products' names. */
  subscriptionsOf(accountId: string) {
    return this.subscriptionsWithProduct()
      .where('s.account_id', '=', accountId)
      .orderBy('s.created_at')
      .orderBy('s.id')
      .execute();
  }

  /** Subscriptions in a state, oldest first (the administrator's queue). */
  subscriptionsIn(state: SubscriptionRow['state'], limit: number) {
    return this.subscriptionsWithProduct()
      .where('s.state', '=', state)
      .orderBy('s.created_at')
      .orderBy('s.id')
      .limit(limit)
      .execute();
  }

  /** The latest approved or rejected subscriptions, last decided first. */
  decidedSubscriptions(limit: number) {
    return this.subscriptionsWithProduct()
      .where('s.state', 'in', ['approved', 'rejected'])
      .orderBy('s.updated_at', 'desc')
      .orderBy('s.id')
      .limit(limit)
      .execute();
  }

  private subscriptionsWithProduct() {
    return this.db
      .selectFrom('subscriptions as s')
      .innerJoin('products as p', 'p.id', 's.product_id')
      .innerJoin('accounts as a', 'a.id', 's.account_id')
      .selectAll('s')
      .select([
        'p.name as product_name',
        'a.email as account_email',
        'a.first_name as account_first_name',
        'a.last_name as account_last_name',
        'a.culture as account_culture',
      ]);
  }

  /** The live (unrevoked) keys' hints of some subscriptions. */
  liveKeyHints(subscriptionIds: readonly string[]) {
    if (subscriptionIds.length === 0) return Promise.resolve([]);
    return this.db
      .selectFrom('subscription_keys')
      .select(['subscription_id', 'slot', 'key_hint', 'created_at'])
      .where('subscription_id', 'in', subscriptionIds)
      .where('revoked_at', 'is', null)
      .execute();
  }

  async renameSubscription(id: string, name: string, at: string): Promise<boolean> {
    const result = await this.db
      .updateTable('subscriptions')
      .set({ name, updated_at: at })
      .where('id', '=', id)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** Approves or rejects a pending subscription; false when it is no longer pending. */
  async decideSubscription(
    id: string,
    state: 'approved' | 'rejected',
    reason: string | null,
    at: string,
  ): Promise<boolean> {
    const result = await this.db
      .updateTable('subscriptions')
      .set({ state, decision_reason: reason, updated_at: at })
      .where('id', '=', id)
      .where('state', '=', 'pending')
      .executeTakeFirst();
    this.changed();
    return result.numUpdatedRows > 0n;
  }

  listSubscriptions(accountId: string, productId: string): Promise<SubscriptionRow[]> {
    return this.db
      .selectFrom('subscriptions')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('product_id', '=', productId)
      .orderBy('created_at')
      .execute();
  }

  async insertSubscription(subscription: SubscriptionRow): Promise<void> {
    await this.db.insertInto('subscriptions').values(subscription).execute();
  }

  async updateSubscriptionState(
    id: string,
    state: SubscriptionRow['state'],
    updatedAt: string,
  ): Promise<boolean> {
    const result = await this.db
      .updateTable('subscriptions')
      .set({ state, updated_at: updatedAt })
      .where('id', '=', id)
      .executeTakeFirst();
    this.changed();
    return result.numUpdatedRows > 0n;
  }

  productExists(id: string): Promise<boolean> {
    return this.db
      .selectFrom('products')
      .select('id')
      .where('id', '=', id)
      .executeTakeFirst()
      .then(Boolean);
  }

  /** Revokes the live key of a slot and stores its replacement, in one transaction. */
  async replaceKey(
    subscriptionId: string,
    slot: 'primary' | 'secondary',
    keyHash: string,
    keyHint: string,
    at: string,
  ): Promise<void> {
    await atomically(this.db, async (trx) => {
      await trx
        .updateTable('subscription_keys')
        .set({ revoked_at: at })
        .where('subscription_id', '=', subscriptionId)
        .where('slot', '=', slot)
        .where('revoked_at', 'is', null)
        .execute();
      await trx
        .insertInto('subscription_keys')
        .values({
          subscription_id: subscriptionId,
          slot,
          key_hash: keyHash,
          key_hint: keyHint,
          created_at: at,
          revoked_at: null,
        })
        .execute();
    });
    this.changed();
  }

  async revokeKeys(
    subscriptionId: string,
    slot: 'primary' | 'secondary',
    at: string,
  ): Promise<void> {
    await this.db
      .updateTable('subscription_keys')
      .set({ revoked_at: at })
      .where('subscription_id', '=', subscriptionId)
      .where('slot', '=', slot)
      .where('revoked_at', 'is', null)
      .execute();
    this.changed();
  }

  /** The subscription and its owner for a key hash, with the key's revocation time. */
  findByKeyHash(keyHash: string) {
    return this.db
      .selectFrom('subscription_keys as k')
      .innerJoin('subscriptions as s', 's.id', 'k.subscription_id')
      .innerJoin('accounts as a', 'a.id', 's.account_id')
      .select([
        'k.revoked_at',
        's.id as subscription_id',
        's.state',
        's.product_id',
        'a.id as account_id',
        'a.enabled as account_enabled',
      ])
      .where('k.key_hash', '=', keyHash)
      .executeTakeFirst();
  }

  findClient(clientId: string) {
    return this.db
      .selectFrom('oauth_clients')
      .selectAll()
      .where('client_id', '=', clientId)
      .executeTakeFirst();
  }

  async upsertClient(
    clientId: string,
    name: string,
    metadata: string,
    at: string,
    ownerAccountId: string | null = null,
  ): Promise<void> {
    await this.db
      .insertInto('oauth_clients')
      .values({
        client_id: clientId,
        name,
        metadata,
        created_at: at,
        owner_account_id: ownerAccountId,
      })
      .onConflict((oc) => oc.column('client_id').doUpdateSet({ name, metadata }))
      .execute();
  }

  /** The OAuth clients a developer registered, oldest first. */
  clientsOf(accountId: string) {
    return this.db
      .selectFrom('oauth_clients')
      .selectAll()
      .where('owner_account_id', '=', accountId)
      .orderBy('created_at')
      .orderBy('client_id')
      .execute();
  }

  /** Deletes a developer's client; false when they have none with that id. */
  async deleteClientOf(accountId: string, clientId: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('oauth_clients')
      .where('client_id', '=', clientId)
      .where('owner_account_id', '=', accountId)
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  listSigningKeys() {
    return this.db.selectFrom('signing_keys').selectAll().orderBy('created_at', 'desc').execute();
  }

  /** Inserts a row unless one with the same key exists (concurrent first starts agree). */
  async insertSigningKeyIfNone(kid: string, privateJwk: string, at: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const existing = await trx.selectFrom('signing_keys').select('kid').executeTakeFirst();
      if (existing) return;
      await trx
        .insertInto('signing_keys')
        .values({ kid, private_jwk: privateJwk, created_at: at })
        .onConflict((oc) => oc.doNothing())
        .execute();
    });
  }

  async secret(name: string, create: () => string, at: string): Promise<string> {
    await this.db
      .insertInto('platform_secrets')
      .values({ name, value: create(), created_at: at })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    const row = await this.db
      .selectFrom('platform_secrets')
      .select('value')
      .where('name', '=', name)
      .executeTakeFirstOrThrow();
    return row.value;
  }
}
