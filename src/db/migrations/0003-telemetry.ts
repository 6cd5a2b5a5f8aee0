import type { ColumnDefinitionBuilder, Kysely } from 'kysely';
import type { Dialect } from '../database.js';

/** Grid meters, measures (raw samples and rollups), logs and tariff prices. */
export function telemetry(dialect: Dialect) {
  const autoId = dialect === 'postgres' ? 'bigserial' : 'integer';
  const primary = (c: ColumnDefinitionBuilder) =>
    dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement();
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('grid_meters')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('station_id', 'text', (c) =>
          c.notNull().unique().references('charging_stations.id').onDelete('cascade'),
        )
        .addColumn('installation_id', 'integer', (c) => c.notNull())
        .addColumn('uid', 'text', (c) => c.notNull())
        .addColumn('tic_type', 'integer')
        .addColumn('subscription', 'text')
        .addColumn('current_tariff', 'text')
        .addColumn('indexes', 'text')
        .addColumn('total_index_wh', 'double precision')
        .addColumn('intensity_subscribed', 'double precision')
        .addColumn('last_tic_at', 'text')
        .execute();

      await db.schema
        .createTable('measure_samples')
        .addColumn('id', autoId, primary)
        .addColumn('device_id', 'text', (c) => c.notNull())
        .addColumn('measure', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('tariff', 'text', (c) => c.notNull())
        .addColumn('value', 'double precision', (c) => c.notNull())
        .addColumn('session_id', 'integer')
        .execute();
      await db.schema
        .createIndex('measure_samples_session')
        .on('measure_samples')
        .columns(['session_id', 'measure'])
        .execute();
      await db.schema
        .createIndex('measure_samples_device_measure_at')
        .on('measure_samples')
        .columns(['device_id', 'measure', 'at'])
        .execute();

      for (const table of ['measure_hours', 'measure_days'] as const) {
        let builder = db.schema
          .createTable(table)
          .addColumn('device_id', 'text', (c) => c.notNull())
          .addColumn('measure', 'text', (c) => c.notNull())
          .addColumn('tariff', 'text', (c) => c.notNull())
          .addColumn('bucket_start', 'text', (c) => c.notNull());
        if (table === 'measure_days')
          builder = builder.addColumn('local_day', 'text', (c) => c.notNull());
        await builder
          .addColumn('sum', 'double precision', (c) => c.notNull())
          .addColumn('count', 'integer', (c) => c.notNull())
          .addColumn('min', 'double precision', (c) => c.notNull())
          .addColumn('max', 'double precision', (c) => c.notNull())
          .addPrimaryKeyConstraint(`${table}_pk`, [
            'device_id',
            'measure',
            'bucket_start',
            'tariff',
          ])
          .execute();
      }

      await db.schema
        .createTable('log_records')
        .addColumn('id', autoId, primary)
        .addColumn('device_id', 'text', (c) => c.notNull())
        .addColumn('log_name', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('log_records_device_log_at')
        .on('log_records')
        .columns(['device_id', 'log_name', 'at'])
        .execute();
      await db.schema
        .createIndex('log_records_device_at')
        .on('log_records')
        .columns(['device_id', 'at'])
        .execute();

      await db.schema
        .createTable('tariff_prices')
        .addColumn('id', autoId, primary)
        .addColumn('installation_id', 'integer', (c) =>
          c.notNull().references('installations.id').onDelete('cascade'),
        )
        .addColumn('tariff_id', 'text', (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('friendly_name', 'text')
        .addColumn('begin_date', 'text', (c) => c.notNull())
        .addColumn('value', 'double precision', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('tariff_prices_installation')
        .on('tariff_prices')
        .columns(['installation_id', 'tariff_id', 'begin_date'])
        .execute();

      // The last register reading of each connector (JSON), to turn readings into deltas.
      await db.schema.alterTable('devices').addColumn('registers', 'text').execute();
      // How far the station's clock is from the platform's (its timestamps minus ours).
      await db.schema
        .alterTable('devices')
        .addColumn('clock_offset_ms', 'double precision')
        .execute();
    },
  };
}
