import { sql, type Kysely } from 'kysely';

/**
 * The developer portal: browser sessions, single-use links sent by mail (address confirmation,
 * password reset), the address confirmation of accounts and the language their mails are
 * written in, and the reason given when a subscription is rejected. Session ids and link tokens
 * are kept only as their SHA-256 hashes. Each approved subscription gets a sandbox: an owner
 * account with an installation and a virtual station, for the API reference's try-it. Accounts that exist already were made by an operator
 * (`witty users create`): their address counts as confirmed.
 */
export function portal() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('accounts').addColumn('email_confirmed_at', 'text').execute();
      await db.schema
        .alterTable('accounts')
        .addColumn('culture', 'text', (c) => c.notNull().defaultTo('en-GB'))
        .execute();
      await sql`update accounts set email_confirmed_at = created_at`.execute(db);
      await db.schema.alterTable('subscriptions').addColumn('decision_reason', 'text').execute();
      // OAuth clients a developer registered on the portal (null: registered by an operator).
      await db.schema.alterTable('oauth_clients').addColumn('owner_account_id', 'text').execute();
      await db.schema
        .createTable('web_sessions')
        .addColumn('id_hash', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) =>
          c.notNull().references('accounts.id').onDelete('cascade'),
        )
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('web_sessions_account')
        .on('web_sessions')
        .column('account_id')
        .execute();
      await db.schema
        .createTable('account_links')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) =>
          c.notNull().references('accounts.id').onDelete('cascade'),
        )
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('used_at', 'text')
        .execute();
      await db.schema
        .createIndex('account_links_account')
        .on('account_links')
        .columns(['account_id', 'purpose'])
        .execute();
      await db.schema
        .createTable('sandboxes')
        .addColumn('subscription_id', 'text', (c) =>
          c.primaryKey().references('subscriptions.id').onDelete('cascade'),
        )
        .addColumn('owner_account_id', 'text', (c) =>
          c.notNull().references('accounts.id').onDelete('cascade'),
        )
        .addColumn('installation_id', 'integer', (c) => c.notNull())
        .addColumn('station_uid', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
    },
  };
}
