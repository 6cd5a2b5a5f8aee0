import type { Selectable, Updateable } from 'kysely';
import { ONE_ROW, ReusableQuery } from '../db/reusable-query.js';
import { atomically, type Executor } from '../db/unit-of-work.js';
import type { GridMetersTable, TariffCalendarDaysTable, TariffPricesTable } from '../db/schema.js';

export type GridMeterRow = Selectable<GridMetersTable>;
export type PriceRow = Selectable<TariffPricesTable>;
export type CalendarDayRow = Selectable<TariffCalendarDaysTable>;
export type CalendarName = TariffCalendarDaysTable['calendar'];

/** The owner's declaration on a meter (all null: none). */
export type Declared = Pick<
  GridMeterRow,
  'declared_subscription' | 'off_peak_hours' | 'declared_at'
>;

/** Days written per statement: well under SQLite's limit of bound parameters. */
const CALENDAR_BATCH = 500;

/** What a TIC frame changes of its meter (grid/ingest.ts). */
export type TicUpdate = Pick<
  GridMeterRow,
  | 'tic_type'
  | 'subscription'
  | 'current_tariff'
  | 'indexes'
  | 'total_index_wh'
  | 'intensity_subscribed'
  | 'last_tic_at'
>;

// What every TIC frame runs, compiled once (src/db/reusable-query.ts).

const meterOfStation = new ReusableQuery(
  ['stationId'],
  (db: Executor, { stationId }: { stationId: string }) =>
    db.selectFrom('grid_meters').selectAll().where('station_id', '=', stationId),
);

const pricesOf = new ReusableQuery(
  ['installationId'],
  (db: Executor, { installationId }: { installationId: number }) =>
    db
      .selectFrom('tariff_prices')
      .selectAll()
      .where('installation_id', '=', installationId)
      .orderBy('tariff_id')
      .orderBy('begin_date', 'desc')
      .orderBy('id', 'desc'),
);

const ticUpdate = new ReusableQuery(
  [
    'id',
    'tic_type',
    'subscription',
    'current_tariff',
    'indexes',
    'total_index_wh',
    'intensity_subscribed',
    'last_tic_at',
  ],
  (db: Executor, { id, ...values }: TicUpdate & { id: string }) =>
    db.updateTable('grid_meters').set(values).where('id', '=', id),
);

/** SQL of grid meters and tariff prices. */
export class GridStore {
  constructor(private readonly db: Executor) {}

  listForInstallation(installationId: number): Promise<GridMeterRow[]> {
    return this.db
      .selectFrom('grid_meters')
      .selectAll()
      .where('installation_id', '=', installationId)
      .execute();
  }

  find(installationId: number, gridMeterId: string): Promise<GridMeterRow | undefined> {
    return this.db
      .selectFrom('grid_meters')
      .selectAll()
      .where('installation_id', '=', installationId)
      .where('id', '=', gridMeterId)
      .executeTakeFirst();
  }

  findByStation(stationId: string): Promise<GridMeterRow | undefined> {
    return meterOfStation.takeFirst(this.db, { stationId });
  }

  async update(gridMeterId: string, values: Updateable<GridMetersTable>): Promise<void> {
    await this.db.updateTable('grid_meters').set(values).where('id', '=', gridMeterId).execute();
  }

  /** What a TIC frame changes of its meter: the same columns each time. */
  async recordTic(gridMeterId: string, values: TicUpdate): Promise<void> {
    await ticUpdate.execute(this.db, { id: gridMeterId, ...values });
  }

  /**
   * Sets or (all null) removes the owner's declared subscription; a charger the platform drives
   * by the tariff (src/stations/charge-driver.ts) is planned again at `now`.
   */
  async declare(meter: Pick<GridMeterRow, 'id' | 'uid'>, values: Declared, now: string) {
    await atomically(this.db, async (trx) => {
      await trx.updateTable('grid_meters').set(values).where('id', '=', meter.id).execute();
      await trx
        .updateTable('devices')
        .set({ charge_next_switch_at: now })
        .where('uid', '=', meter.uid)
        .where('charge_mode_by_platform', '=', 1)
        .where('charge_next_switch_at', 'is not', null)
        .execute();
    });
  }

  /** The days of a calendar from `fromDay` to `toDay` (YYYY-MM-DD, both included), by day. */
  calendarDays(calendar: CalendarName, fromDay: string, toDay: string): Promise<CalendarDayRow[]> {
    return this.db
      .selectFrom('tariff_calendar_days')
      .selectAll()
      .where('calendar', '=', calendar)
      .where('day', '>=', fromDay)
      .where('day', '<=', toDay)
      .orderBy('day')
      .execute();
  }

  /**
   * The days of a calendar that differ from an ordinary one (a Tempo day not BLUE, an EJP peak
   * day), whatever their date: what pricing readings of any age needs, a few dozen a year.
   */
  calendarExceptions(calendar: CalendarName): Promise<Pick<CalendarDayRow, 'day' | 'value'>[]> {
    return this.db
      .selectFrom('tariff_calendar_days')
      .select(['day', 'value'])
      .where('calendar', '=', calendar)
      .where('value', 'in', ['WHITE', 'RED', 'PEAK'])
      .execute();
  }

  /** Writes days of a calendar in one transaction; a day already there takes the new value. */
  async upsertCalendarDays(rows: CalendarDayRow[]): Promise<void> {
    await atomically(this.db, async (trx) => {
      for (let start = 0; start < rows.length; start += CALENDAR_BATCH) {
        await trx
          .insertInto('tariff_calendar_days')
          .values(rows.slice(start, start + CALENDAR_BATCH))
          .onConflict((conflict) =>
            conflict.columns(['calendar', 'day']).doUpdateSet((eb) => ({
              value: eb.ref('excluded.value'),
              updated_at: eb.ref('excluded.updated_at'),
            })),
          )
          .execute();
      }
    });
  }

  /** Every price point of an installation, by tariff and beginDate. */
  async prices(installationId: number): Promise<PriceRow[]> {
    return (await pricesOf.execute(this.db, { installationId })).rows;
  }

  /** The currency of the price set last on an installation, if any. */
  async latestCurrency(installationId: number): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('tariff_prices')
      .select('currency')
      .where('installation_id', '=', installationId)
      .orderBy('id', 'desc')
      .limit(ONE_ROW)
      .executeTakeFirst();
    return row?.currency;
  }

  /** Adds price points in one transaction; a point with the same tariff and beginDate is replaced. */
  async addPrices(rows: Omit<PriceRow, 'id'>[]): Promise<void> {
    await atomically(this.db, async (trx) => {
      for (const row of rows) {
        await trx
          .deleteFrom('tariff_prices')
          .where('installation_id', '=', row.installation_id)
          .where('tariff_id', '=', row.tariff_id)
          .where('begin_date', '=', row.begin_date)
          .execute();
        await trx.insertInto('tariff_prices').values(row).execute();
      }
    });
  }
}
