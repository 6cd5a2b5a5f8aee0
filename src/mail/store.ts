import { sql, type Insertable, type Selectable, type Updateable } from 'kysely';
import type { Dialect } from '../db/database.js';
import type { MailsTable } from '../db/schema.js';
import { atomically, type Executor } from '../db/unit-of-work.js';

export type MailRow = Selectable<MailsTable>;

/** Who is alerted of an installation's station errors: its owner, with the settings in force. */
export interface AlertRecipient {
  email: string;
  stationErrorEmails: boolean;
  installationName: string;
}

/** What the owner was last told of one error code of one station. */
export interface AlertMemory {
  raisedMailedAt: string | null;
  clearDue: boolean;
}

/** Stores one mail (the queue writes in the caller's unit of work). */
export async function insertMail(db: Executor, row: Insertable<MailsTable>): Promise<void> {
  await db.insertInto('mails').values(row).execute();
}

/** SQL of mails, alert memory and notification settings; every method joins the caller's transaction. */
export class MailStore {
  constructor(
    private readonly db: Executor,
    private readonly dialect: Dialect,
  ) {}

  insert(row: Insertable<MailsTable>): Promise<void> {
    return insertMail(this.db, row);
  }

  /**
   * Takes up to `limit` due mails for `leaseUntil`. On PostgreSQL rows another node is taking
   * are skipped (FOR UPDATE SKIP LOCKED); a lease that ran out (its worker stopped) is taken again.
   */
  claimDue(options: { now: string; leaseUntil: string; limit: number }): Promise<MailRow[]> {
    const { now, leaseUntil, limit } = options;
    return atomically(this.db, async (trx) => {
      const due = await trx
        .selectFrom('mails')
        .select('id')
        .where('state', '=', 'pending')
        .where('next_attempt_at', '<=', now)
        .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
        .orderBy('next_attempt_at')
        .limit(limit)
        .$if(this.dialect === 'postgres', (q) => q.forUpdate().skipLocked())
        .execute();
      if (due.length === 0) return [];
      const ids = due.map((row) => row.id);
      await trx
        .updateTable('mails')
        .set({ lease_until: leaseUntil })
        .where('id', 'in', ids)
        .execute();
      return trx
        .selectFrom('mails')
        .selectAll()
        .where('id', 'in', ids)
        .orderBy('next_attempt_at')
        .execute();
    });
  }

  async update(id: string, values: Updateable<MailsTable>): Promise<void> {
    await this.db.updateTable('mails').set(values).where('id', '=', id).execute();
  }

  /** Frees the leases of pending mails (the embedded store's only worker is starting). */
  async releaseLeases(): Promise<void> {
    await this.db
      .updateTable('mails')
      .set({ lease_until: null })
      .where('state', '=', 'pending')
      .where('lease_until', 'is not', null)
      .execute();
  }

  /** Mails waiting to be sent (retries included), for the queue-depth metric. */
  async pendingCount(): Promise<number> {
    const row = await this.db
      .selectFrom('mails')
      .select((eb) => eb.fn.countAll<number | string>().as('count'))
      .where('state', '=', 'pending')
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  /** The newest mails first, to one address when given. */
  list(options: { to?: string; limit: number }): Promise<MailRow[]> {
    return this.db
      .selectFrom('mails')
      .selectAll()
      .$if(options.to !== undefined, (q) =>
        q.where(sql<string>`lower(to_address)`, '=', options.to!.toLowerCase()),
      )
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(options.limit)
      .execute();
  }

  find(id: string): Promise<MailRow | undefined> {
    return this.db.selectFrom('mails').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** The owner of an installation, with their alert setting (on when never set). */
  async alertRecipient(installationId: number): Promise<AlertRecipient | undefined> {
    const row = await this.db
      .selectFrom('installation_users as u')
      .innerJoin('accounts as a', 'a.id', 'u.account_id')
      .innerJoin('installations as i', 'i.id', 'u.installation_id')
      .leftJoin('notification_settings as s', 's.account_id', 'a.id')
      .select(['a.email', 'i.name', 's.station_error_emails'])
      .where('u.installation_id', '=', installationId)
      .where('u.role_code', '=', 'owner')
      .where('a.enabled', '=', 1)
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      email: row.email,
      installationName: row.name,
      stationErrorEmails: row.station_error_emails !== 0,
    };
  }

  async alertMemory(stationId: string, code: number): Promise<AlertMemory | undefined> {
    const row = await this.db
      .selectFrom('station_alerts')
      .select(['raised_mailed_at', 'clear_due'])
      .where('station_id', '=', stationId)
      .where('code', '=', code)
      .executeTakeFirst();
    return row && { raisedMailedAt: row.raised_mailed_at, clearDue: row.clear_due === 1 };
  }

  /** Remembers a raise of `code`: mailed at `mailedAt`, or not mailed (null). */
  async rememberRaise(stationId: string, code: number, mailedAt: string | null): Promise<void> {
    const values = mailedAt ? { raised_mailed_at: mailedAt, clear_due: 1 } : { clear_due: 0 };
    await this.db
      .insertInto('station_alerts')
      .values({
        station_id: stationId,
        code,
        raised_mailed_at: mailedAt,
        clear_due: values.clear_due,
      })
      .onConflict((oc) => oc.columns(['station_id', 'code']).doUpdateSet(values))
      .execute();
  }

  /** No clearing of the station's errors is owed any more (it was told, or another error took over). */
  async settleClears(stationId: string): Promise<void> {
    await this.db
      .updateTable('station_alerts')
      .set({ clear_due: 0 })
      .where('station_id', '=', stationId)
      .where('clear_due', '=', 1)
      .execute();
  }

  async stationErrorEmails(accountId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('notification_settings')
      .select('station_error_emails')
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    return row ? row.station_error_emails === 1 : true;
  }

  async setStationErrorEmails(accountId: string, on: boolean, at: string): Promise<void> {
    const values = { station_error_emails: on ? 1 : 0, updated_at: at };
    await this.db
      .insertInto('notification_settings')
      .values({ account_id: accountId, ...values })
      .onConflict((oc) => oc.column('account_id').doUpdateSet(values))
      .execute();
  }
}
