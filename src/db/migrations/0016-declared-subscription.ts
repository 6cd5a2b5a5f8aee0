import type { Kysely } from 'kysely';

/**
 * A grid subscription the owner declares when the station sends no TIC (a generic charger):
 * its contract and off-peak hours on the grid meter, and the national day calendars (Tempo
 * colours, EJP peak days) that the operator imports.
 */
export function declaredSubscription() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      // 'BASE' | 'HCHP' | 'TEMPO' | 'EJP'; null: nothing declared.
      await db.schema
        .alterTable('grid_meters')
        .addColumn('declared_subscription', 'text')
        .execute();
      // JSON array of "HH:MM-HH:MM" windows, local time.
      await db.schema.alterTable('grid_meters').addColumn('off_peak_hours', 'text').execute();
      await db.schema.alterTable('grid_meters').addColumn('declared_at', 'text').execute();
      await db.schema
        .createTable('tariff_calendar_days')
        .addColumn('calendar', 'text', (c) => c.notNull())
        .addColumn('day', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('tariff_calendar_days_pk', ['calendar', 'day'])
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('tariff_calendar_days').execute();
      await db.schema.alterTable('grid_meters').dropColumn('declared_at').execute();
      await db.schema.alterTable('grid_meters').dropColumn('off_peak_hours').execute();
      await db.schema.alterTable('grid_meters').dropColumn('declared_subscription').execute();
    },
  };
}
