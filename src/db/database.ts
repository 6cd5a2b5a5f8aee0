import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, sql, type SqliteDialectConfig } from 'kysely';
import pg from 'pg';
import type { Config } from '../config.js';
import type { Database } from './schema.js';
import { FifoSqliteDialect } from './sqlite-dialect.js';

export type Dialect = 'sqlite' | 'postgres';

/** An open store: the Kysely instance and the dialect it speaks. */
export interface Store {
  readonly db: Kysely<Database>;
  readonly dialect: Dialect;
  /** Answers when the database can run a query. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

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
    return wrap(
      new Kysely<Database>({
        dialect: new FifoSqliteDialect({ database: withStatementCache(connection) }),
      }),
      'sqlite',
    );
  }
  const pool = new pg.Pool({ connectionString: database.url, max: 10 });
  // An idle client that loses its connection must not crash the process.
  pool.on('error', () => undefined);
  return wrap(new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), 'postgres');
}

/**
 * Kysely's SQLite driver prepares every statement anew; better-sqlite3 statements are reusable,
 * so the same SQL text gets the same prepared statement (a bounded cache).
 */
function withStatementCache(connection: SQLite.Database): SqliteDialectConfig['database'] {
  const statements = new Map<string, SQLite.Statement>();
  return {
    close: () => connection.close(),
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
    async ping() {
      await sql`select 1`.execute(db);
    },
    async close() {
      await db.destroy();
    },
  };
}
