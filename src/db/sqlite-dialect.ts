import {
  SelectQueryNode,
  SqliteDialect,
  type CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
} from 'kysely';

/**
 * A lock held by one owner at a time and handed to the waiters in the order they came, one
 * wakeup per release. Kysely's SQLite driver guards its single connection with a mutex whose
 * release wakes every waiter, each of which then waits again: with thousands of OCPP messages
 * waiting for the connection, every transaction paid for all of them.
 */
export class FifoLock {
  private held = false;
  /** Waiters in arrival order; those before `head` have been served. */
  private waiters: (() => void)[] = [];
  private head = 0;

  /** Whether an owner holds the lock. */
  get isHeld(): boolean {
    return this.held;
  }

  /** Owners waiting for the lock. */
  get waiting(): number {
    return this.waiters.length - this.head;
  }

  /** Resolves once the caller holds the lock. */
  acquire(): Promise<void> {
    if (!this.held) {
      this.held = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Hands the lock to the longest waiter, or frees it when nobody waits. */
  release(): void {
    if (!this.held) throw new Error('FifoLock released while not held');
    if (this.head === this.waiters.length) {
      this.held = false;
      return;
    }
    const next = this.waiters[this.head]!;
    this.head++;
    // Drop the served part once it dominates, so that the queue stays proportional to waiters.
    if (this.head >= 1024 && this.head * 2 >= this.waiters.length) {
      this.waiters = this.waiters.slice(this.head);
      this.head = 0;
    }
    next();
  }
}

/**
 * What the driver needs of a better-sqlite3 connection (a statement cache may stand in front of
 * its `prepare`).
 */
export interface GroupCommitDatabase {
  prepare(sql: string): {
    readonly reader: boolean;
    all(parameters: readonly unknown[]): unknown[];
    run(parameters: readonly unknown[]): {
      changes: number | bigint;
      lastInsertRowid: number | bigint;
    };
    iterate(parameters: readonly unknown[]): IterableIterator<unknown>;
  };
  /** True while a transaction is open (false again once SQLite rolled one back by itself). */
  readonly inTransaction: boolean;
  close(): void;
}

/** When a group of transactions commits at the latest: its number of units, its age. */
export interface GroupCommitLimits {
  maxUnits: number;
  maxMs: number;
}

const DEFAULT_LIMITS: GroupCommitLimits = { maxUnits: 256, maxMs: 10 };

/** The savepoint each transaction of a group runs in. */
const UNIT = 'witty_unit';

/** A group's commit failed, or SQLite rolled the group back: none of its transactions is stored. */
export class GroupCommitError extends Error {
  constructor(cause: unknown) {
    super(
      `the transaction was not committed: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
    this.name = 'GroupCommitError';
  }
}

/** One holder's turn on the connection: a transaction, or statements outside any. */
class Turn implements DatabaseConnection {
  /** Between this turn's BEGIN and its COMMIT or ROLLBACK. */
  unit = false;
  /** The connection went to the next holder (or was freed). */
  ended = false;

  constructor(private readonly driver: GroupCommitSqliteDriver) {}

  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    try {
      return Promise.resolve(this.driver.execute<R>(this, query));
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  async *streamQuery<R>(query: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    if (!SelectQueryNode.is(query.query))
      throw new Error('SQLite streams only the rows of a select query');
    for (const row of this.driver.iterate(this, query)) yield { rows: [row as R] };
  }
}

/** A transaction of the open group, waiting for the group's commit. */
interface Member {
  resolve(): void;
  reject(error: Error): void;
}

/**
 * Kysely's SQLite driver, with group commit. SQLite has one connection, handed to its holders in
 * arrival order (FifoLock). A transaction that ends while others wait for the connection does
 * not commit alone: it is released as a savepoint of a group transaction, the connection goes to
 * the next holder, and its own commit resolves once the group commits: at the end of the event
 * loop's turn in which nobody waits for the connection any more, before a statement outside any
 * transaction, or when the group reaches its limits. Under load,
 * many transactions share one COMMIT and the pages they all write (the outbox, the logs) go to
 * the WAL once. A transaction that fails rolls back to its savepoint and the others go on; if
 * SQLite rolls the whole group back, or its COMMIT fails, every transaction of the group fails.
 * No caller hears of a commit before it is on disk, and reads outside a transaction see only
 * committed data: the group commits before them.
 */
export class GroupCommitSqliteDriver implements Driver {
  private readonly turns = new FifoLock();
  private group: { members: Member[]; startedAt: number } | undefined;
  private database: GroupCommitDatabase | undefined;
  private commitScheduled = false;

  constructor(
    private readonly open: () => GroupCommitDatabase | Promise<GroupCommitDatabase>,
    private readonly limits: GroupCommitLimits = DEFAULT_LIMITS,
  ) {}

  async init(): Promise<void> {
    this.database = await this.open();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.turns.acquire();
    return new Turn(this);
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    const turn = connection as Turn;
    if (!this.group) {
      this.statement('begin');
      this.group = { members: [], startedAt: performance.now() };
    }
    this.statement(`savepoint ${UNIT}`);
    turn.unit = true;
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const turn = connection as Turn;
    const group = this.group;
    if (!group) throw new GroupCommitError(new Error('SQLite rolled the transaction back'));
    this.statement(`release ${UNIT}`);
    turn.unit = false;
    const committed = new Promise<void>((resolve, reject) =>
      group.members.push({ resolve, reject }),
    );
    this.endTurn(turn);
    return committed;
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const turn = connection as Turn;
    if (!turn.unit) return;
    turn.unit = false;
    if (this.group && this.database!.inTransaction) {
      this.statement(`rollback to ${UNIT}`);
      this.statement(`release ${UNIT}`);
    } else if (this.group) {
      // SQLite rolled the whole group back (an I/O error, a full disk): the transactions
      // released into it before this one are lost with it.
      this.fail(new Error('SQLite rolled the group of transactions back'));
    }
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    const turn = connection as Turn;
    // A transaction left open by its holder is not committed with the others.
    if (turn.unit) await this.rollbackTransaction(turn);
    this.endTurn(turn);
  }

  async destroy(): Promise<void> {
    if (this.group) this.commit();
    this.database?.close();
  }

  /** Runs a statement of `turn`: in its transaction, or alone once the group has committed. */
  execute<R>(turn: Turn, query: CompiledQuery): QueryResult<R> {
    this.ready(turn);
    const { sql, parameters } = query;
    try {
      const statement = this.database!.prepare(sql);
      if (statement.reader) return { rows: statement.all(parameters) as R[] };
      const { changes, lastInsertRowid } = statement.run(parameters);
      return {
        numAffectedRows: BigInt(changes),
        insertId: BigInt(lastInsertRowid),
        rows: [],
      };
    } catch (error) {
      if (this.group && !this.database!.inTransaction) this.fail(error);
      throw error;
    }
  }

  iterate(turn: Turn, query: CompiledQuery): IterableIterator<unknown> {
    this.ready(turn);
    return this.database!.prepare(query.sql).iterate(query.parameters);
  }

  /** Before a statement: a transaction still has its group; a statement alone comes after it. */
  private ready(turn: Turn): void {
    if (turn.ended) throw new Error('a statement came after its connection was released');
    if (turn.unit && !this.group)
      throw new GroupCommitError(new Error('SQLite rolled the group of transactions back'));
    if (!turn.unit && this.group) this.commit();
  }

  /**
   * Ends a holder's turn. The group stays open while it is within its limits: the connection
   * goes to the next holder, or, when nobody waits, is freed and the group commits at the end of
   * this turn of the event loop, so that the messages read from the network in the same turn
   * join it.
   */
  private endTurn(turn: Turn): void {
    if (turn.ended) return;
    turn.ended = true;
    const group = this.group;
    if (
      group &&
      (group.members.length >= this.limits.maxUnits ||
        performance.now() - group.startedAt >= this.limits.maxMs)
    )
      this.commit();
    else if (group && this.turns.waiting === 0) this.commitSoon();
    this.turns.release();
  }

  private commitSoon(): void {
    if (this.commitScheduled) return;
    this.commitScheduled = true;
    setImmediate(() => {
      this.commitScheduled = false;
      // A holder now commits the group or hands it on as its turn ends.
      if (this.group && !this.turns.isHeld) this.commit();
    });
  }

  private commit(): void {
    const group = this.group!;
    this.group = undefined;
    try {
      this.statement('commit');
    } catch (error) {
      if (this.database!.inTransaction) this.statement('rollback');
      for (const member of group.members) member.reject(new GroupCommitError(error));
      return;
    }
    for (const member of group.members) member.resolve();
  }

  private fail(cause: unknown): void {
    const group = this.group!;
    this.group = undefined;
    for (const member of group.members) member.reject(new GroupCommitError(cause));
  }

  private statement(sql: string): void {
    this.database!.prepare(sql).run([]);
  }
}

/** Kysely's SQLite dialect (better-sqlite3) on the group-commit driver above. */
export class GroupCommitSqliteDialect extends SqliteDialect {
  constructor(
    private readonly database: () => GroupCommitDatabase,
    private readonly limits?: GroupCommitLimits,
  ) {
    super({ database: database as never });
  }

  override createDriver(): Driver {
    return new GroupCommitSqliteDriver(this.database, this.limits);
  }
}
