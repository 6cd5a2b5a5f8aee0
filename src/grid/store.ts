import type { Selectable, Updateable } from 'kysely';
import { ONE_ROW, ReusableQuery } from '../db/reusable-query.js';
import { atomically, type Executor } from '../db/unit-of-work.js';
import type { GridMetersTable, TariffPricesTable } from '../db/schema.js';

export type GridMeterRow = Selectable<GridMetersTable>;
export type PriceRow = Selectable<TariffPricesTable>;

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
