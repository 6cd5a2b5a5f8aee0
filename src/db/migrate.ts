import { Migrator, sql, type Migration, type MigrationProvider } from 'kysely';
import type { Store } from './database.js';
import { foundation } from './migrations/0001-foundation.js';
import { stations } from './migrations/0002-stations.js';
import { telemetry } from './migrations/0003-telemetry.js';
import { refusedTransactions } from './migrations/0004-refused-transactions.js';
import { commandDeadlines } from './migrations/0008-command-deadlines.js';
import { oauthSecretsHashed } from './migrations/0006-oauth-secrets-hashed.js';
import { platformCommands } from './migrations/0005-platform-commands.js';
import { webhooks } from './migrations/0009-webhooks.js';
import { mail } from './migrations/0010-mail.js';
import { sharing } from './migrations/0011-sharing.js';
import { portal } from './migrations/0012-portal.js';
import { historyBackfills } from './migrations/0013-history-backfills.js';
import { jobLeases } from './migrations/0014-job-leases.js';
import { samplePartitions } from './migrations/0015-sample-partitions.js';
import { declaredSubscription } from './migrations/0016-declared-subscription.js';
import { chargeDriver } from './migrations/0017-charge-driver.js';

/** The migrations, in order; each is a function of the dialect so both schemas stay one. */
function migrationsFor(store: Store): Record<string, Migration> {
  return {
    '0001-foundation': foundation(store.dialect),
    '0002-stations': stations(store.dialect),
    '0003-telemetry': telemetry(store.dialect),
    '0004-refused-transactions': refusedTransactions(),
    '0005-platform-commands': platformCommands(store.dialect),
    '0006-oauth-secrets-hashed': oauthSecretsHashed(),
    '0008-command-deadlines': commandDeadlines(),
    '0009-webhooks': webhooks(store.dialect),
    '0010-mail': mail(),
    '0011-sharing': sharing(),
    '0012-portal': portal(),
    '0013-history-backfills': historyBackfills(),
    '0014-job-leases': jobLeases(),
    '0015-sample-partitions': samplePartitions(store.dialect),
    '0016-declared-subscription': declaredSubscription(),
    '0017-charge-driver': chargeDriver(),
  };
}

/** Brings the schema up to date; returns the names of the migrations it applied. */
export async function migrateToLatest(store: Store): Promise<string[]> {
  const provider: MigrationProvider = {
    getMigrations: () => Promise.resolve(migrationsFor(store)),
  };
  // On PostgreSQL the migration tables go in the connection's current schema, named
  // explicitly: Kysely otherwise finds same-named tables in other schemas and skips creating them.
  const migrationTableSchema =
    store.dialect === 'postgres'
      ? (await sql<{ schema: string }>`select current_schema() as schema`.execute(store.db)).rows[0]
          ?.schema
      : undefined;
  const migrator = new Migrator({
    db: store.db,
    provider,
    ...(migrationTableSchema ? { migrationTableSchema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error)
    throw error instanceof Error ? error : new Error(`migration failed: ${JSON.stringify(error)}`);
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
