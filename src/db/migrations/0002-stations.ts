import type { Kysely } from 'kysely';
import type { Dialect } from '../database.js';

/** Device registry and live state, station associations, charging sessions and commands. */
export function stations(dialect: Dialect) {
  const autoId = dialect === 'postgres' ? 'serial' : 'integer';
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('devices')
        .addColumn('uid', 'text', (c) => c.primaryKey())
        .addColumn('serial_number', 'text', (c) => c.notNull().unique())
        .addColumn('mac_address', 'text')
        .addColumn('production_date', 'text', (c) => c.notNull())
        .addColumn('product_reference', 'text', (c) => c.notNull())
        .addColumn('secret_hash', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        // Live state, written by the gateway.
        .addColumn('connected', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('last_seen_at', 'text')
        .addColumn('last_heartbeat_at', 'text')
        .addColumn('heartbeat_interval', 'integer', (c) => c.notNull().defaultTo(600))
        .addColumn('booted_at', 'text')
        .addColumn('vendor', 'text')
        .addColumn('model', 'text')
        .addColumn('firmware_version', 'text')
        .addColumn('firmware_status', 'text')
        .addColumn('diagnostics_status', 'text')
        .addColumn('wifi_ssid', 'text')
        .addColumn('phase_number', 'text')
        .addColumn('erl_connected', 'integer')
        .addColumn('tic_connected', 'text')
        .addColumn('night_mode_connected', 'text')
        .addColumn('shedding_mode', 'text')
        .addColumn('connectivity_type', 'text')
        .addColumn('key_switch', 'text')
        .addColumn('evcs_locked', 'integer')
        .addColumn('charge_mode', 'text')
        .addColumn('charge_mode_by_platform', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('led_power', 'integer')
        .addColumn('tariff_classes', 'text')
        .addColumn('last_cybersecurity_event', 'integer')
        .addColumn('last_cybersecurity_at', 'text')
        .execute();

      await db.schema
        .createTable('connector_states')
        .addColumn('uid', 'text', (c) => c.notNull().references('devices.uid').onDelete('cascade'))
        .addColumn('connector_id', 'integer', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('error_code', 'text', (c) => c.notNull())
        .addColumn('vendor_error_code', 'text')
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('connector_states_pk', ['uid', 'connector_id'])
        .execute();

      await db.schema
        .createTable('charging_stations')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('uid', 'text', (c) => c.notNull().unique().references('devices.uid'))
        .addColumn('installation_id', 'integer', (c) =>
          c.notNull().unique().references('installations.id').onDelete('cascade'),
        )
        .addColumn('installation_date', 'text', (c) => c.notNull())
        .addColumn('timezone', 'text', (c) => c.notNull())
        .addColumn('culture', 'text', (c) => c.notNull())
        .addColumn('friendly_name', 'text')
        .addColumn('average_ev_consumption', 'double precision')
        .addColumn('authorize_tic', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();

      await db.schema
        .createTable('charging_sessions')
        .addColumn('id', autoId, (c) =>
          dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
        )
        .addColumn('uid', 'text', (c) => c.notNull().references('devices.uid').onDelete('cascade'))
        .addColumn('station_id', 'text')
        .addColumn('connector_id', 'integer', (c) => c.notNull())
        .addColumn('id_tag', 'text', (c) => c.notNull())
        .addColumn('started_at', 'text', (c) => c.notNull())
        .addColumn('meter_start_wh', 'double precision', (c) => c.notNull())
        .addColumn('last_meter_wh', 'double precision', (c) => c.notNull())
        .addColumn('last_meter_at', 'text', (c) => c.notNull())
        .addColumn('power_w', 'double precision')
        .addColumn('charging_since', 'text')
        .addColumn('charging_seconds', 'double precision', (c) => c.notNull().defaultTo(0))
        .addColumn('stopped_at', 'text')
        .addColumn('stop_reason', 'text')
        .execute();
      await db.schema
        .createIndex('charging_sessions_station')
        .on('charging_sessions')
        .columns(['station_id', 'started_at'])
        .execute();
      await db.schema
        .createIndex('charging_sessions_uid_open')
        .on('charging_sessions')
        .columns(['uid', 'stopped_at'])
        .execute();

      await db.schema
        .createTable('station_commands')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('station_id', 'text', (c) => c.notNull())
        .addColumn('uid', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('request', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('calls', 'text', (c) => c.notNull())
        .addColumn('requested_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('completed_at', 'text')
        .execute();
      await db.schema
        .createIndex('station_commands_station')
        .on('station_commands')
        .columns(['station_id', 'created_at'])
        .execute();
    },
  };
}
