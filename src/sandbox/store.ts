import type { Selectable } from 'kysely';
import type { SandboxesTable } from '../db/schema.js';
import type { Executor } from '../db/unit-of-work.js';

export type SandboxRow = Selectable<SandboxesTable>;

/** SQL of the try-it sandboxes. */
export class SandboxStore {
  constructor(private readonly db: Executor) {}

  find(subscriptionId: string): Promise<SandboxRow | undefined> {
    return this.db
      .selectFrom('sandboxes')
      .selectAll()
      .where('subscription_id', '=', subscriptionId)
      .executeTakeFirst();
  }

  list(): Promise<SandboxRow[]> {
    return this.db.selectFrom('sandboxes').selectAll().orderBy('created_at').execute();
  }

  /** Records a sandbox; false when the subscription has one already (a concurrent call made it). */
  async insert(row: SandboxRow): Promise<boolean> {
    const result = await this.db
      .insertInto('sandboxes')
      .values(row)
      .onConflict((oc) => oc.column('subscription_id').doNothing())
      .executeTakeFirst();
    return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
  }
}
