import { sql, type Kysely } from 'kysely';

/**
 * Sharing an installation with an installer: the owner's invitations. The activation code is
 * kept only as its SHA-256 hash; a row outlives its code (accepted, cancelled, replaced) so that a
 * used or cancelled code is told apart from an unknown one, and acceptance from another address
 * is recorded. At most one pending invitation per installation and address.
 */
export function sharing() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('invitations')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('installation_id', 'integer', (c) =>
          c.notNull().references('installations.id').onDelete('cascade'),
        )
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('culture', 'text', (c) => c.notNull())
        .addColumn('code_hash', 'text', (c) => c.notNull().unique())
        .addColumn('invited_by', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('ended_at', 'text')
        .addColumn('accepted_by', 'text', (c) => c.references('accounts.id').onDelete('set null'))
        .addColumn('accepted_email', 'text')
        .execute();
      await db.schema
        .createIndex('invitations_pending')
        .on('invitations')
        .columns(['installation_id', 'email'])
        .unique()
        .where(sql.ref('state'), '=', 'pending')
        .execute();
    },
  };
}
