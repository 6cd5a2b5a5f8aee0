import type { Selectable } from 'kysely';
import { ReusableQuery } from '../db/reusable-query.js';
import { atomically, type Executor } from '../db/unit-of-work.js';
import type { InstallationsTable } from '../db/schema.js';

export type InstallationRow = Selectable<InstallationsTable>;
export type MembershipRole = 'owner' | 'installer';

/** An installation as one account sees it: the row and the account's role on it. */
export type InstallationWithRole = InstallationRow & { role_code: MembershipRole; enabled: number };

// What every API call on an installation runs, compiled once (src/db/reusable-query.ts).

const memberships = (db: Executor, accountId: string) =>
  db
    .selectFrom('installations as i')
    .innerJoin('installation_users as u', 'u.installation_id', 'i.id')
    .selectAll('i')
    .select(['u.role_code', 'u.enabled'])
    .where('u.account_id', '=', accountId);

const membershipsOf = new ReusableQuery(
  ['accountId'],
  (db: Executor, { accountId }: { accountId: string }) =>
    memberships(db, accountId).orderBy('i.id'),
);

const membershipIn = new ReusableQuery(
  ['installationId', 'accountId'],
  (db: Executor, { installationId, accountId }: { installationId: number; accountId: string }) =>
    memberships(db, accountId).where('i.id', '=', installationId),
);

/** SQL of the installations feature. */
export class InstallationStore {
  constructor(private readonly db: Executor) {}

  /** Installations the account belongs to, with its role, in creation order. */
  async listForAccount(accountId: string): Promise<InstallationWithRole[]> {
    return (await membershipsOf.execute(this.db, { accountId })).rows;
  }

  findForAccount(
    installationId: number,
    accountId: string,
  ): Promise<InstallationWithRole | undefined> {
    return membershipIn.takeFirst(this.db, { installationId, accountId });
  }

  /** Creates an installation and its owner membership in one transaction. */
  create(values: Omit<InstallationRow, 'id'>, ownerAccountId: string): Promise<InstallationRow> {
    return atomically(this.db, async (trx) => {
      const row = await trx
        .insertInto('installations')
        .values(values)
        .returningAll()
        .executeTakeFirstOrThrow();
      await trx
        .insertInto('installation_users')
        .values({
          installation_id: row.id,
          account_id: ownerAccountId,
          role_code: 'owner',
          enabled: 1,
          created_at: values.created_at,
        })
        .execute();
      return row;
    });
  }

  async update(
    installationId: number,
    values: Pick<
      InstallationRow,
      'name' | 'location_name' | 'latitude' | 'longitude' | 'updated_at'
    >,
  ): Promise<InstallationRow | undefined> {
    return this.db
      .updateTable('installations')
      .set(values)
      .where('id', '=', installationId)
      .returningAll()
      .executeTakeFirst();
  }

  async delete(installationId: number): Promise<void> {
    await atomically(this.db, async (trx) => {
      await trx
        .deleteFrom('installation_users')
        .where('installation_id', '=', installationId)
        .execute();
      await trx.deleteFrom('installations').where('id', '=', installationId).execute();
    });
  }
}
