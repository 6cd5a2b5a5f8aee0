/** The database of the webhook benches: a fresh PostgreSQL schema when DATABASE_URL is set. */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** A fresh schema of DATABASE_URL's database, or undefined for SQLite. */
export async function freshPostgres() {
  const base = process.env.DATABASE_URL;
  if (!base) return undefined;
  const schema = `witty_bench_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const url = new URL(base);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: base });
      await client.connect();
      await client.query(`drop schema ${schema} cascade`);
      await client.end();
    },
  };
}
