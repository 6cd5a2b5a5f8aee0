import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/** What a store runs its SQL on: the database, or the transaction of the caller's unit of work. */
export type Executor = Kysely<Database>;

/**
 * Runs `work` in a transaction: the caller's when `db` already is one (the statements join its
 * unit of work), else a new one. Stores use it for their multi-statement writes.
 */
export function atomically<T>(db: Executor, work: (trx: Executor) => Promise<T>): Promise<T> {
  return db.isTransaction ? work(db) : db.transaction().execute(work);
}

/** What a store may ask of the unit of work it is bound to. */
export interface CommitHooks {
  /** Runs `task` once the work has committed (at once outside a transaction); never on rollback. */
  afterCommit(task: () => void): void;
  /**
   * Runs `task` in the transaction once the work has resolved, before it commits: writes a store
   * kept until the end of the unit. Outside a transaction there is no end to wait for: a store
   * writes at once instead.
   */
  beforeCommit(task: () => Promise<void>): void;
}

const immediately: CommitHooks = {
  afterCommit: (task) => task(),
  beforeCommit: () => {
    throw new Error('nothing commits outside a unit of work: write at once');
  },
};

/**
 * One change, one transaction: `run` gives the work a set of stores bound to a new transaction
 * (built by `bind`), commits when the work resolves and rolls back when it throws. One OCPP
 * message, one API change and the events they raise commit or fail together.
 */
export class UnitOfWork<Stores> {
  /** The stores outside any transaction, for reads that need no consistency with a change. */
  readonly read: Stores;

  constructor(
    private readonly db: Executor,
    private readonly bind: (executor: Executor, hooks: CommitHooks) => Stores,
  ) {
    this.read = bind(db, immediately);
  }

  async run<T>(work: (stores: Stores) => Promise<T>): Promise<T> {
    const committed: (() => void)[] = [];
    const ending: (() => Promise<void>)[] = [];
    const hooks: CommitHooks = {
      afterCommit: (task) => committed.push(task),
      beforeCommit: (task) => ending.push(task),
    };
    const result = await this.db.transaction().execute(async (trx) => {
      const value = await work(this.bind(trx, hooks));
      for (let task = ending.shift(); task; task = ending.shift()) await task();
      return value;
    });
    for (const task of committed) task();
    return result;
  }

  /** The same units of work, with more stores bound to each (a room's own, beside the platform's). */
  with<More extends object>(
    more: (executor: Executor, hooks: CommitHooks) => More,
  ): UnitOfWork<Stores & More> {
    return new UnitOfWork(this.db, (executor, hooks) => ({
      ...this.bind(executor, hooks),
      ...more(executor, hooks),
    }));
  }
}

/** True for a unique or primary key violation, on either dialect. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    code === '23505' ||
    code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
  );
}
