import type { Selectable, Updateable } from 'kysely';
import { ONE_ROW, ReusableQuery } from '../db/reusable-query.js';
import { LIVE_DEVICE_COLUMNS, type DeviceRow, type LiveDevice } from '../devices/index.js';
import { atomically, type Executor } from '../db/unit-of-work.js';
import type {
  ChargingSessionsTable,
  ChargingStationsTable,
  StationCommandsTable,
} from '../db/schema.js';

export type StationRow = Selectable<ChargingStationsTable>;
export type SessionRow = Selectable<ChargingSessionsTable>;
export type CommandRow = Selectable<StationCommandsTable>;

/** A station's columns beside its device's in one row, prefixed (splitStation takes them out). */
const STATION_COLUMNS = [
  's.id as s_id',
  's.installation_id as s_installation_id',
  's.installation_date as s_installation_date',
  's.timezone as s_timezone',
  's.culture as s_culture',
  's.friendly_name as s_friendly_name',
  's.average_ev_consumption as s_average_ev_consumption',
  's.authorize_tic as s_authorize_tic',
] as const;

type PrefixedStation = {
  s_id: string | null;
  s_installation_id: number | null;
  s_installation_date: string | null;
  s_timezone: string | null;
  s_culture: string | null;
  s_friendly_name: string | null;
  s_average_ev_consumption: number | null;
  s_authorize_tic: number | null;
};

/** A device row and its station, from a row of both (no station: its columns are null). */
function splitStation<Device extends { uid: string }>(
  row: Device & PrefixedStation,
): { device: Device; station: StationRow | undefined } {
  const {
    s_id,
    s_installation_id,
    s_installation_date,
    s_timezone,
    s_culture,
    s_friendly_name,
    s_average_ev_consumption,
    s_authorize_tic,
    ...device
  } = row;
  const station: StationRow | undefined =
    s_id === null
      ? undefined
      : {
          id: s_id,
          uid: row.uid,
          installation_id: s_installation_id!,
          installation_date: s_installation_date!,
          timezone: s_timezone!,
          culture: s_culture!,
          friendly_name: s_friendly_name,
          average_ev_consumption: s_average_ev_consumption,
          authorize_tic: s_authorize_tic!,
        };
  return { device: device as unknown as Device, station };
}

// What every OCPP message runs, compiled once (src/db/reusable-query.ts).

const deviceWithStation = new ReusableQuery(['uid'], (db: Executor, { uid }: { uid: string }) =>
  db
    .selectFrom('devices')
    .leftJoin('charging_stations as s', 's.uid', 'devices.uid')
    .select(LIVE_DEVICE_COLUMNS.map((column) => `devices.${column}` as const))
    .select(STATION_COLUMNS)
    .where('devices.uid', '=', uid),
);

const openSessions = (db: Executor, uid: string) =>
  db
    .selectFrom('charging_sessions')
    .selectAll()
    .where('uid', '=', uid)
    .where('stopped_at', 'is', null);

const openSession = new ReusableQuery(['uid'], (db: Executor, { uid }: { uid: string }) =>
  openSessions(db, uid).orderBy('id', 'desc').limit(ONE_ROW),
);

const openSessionOnConnector = new ReusableQuery(
  ['uid', 'connectorId'],
  (db: Executor, { uid, connectorId }: { uid: string; connectorId: number }) =>
    openSessions(db, uid)
      .where('connector_id', '=', connectorId)
      .orderBy('id', 'desc')
      .limit(ONE_ROW),
);

// What every read of a station runs.

const stationIn = new ReusableQuery(
  ['installationId', 'stationId'],
  (db: Executor, { installationId, stationId }: { installationId: number; stationId: string }) =>
    db
      .selectFrom('charging_stations')
      .selectAll()
      .where('installation_id', '=', installationId)
      .where('id', '=', stationId),
);

