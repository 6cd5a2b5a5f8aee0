import type { Kysely } from 'kysely';

/**
 * The platform drives generic chargers by the tariff (src/stations/charge-driver.ts): what it
 * knows of each one's Smart Charging, the tariff class it last applied, its next tariff switch,
 * the end of the tariff profile installed on it, and the owner's manual start or stop in force.
 */
export function chargeDriver() {
  const columns = [
    ['smart_charging', 'integer'],
    ['charge_tariff', 'text'],
    ['charge_next_switch_at', 'text'],
    ['charge_profile_until', 'text'],
    ['charge_override', 'text'],
  ] as const;
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      for (const [name, type] of columns)
        await db.schema.alterTable('devices').addColumn(name, type).execute();
      await db.schema
        .createIndex('devices_charge_next_switch')
        .on('devices')
        .column('charge_next_switch_at')
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropIndex('devices_charge_next_switch').execute();
      for (const [name] of columns)
        await db.schema.alterTable('devices').dropColumn(name).execute();
    },
  };
}
