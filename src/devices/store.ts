import type { Kysely, Selectable, Updateable } from 'kysely';
import { ReusableQuery } from '../db/reusable-query.js';
import type { Executor } from '../db/unit-of-work.js';
import type { ConnectorStatesTable, Database, DevicesTable } from '../db/schema.js';

export type DeviceRow = Selectable<DevicesTable>;
export type DeviceStateUpdate = Omit<
  Updateable<DevicesTable>,
  'uid' | 'serial_number' | 'secret_hash' | 'created_at' | 'production_date' | 'product_reference'
>;
export type ConnectorStateRow = Selectable<ConnectorStatesTable>;

/** The device columns that an OCPP message's handling reads (the rest it only writes). */
export const LIVE_DEVICE_COLUMNS = [
  'uid',
  'connected',
  'error_event_code',
  'registers',
  'tariff_classes',
  'charge_mode',
  'charge_mode_by_platform',
  'smart_charging',
  'charge_tariff',
  'charge_profile_until',
  'charge_override',
  'charge_next_switch_at',
] as const satisfies readonly (keyof DeviceRow)[];
/** A device as an OCPP message's handling sees it. */
export type LiveDevice = Pick<DeviceRow, (typeof LIVE_DEVICE_COLUMNS)[number]>;

// What every OCPP message runs, compiled once (src/db/reusable-query.ts).

type DeviceUpdate = ReusableQuery<DeviceStateUpdate & { uid: string }, unknown>;
/** One update statement per set of columns written; the handlers write a handful of sets. */
const deviceUpdates = new Map<string, DeviceUpdate>();
const MAX_DEVICE_UPDATES = 256;

function deviceUpdate(columns: (keyof DeviceStateUpdate)[]): DeviceUpdate {
  const key = columns.join(',');
  let query = deviceUpdates.get(key);
  if (!query) {
    query = new ReusableQuery([...columns, 'uid'], (db: Executor, values) =>
      db
        .updateTable('devices')
        .set(Object.fromEntries(columns.map((column) => [column, values[column]])))
        .where('uid', '=', values.uid),
    );
    if (deviceUpdates.size < MAX_DEVICE_UPDATES) deviceUpdates.set(key, query);
  }
  return query;
}

const deviceByUid = new ReusableQuery(['uid'], (db: Executor, { uid }: { uid: string }) =>
  db.selectFrom('devices').selectAll().where('uid', '=', uid),
);

const connectorsOf = new ReusableQuery(['uid'], (db: Executor, { uid }: { uid: string }) =>
  db.selectFrom('connector_states').selectAll().where('uid', '=', uid).orderBy('connector_id'),
);

/** SQL of the device registry and of the devices' live state. */
export class DeviceStore {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(
    device: Pick<
      DeviceRow,
      | 'uid'
      | 'serial_number'
      | 'mac_address'
      | 'production_date'
      | 'product_reference'
      | 'secret_hash'
      | 'created_at'
    >,
  ): Promise<void> {
    await this.db.insertInto('devices').values(device).execute();
  }

  find(uid: string): Promise<DeviceRow | undefined> {
    return deviceByUid.takeFirst(this.db, { uid });
  }

  findBySerial(serialNumber: string): Promise<DeviceRow | undefined> {
    return this.db
      .selectFrom('devices')
      .selectAll()
      .where('serial_number', '=', serialNumber)
      .executeTakeFirst();
  }

  list(): Promise<DeviceRow[]> {
    return this.db.selectFrom('devices').selectAll().orderBy('created_at').orderBy('uid').execute();
  }

  async setSecretHash(uid: string, secretHash: string): Promise<void> {
    await this.db
      .updateTable('devices')
      .set({ secret_hash: secretHash })
      .where('uid', '=', uid)
      .execute();
  }

  /**
   * Writes these columns of the device (columns given as undefined are left alone); answers how
   * many devices it changed (0 when no device has this uid, or when there is nothing to write).
   */
  async update(uid: string, values: DeviceStateUpdate): Promise<number> {
    const columns = (Object.keys(values) as (keyof DeviceStateUpdate)[])
      .filter((column) => values[column] !== undefined)
      .sort();
    if (columns.length === 0) return 0;
    const result = await deviceUpdate(columns).execute(this.db, { ...values, uid });
    return Number(result.numAffectedRows ?? 0);
  }

  connectors(uid: string): Promise<ConnectorStateRow[]> {
    return connectorsOf.execute(this.db, { uid }).then((result) => result.rows);
  }

  async upsertConnector(row: ConnectorStateRow): Promise<void> {
    await this.db
      .insertInto('connector_states')
      .values(row)
      .onConflict((oc) =>
        oc.columns(['uid', 'connector_id']).doUpdateSet({
          status: row.status,
          error_code: row.error_code,
          vendor_error_code: row.vendor_error_code,
          updated_at: row.updated_at,
        }),
      )
      .execute();
  }

  /** Marks every device disconnected (a gateway starting has no socket yet). */
  async disconnectAll(): Promise<void> {
    await this.db.updateTable('devices').set({ connected: 0 }).where('connected', '=', 1).execute();
  }
}
