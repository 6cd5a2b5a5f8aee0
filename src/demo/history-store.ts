import type { Selectable } from 'kysely';
import type { HistoryBackfillsTable } from '../db/schema.js';
import type { Executor } from '../db/unit-of-work.js';

export type HistoryPlanRow = Selectable<HistoryBackfillsTable>;

/** SQL of history backfills: each station's plan and how far its history is stored. */
export class HistoryStore {
  constructor(private readonly db: Executor) {}

  find(uid: string): Promise<HistoryPlanRow | undefined> {
    return this.db
      .selectFrom('history_backfills')
      .selectAll()
      .where('uid', '=', uid)
      .executeTakeFirst();
  }

  /** Records a plan, unless the station has one already; returns the one in force. */
  async plan(row: HistoryPlanRow): Promise<HistoryPlanRow> {
    await this.db
      .insertInto('history_backfills')
      .values(row)
      .onConflict((oc) => oc.column('uid').doNothing())
      .execute();
    const stored = await this.find(row.uid);
    if (!stored) throw new Error(`history plan of ${row.uid} not stored`);
    return stored;
  }

  /** How far the history is stored: written in the transaction of the batch it ends. */
  async progress(
    uid: string,
    progress: {
      done_until: string;
      open_transaction_id: number | null;
      completed_at?: string;
    },
  ): Promise<void> {
    await this.db.updateTable('history_backfills').set(progress).where('uid', '=', uid).execute();
  }
}
