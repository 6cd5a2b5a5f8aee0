import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, sql } from 'kysely';
import pg from 'pg';
import type { Config } from '../config.js';
import { BackgroundCheckpointer, type CheckpointReport } from './checkpointer.js';
import { SchemaPostgresDialect } from './postgres-dialect.js';
import type { Database } from './schema.js';
import { GroupCommitSqliteDialect, type GroupCommitDatabase } from './sqlite-dialect.js';

export type Dialect = 'sqlite' | 'postgres';

/** An open store: the Kysely instance and the dialect it speaks. */
export interface Store {
  readonly db: Kysely<Database>;
  readonly dialect: Dialect;
  /** Answers when the database can run a query. */
  ping(): Promise<void>;
  /**
   * SQLite: checkpoints the WAL from a thread of its own from now on (BackgroundCheckpointer),
   * for a server's long run; `close` stops it. Nothing to do on PostgreSQL.
   */
  checkpointInBackground(onReport?: (report: CheckpointReport) => void): void;
  close(): Promise<void>;
}

/** How often the background thread checkpoints SQLite's WAL. */
const CHECKPOINT_INTERVAL_MS = 200;
/** The server's own automatic checkpoint once the thread checkpoints: 40 MB of WAL (default 4 MB). */
const BACKSTOP_CHECKPOINT_PAGES = 10_000;

/** Opens the store chosen by the configuration (SQLite file by default, PostgreSQL by URL). */
export function openStore(database: Config['database']): Store {
  if (database.dialect === 'sqlite') {
    if (database.file !== ':memory:')
      fs.mkdirSync(path.dirname(database.file), { recursive: true });
    const connection = new SQLite(database.file);
    if (database.file !== ':memory:') connection.pragma('journal_mode = WAL');
    connection.pragma('synchronous = NORMAL');
    connection.pragma('foreign_keys = ON');
    connection.pragma('busy_timeout = 5000');
    const db = new Kysely<Database>({
      dialect: new GroupCommitSqliteDialect(() => withStatementCache(connection)),
    });
    let checkpointer: BackgroundCheckpointer | undefined;
    return {
      ...wrap(db, 'sqlite'),
      checkpointInBackground(onReport) {
        if (checkpointer || database.file === ':memory:') return;
        connection.pragma(`wal_autocheckpoint = ${BACKSTOP_CHECKPOINT_PAGES}`);
        checkpointer = new BackgroundCheckpointer(database.file, CHECKPOINT_INTERVAL_MS, onReport);
      },
      async close() {
        await checkpointer?.stop();
        await db.destroy();
      },
    };
  }
  const pool = new pg.Pool({ connectionString: database.url, max: database.poolSize ?? 10 });
  // An idle client that loses its connection must not crash the process.
  pool.on('error', () => undefined);
  return wrap(new Kysely<Database>({ dialect: new SchemaPostgresDialect({ pool }) }), 'postgres');
}

/**
 * Kysely's SQLite driver prepares every statement anew; better-sqlite3 statements are reusable,
 * so the same SQL text gets the same prepared statement (a bounded cache).
 */
function withStatementCache(connection: SQLite.Database): GroupCommitDatabase {
  const statements = new Map<string, SQLite.Statement>();
  return {
    close: () => connection.close(),
    get inTransaction() {
      return connection.inTransaction;
    },
    prepare(text: string) {
      let statement = statements.get(text);
      if (!statement) {
        if (statements.size >= 1000) statements.delete(statements.keys().next().value!);
        statement = connection.prepare(text);
        statements.set(text, statement);
      }
      return statement;
    },
  };
}

function wrap(db: Kysely<Database>, dialect: Dialect): Store {
  return {
    db,
    dialect,
    checkpointInBackground: () => undefined,
    async ping() {
      await sql`select 1`.execute(db);
    },
    async close() {
      await db.destroy();
    },
  };
}