const stationWithDeviceIn = new ReusableQuery(
  ['installationId', 'stationId'],
  (db: Executor, { installationId, stationId }: { installationId: number; stationId: string }) =>
    db
      .selectFrom('charging_stations as s')
      .innerJoin('devices', 'devices.uid', 's.uid')
      .selectAll('devices')
      .select(STATION_COLUMNS)
      .where('s.installation_id', '=', installationId)
      .where('s.id', '=', stationId),
);

const currentSessionOf = new ReusableQuery(
  ['stationId'],
  (db: Executor, { stationId }: { stationId: string }) =>
    db
      .selectFrom('charging_sessions')
      .selectAll()
      .where('station_id', '=', stationId)
      .where('stopped_at', 'is', null)
      .orderBy('id', 'desc')
      .limit(ONE_ROW),
);

// Two statements, each of one row (test/db/single-row-reads.test.ts); bench/statements.ts
// measures them against one UNION ALL.
const lastSessionOf = new ReusableQuery(
  ['stationId'],
  (db: Executor, { stationId }: { stationId: string }) =>
    db
      .selectFrom('charging_sessions')
      .selectAll()
      .where('station_id', '=', stationId)
      .where('stopped_at', 'is not', null)
      .where('refused', '=', 0)
      .orderBy('stopped_at', 'desc')
      .orderBy('id', 'desc')
      .limit(ONE_ROW),
);

/** SQL of charging stations: associations, sessions and commands. */
export class StationStore {
  constructor(private readonly db: Executor) {}

  listForInstallation(installationId: number): Promise<StationRow[]> {
    return this.db
      .selectFrom('charging_stations')
      .selectAll()
      .where('installation_id', '=', installationId)
      .execute();
  }

  find(installationId: number, stationId: string): Promise<StationRow | undefined> {
    return stationIn.takeFirst(this.db, { installationId, stationId });
  }

  /** A station of an installation and its device (every column), in one query. */
  async findWithFullDevice(
    installationId: number,
    stationId: string,
  ): Promise<{ station: StationRow; device: DeviceRow } | undefined> {
    const row = await stationWithDeviceIn.takeFirst(this.db, { installationId, stationId });
    if (!row) return undefined;
    const { device, station } = splitStation(row);
    return station && { device, station };
  }

  /**
   * A device (the columns its live state reads) and its association, if any, in one query:
   * what each OCPP message starts with.
   */
  async findWithDevice(
    uid: string,
  ): Promise<{ device: LiveDevice; station: StationRow | undefined } | undefined> {
    const row = await deviceWithStation.takeFirst(this.db, { uid });
    return row && splitStation(row);
  }

  findByUid(uid: string): Promise<StationRow | undefined> {
    return this.db
      .selectFrom('charging_stations')
      .selectAll()
      .where('uid', '=', uid)
      .executeTakeFirst();
  }

  /**
   * Associates a device with an installation, with the grid meter it reads, and sets the
   * installation's externalId.
   */
  async associate(station: StationRow, externalId: string, gridMeterId: string): Promise<void> {
    await atomically(this.db, async (trx) => {
      await trx.insertInto('charging_stations').values(station).execute();
      await trx
        .insertInto('grid_meters')
        .values({
          id: gridMeterId,
          station_id: station.id,
          installation_id: station.installation_id,
          uid: station.uid,
          tic_type: null,
          subscription: null,
          current_tariff: null,
          indexes: null,
          total_index_wh: null,
          intensity_subscribed: null,
          last_tic_at: null,
        })
        .execute();
      await trx
        .updateTable('installations')
        .set({ external_id: externalId })
        .where('id', '=', station.installation_id)
        .execute();
    });
  }

  async dissociate(station: StationRow): Promise<void> {
    await atomically(this.db, async (trx) => {
      await trx.deleteFrom('grid_meters').where('station_id', '=', station.id).execute();
      await trx.deleteFrom('charging_stations').where('id', '=', station.id).execute();
      await trx
        .updateTable('installations')
        .set({ external_id: null })
        .where('id', '=', station.installation_id)
        .execute();
    });
  }

