import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'vitest';
import { aHome } from '../helpers/builders.js';
import { createTestApp, freshDatabase, type TestApp } from '../helpers/test-app.js';

/** A SQLite data folder with an owner's home whose station is associated, with TIC consent. */
export interface HistoryFixture {
  dataDir: string;
  uid: string;
}

/** Sets up the home once, in a data folder that copies of it start from (same ids in each). */
export async function historyFixture(): Promise<HistoryFixture> {
  const database = await freshDatabase('sqlite');
  const t = await createTestApp('sqlite', {}, { database });
  const { token } = await t.user('owner');
  const home = await aHome(t, token, { serialNumber: 'HISTORY-1' });
  await t.api('POST', `${home.meterPath}/operators/authorize-tic`, {
    token,
    body: { authorizeTIC: true },
  });
  await t.close();
  return { dataDir: database.dataDir, uid: home.device.uid };
}

const copies: string[] = [];

/** A copy of the fixture's data folder. */
export function copyOf(fixture: HistoryFixture): string {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'witty-history-'));
  fs.cpSync(fixture.dataDir, dataDir, { recursive: true });
  copies.push(dataDir);
  return dataDir;
}

/** Removes the fixture's folder and every copy made. */
export function removeCopies(fixture: HistoryFixture | undefined): void {
  for (const dataDir of [...copies.splice(0), ...(fixture ? [fixture.dataDir] : [])])
    fs.rmSync(dataDir, { recursive: true, force: true });
}

/** The platform on a data folder (left in place when closed). */
export function appOn(dataDir: string): Promise<TestApp> {
  return createTestApp('sqlite', {}, { database: { env: { WITTY_DATA_DIR: dataDir } } });
}

/**
 * What a history leaves in the database, table by table. Left out: random ids (events, mails)
 * and wall-clock times (when a row was written, the station clock's offset from ours), which
 * differ between any two runs; everything a history decides is kept, row ids included.
 */
const TABLES: Record<string, { order: string; without?: string[] }> = {
  measure_samples: { order: 'id' },
  measure_hours: { order: 'device_id, measure, tariff, bucket_start' },
  measure_days: { order: 'device_id, measure, tariff, bucket_start' },
  log_records: { order: 'id' },
  charging_sessions: { order: 'id' },
  connector_states: { order: 'uid, connector_id' },
  grid_meters: { order: 'id' },
  devices: { order: 'uid', without: ['clock_offset_ms', 'password_hash', 'created_at'] },
  events: { order: 'event_time, type, data', without: ['id', 'created_at'] },
  mails: { order: 'created_at', without: ['id', 'created_at', 'next_attempt_at'] },
  station_alerts: { order: 'station_id, code', without: ['raised_mailed_at'] },
};

export type HistoryDump = Record<string, Record<string, unknown>[]>;

/** The history's tables of a data folder (its platform closed, or reading beside it). */
export function dumpHistory(dataDir: string): HistoryDump {
  const db = new Database(path.join(dataDir, 'witty.db'), { readonly: true });
  try {
    const dump: HistoryDump = {};
    for (const [table, { order, without = [] }] of Object.entries(TABLES)) {
      const rows = db.prepare(`select * from ${table} order by ${order}`).all() as Record<
        string,
        unknown
      >[];
      dump[table] = rows.map((row) =>
        Object.fromEntries(Object.entries(row).filter(([column]) => !without.includes(column))),
      );
    }
    return dump;
  } finally {
    db.close();
  }
}

/**
 * Two histories are the same: every row equal, except that the sums of the rollups may differ
 * in their last bits (a batch adds its samples up before adding them to the stored sum, so the
 * additions come in another order across batches).
 */
export function expectSameHistory(actual: HistoryDump, expected: HistoryDump): void {
  const roundedSums = (dump: HistoryDump) =>
    Object.fromEntries(
      Object.entries(dump).map(([table, rows]) => [
        table,
        table === 'measure_hours' || table === 'measure_days'
          ? rows.map((row) => ({ ...row, sum: Number((row.sum as number).toPrecision(12)) }))
          : rows,
      ]),
    );
  for (const table of Object.keys(TABLES)) {
    expect(actual[table]!.length, table).toBe(expected[table]!.length);
    expect(roundedSums(actual)[table], table).toEqual(roundedSums(expected)[table]);
  }
}
