import { sql, type Selectable } from 'kysely';
import { ONE_ROW } from '../db/reusable-query.js';
import type { Executor } from '../db/unit-of-work.js';
import type { InvitationsTable } from '../db/schema.js';

export type InvitationRow = Selectable<InvitationsTable>;

/** A user of an installation: the membership and the account's names. */
export interface InstallationUserRow {
  account_id: string;
  email: string;
  first_name: string | null;
  last_name: string | null;
  role_code: 'owner' | 'installer';
  enabled: number;
}

/** SQL of sharing: invitations and the installers' memberships. */
export class SharingStore {
  constructor(private readonly db: Executor) {}

  installationName(installationId: number): Promise<string | undefined> {
    return this.db
      .selectFrom('installations')
      .select('name')
      .where('id', '=', installationId)
      .executeTakeFirst()
      .then((row) => row?.name);
  }

  /**
   * Holds the installation's row until the transaction ends, so that changes to its
   * invitations run one after the other (PostgreSQL; SQLite writes one at a time anyway).
   */
  async lockInstallation(installationId: number): Promise<void> {
    await sql`update installations set id = id where id = ${installationId}`.execute(this.db);
  }

  /** Invitations still pending and not expired at `now`, oldest first. */
  listPending(installationId: number, now: string): Promise<InvitationRow[]> {
    return this.db
      .selectFrom('invitations')
      .selectAll()
      .where('installation_id', '=', installationId)
      .where('state', '=', 'pending')
      .where('expires_at', '>', now)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
  }

  /** Ends the pending invitation of an address (replaced or cancelled); how many ended. */
  async endPending(
    installationId: number,
    email: string,
    state: 'replaced' | 'cancelled',
    now: string,
  ): Promise<number> {
    const result = await this.db
      .updateTable('invitations')
      .set({ state, ended_at: now })
      .where('installation_id', '=', installationId)
      .where('email', '=', email)
      .where('state', '=', 'pending')
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async insert(row: InvitationRow): Promise<void> {
    await this.db.insertInto('invitations').values(row).execute();
  }

  findByCodeHash(codeHash: string): Promise<InvitationRow | undefined> {
    return this.db
      .selectFrom('invitations')
      .selectAll()
      .where('code_hash', '=', codeHash)
      .executeTakeFirst();
  }

  /** Marks a pending invitation accepted; false when it was no longer pending. */
  async markAccepted(
    id: string,
    account: { accountId: string; email: string },
    now: string,
  ): Promise<boolean> {
    const result = await this.db
      .updateTable('invitations')
      .set({
        state: 'accepted',
        ended_at: now,
        accepted_by: account.accountId,
        accepted_email: account.email,
      })
      .where('id', '=', id)
      .where('state', '=', 'pending')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** The culture of the latest invitation an account accepted on an installation. */
  async acceptedCulture(
    installationId: number,
    accountId: string,
  ): Promise<InvitationRow['culture'] | undefined> {
    const row = await this.db
      .selectFrom('invitations')
      .select('culture')
      .where('installation_id', '=', installationId)
      .where('accepted_by', '=', accountId)
      .orderBy('ended_at', 'desc')
      .limit(ONE_ROW)
      .executeTakeFirst();
    return row?.culture;
  }

  /** The memberships of an installation with their accounts. */
  private usersOf(installationId: number) {
    return this.db
      .selectFrom('installation_users as u')
      .innerJoin('accounts as a', 'a.id', 'u.account_id')
      .select([
        'u.account_id',
        'a.email',
        'a.first_name',
        'a.last_name',
        'u.role_code',
        'u.enabled',
      ])
      .where('u.installation_id', '=', installationId);
  }

  /** The installation's users, the owner first, then installers in the order they joined. */
  users(installationId: number): Promise<InstallationUserRow[]> {
    return this.usersOf(installationId)
      .orderBy((eb) => eb.case().when('u.role_code', '=', 'owner').then(0).else(1).end())
      .orderBy('u.created_at')
      .orderBy('u.account_id')
      .execute();
  }

  user(installationId: number, accountId: string): Promise<InstallationUserRow | undefined> {
    return this.usersOf(installationId).where('u.account_id', '=', accountId).executeTakeFirst();
  }

  /** The user of the installation whose account has this address. */
  userByEmail(installationId: number, email: string): Promise<InstallationUserRow | undefined> {
    return this.usersOf(installationId).where('a.email', '=', email).executeTakeFirst();
  }

  owner(installationId: number): Promise<InstallationUserRow | undefined> {
    return this.usersOf(installationId).where('u.role_code', '=', 'owner').executeTakeFirst();
  }

  async addInstaller(installationId: number, accountId: string, now: string): Promise<void> {
    await this.db
      .insertInto('installation_users')
      .values({
        installation_id: installationId,
        account_id: accountId,
        role_code: 'installer',
        enabled: 1,
        created_at: now,
      })
      .execute();
  }

  async setInstallerEnabled(
    installationId: number,
    accountId: string,
    enabled: boolean,
  ): Promise<void> {
    await this.db
      .updateTable('installation_users')
      .set({ enabled: enabled ? 1 : 0 })
      .where('installation_id', '=', installationId)
      .where('account_id', '=', accountId)
      .where('role_code', '=', 'installer')
      .execute();
  }

  async removeInstaller(installationId: number, accountId: string): Promise<void> {
    await this.db
      .deleteFrom('installation_users')
      .where('installation_id', '=', installationId)
      .where('account_id', '=', accountId)
      .where('role_code', '=', 'installer')
      .execute();
  }
}
