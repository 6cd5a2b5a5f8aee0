import {
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type Driver,
  type SqliteDialectConfig,
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

/** Kysely's SQLite driver with its connection handed out in arrival order (see FifoLock). */
class FifoSqliteDriver extends SqliteDriver {
  private readonly turns = new FifoLock();

  override async acquireConnection(): Promise<DatabaseConnection> {
    await this.turns.acquire();
    try {
      // Never waits: only the holder of the turn gets here.
      return await super.acquireConnection();
    } catch (error) {
      this.turns.release();
      throw error;
    }
  }

  override async releaseConnection(): Promise<void> {
    try {
      await super.releaseConnection();
    } finally {
      this.turns.release();
    }
  }
}

/** Kysely's SQLite dialect (better-sqlite3) whose single connection goes to waiters in order. */
export class FifoSqliteDialect extends SqliteDialect {
  constructor(private readonly config: SqliteDialectConfig) {
    super(config);
  }

  override createDriver(): Driver {
    return new FifoSqliteDriver(this.config);
  }
}