  async update(stationId: string, values: Updateable<ChargingStationsTable>): Promise<void> {
    await this.db
      .updateTable('charging_stations')
      .set(values)
      .where('id', '=', stationId)
      .execute();
  }

  /** The owner's manual start or stop on a charger the platform drives (charge-driver.ts). */
  async setChargeOverride(uid: string, override: 'start' | 'stop' | null): Promise<void> {
    await this.db
      .updateTable('devices')
      .set({ charge_override: override })
      .where('uid', '=', uid)
      .execute();
  }

  /** Chargers the platform drives whose next tariff switch has come, earliest first. */
  async dueChargePlans(now: string, limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('devices')
      .select('uid')
      .where('charge_next_switch_at', '<=', now)
      .orderBy('charge_next_switch_at')
      .limit(limit)
      .execute();
    return rows.map((row) => row.uid);
  }

  /** The station's open session, on a connector or on any. */
  openSession(uid: string, connectorId?: number): Promise<SessionRow | undefined> {
    return connectorId === undefined
      ? openSession.takeFirst(this.db, { uid })
      : openSessionOnConnector.takeFirst(this.db, { uid, connectorId });
  }

  findSession(uid: string, sessionId: number): Promise<SessionRow | undefined> {
    return this.db
      .selectFrom('charging_sessions')
      .selectAll()
      .where('uid', '=', uid)
      .where('id', '=', sessionId)
      .executeTakeFirst();
  }

  /** The station's open session and its last closed one. */
  async sessionsOf(stationId: string): Promise<{ current?: SessionRow; last?: SessionRow }> {
    const [current, last] = await Promise.all([
      currentSessionOf.takeFirst(this.db, { stationId }),
      lastSessionOf.takeFirst(this.db, { stationId }),
    ]);
    return { current, last };
  }

  async insertSession(session: Omit<SessionRow, 'id'>): Promise<number> {
    const row = await this.db
      .insertInto('charging_sessions')
      .values(session)
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(row.id);
  }

  async updateSession(sessionId: number, values: Updateable<ChargingSessionsTable>): Promise<void> {
    await this.db
      .updateTable('charging_sessions')
      .set(values)
      .where('id', '=', sessionId)
      .execute();
  }

  async insertCommand(command: CommandRow): Promise<void> {
    await this.db.insertInto('station_commands').values(command).execute();
  }

  async completeCommand(
    commandId: string,
    values: Pick<CommandRow, 'status' | 'calls' | 'completed_at'>,
  ): Promise<void> {
    await this.db.updateTable('station_commands').set(values).where('id', '=', commandId).execute();
  }

  findCommand(stationId: string, commandId: string): Promise<CommandRow | undefined> {
    return this.db
      .selectFrom('station_commands')
      .selectAll()
      .where('station_id', '=', stationId)
      .where('id', '=', commandId)
      .executeTakeFirst();
  }

  listCommands(stationId: string, limit: number): Promise<CommandRow[]> {
    return this.db
      .selectFrom('station_commands')
      .selectAll()
      .where('station_id', '=', stationId)
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .limit(limit)
      .execute();
  }

  /**
   * Times out the commands still pending past their deadline, wherever they were issued: the
   * process running them stopped, so they can no longer complete. A command stored without a
   * deadline is overdue once created before `createdBefore`. Returns how many were timed out.
   */
  async expireOverdueCommands(now: string, createdBefore: string): Promise<number> {
    const result = await this.db
      .updateTable('station_commands')
      .set({ status: 'timedOut', completed_at: now })
      .where('status', '=', 'pending')
      .where((eb) =>
        eb.or([
          eb('deadline_at', '<', now),
          eb.and([eb('deadline_at', 'is', null), eb('created_at', '<', createdBefore)]),
        ]),
      )
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }
}
