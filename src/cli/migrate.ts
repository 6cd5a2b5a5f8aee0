import type { Config } from '../config.js';
import { migrateToLatest } from '../db/migrate.js';
import { openStore } from '../db/database.js';
import { print } from './options.js';

/** `witty migrate`: brings the database schema up to date. */
export async function migrate(config: Config): Promise<number> {
  const store = openStore(config.database);
  try {
    const applied = await migrateToLatest(store);
    print({ dialect: store.dialect, applied });
    return 0;
  } finally {
    await store.close();
  }
}
