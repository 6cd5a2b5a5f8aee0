import type { Selectable } from 'kysely';
import { ONE_ROW } from '../db/reusable-query.js';
import type { AccountLinksTable } from '../db/schema.js';
import type { Executor } from '../db/unit-of-work.js';

export type AccountLinkRow = Selectable<AccountLinksTable>;

/** SQL of the portal: browser sessions and the single-use links sent by mail. */
export class PortalStore {
  constructor(private readonly db: Executor) {}

  async insertSession(idHash: string, accountId: string, at: string, expiresAt: string) {
    await this.db
      .insertInto('web_sessions')
      .values({ id_hash: idHash, account_id: accountId, created_at: at, expires_at: expiresAt })
      .execute();
  }

  /** The account of a live session, enabled or not (the caller decides). */
  findSessionAccount(idHash: string, now: string) {
    return this.db
      .selectFrom('web_sessions as w')
      .innerJoin('accounts as a', 'a.id', 'w.account_id')
      .selectAll('a')
      .where('w.id_hash', '=', idHash)
      .where('w.expires_at', '>', now)
      .executeTakeFirst();
  }

  async deleteSession(idHash: string): Promise<void> {
    await this.db.deleteFrom('web_sessions').where('id_hash', '=', idHash).execute();
  }

  /** Ends every session of an account (password changed, account disabled). */
  async deleteSessionsOf(accountId: string): Promise<void> {
    await this.db.deleteFrom('web_sessions').where('account_id', '=', accountId).execute();
  }

  /** Removes sessions and links past their expiry; the number of rows removed. */
  async purgeExpired(now: string): Promise<number> {
    const sessions = await this.db
      .deleteFrom('web_sessions')
      .where('expires_at', '<=', now)
      .executeTakeFirst();
    const links = await this.db
      .deleteFrom('account_links')
      .where('expires_at', '<=', now)
      .executeTakeFirst();
    return Number(sessions.numDeletedRows) + Number(links.numDeletedRows);
  }

  async insertLink(link: AccountLinkRow): Promise<void> {
    await this.db.insertInto('account_links').values(link).execute();
  }

  findLink(tokenHash: string, purpose: AccountLinkRow['purpose']) {
    return this.db
      .selectFrom('account_links')
      .selectAll()
      .where('token_hash', '=', tokenHash)
      .where('purpose', '=', purpose)
      .executeTakeFirst();
  }

  /** The newest link of an account for a purpose. */
  latestLink(accountId: string, purpose: AccountLinkRow['purpose']) {
    return this.db
      .selectFrom('account_links')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('purpose', '=', purpose)
      .orderBy('created_at', 'desc')
      .limit(ONE_ROW)
      .executeTakeFirst();
  }

  /** Marks a link used; false when it was used already (another request won). */
  async useLink(tokenHash: string, at: string): Promise<boolean> {
    const result = await this.db
      .updateTable('account_links')
      .set({ used_at: at })
      .where('token_hash', '=', tokenHash)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** Ends the unused links of an account for a purpose (a newer one replaces them). */
  async retireLinks(accountId: string, purpose: AccountLinkRow['purpose'], at: string) {
    await this.db
      .updateTable('account_links')
      .set({ used_at: at })
      .where('account_id', '=', accountId)
      .where('purpose', '=', purpose)
      .where('used_at', 'is', null)
      .execute();
  }
}
