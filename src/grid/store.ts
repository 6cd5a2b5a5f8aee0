import type { Selectable, Updateable } from 'kysely';
import { atomically, type Executor } from '../db/unit-of-work.js';
import type { GridMetersTable, TariffPricesTable } from '../db/schema.js';

export type GridMeterRow = Selectable<GridMetersTable>;
export type PriceRow = Selectable<TariffPricesTable>;

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
    return this.db
      .selectFrom('grid_meters')
      .selectAll()
      .where('station_id', '=', stationId)
      .executeTakeFirst();
  }

  async update(gridMeterId: string, values: Updateable<GridMetersTable>): Promise<void> {
    await this.db.updateTable('grid_meters').set(values).where('id', '=', gridMeterId).execute();
  }

  /** Every price point of an installation, by tariff and beginDate. */
  prices(installationId: number): Promise<PriceRow[]> {
    return this.db
      .selectFrom('tariff_prices')
      .selectAll()
      .where('installation_id', '=', installationId)
      .orderBy('tariff_id')
      .orderBy('begin_date', 'desc')
      .orderBy('id', 'desc')
      .execute();
  }

  /** The currency of the price set last on an installation, if any. */
  async latestCurrency(installationId: number): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('tariff_prices')
      .select('currency')
      .where('installation_id', '=', installationId)
      .orderBy('id', 'desc')
      .limit(1)
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
