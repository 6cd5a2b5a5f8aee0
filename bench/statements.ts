/**
 * What single statements and one serialization cost, in-process, each against the variant the
 * code no longer uses (the baseline, measured in the same run):
 *
 * - a station's open-session look-up with `limit 1` written into the SQL, against `limit ?`;
 * - the two session look-ups of a station's read as two statements, against one UNION ALL;
 * - a 3-row insert into measure_samples (AUTOINCREMENT, two secondary indexes), against the same
 *   rows into a table with the same columns and neither (the cost the schema adds);
 * - a charging station serialized with nullable fields as `type: [T, 'null']`, against `anyOf`.
 *
 *   npx tsx bench/statements.ts [--iterations 20000]
 *
 * SQLite (better-sqlite3), on a migrated database in a temporary folder, in WAL mode as the
 * platform opens it. CPU time of this process per operation.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import fastJson from 'fast-json-stringify';
import { loadConfig } from '../src/config.js';
import { openStore } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { toChargingStation } from '../src/stations/read-model.js';
import { ChargingStationSchema } from '../src/stations/schemas.js';
import { recordFigure } from './figures.js';

const { values } = parseArgs({ options: { iterations: { type: 'string', default: '20000' } } });
const N = Number(values.iterations);

/** CPU µs per call of `operation`, after a warm-up. */
function cost(operation: (i: number) => void): number {
  for (let i = 0; i < Math.min(2000, N); i++) operation(i);
  const before = process.cpuUsage();
  for (let i = 0; i < N; i++) operation(i);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / N;
}

/** The same schema with every `type: [T, 'null']` written as `anyOf: [{ type: T, … }, null]`. */
function asAnyOf(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(asAnyOf);
  if (typeof schema !== 'object' || schema === null) return schema;
  const entries = Object.entries(schema).map(([key, value]) => [key, asAnyOf(value)] as const);
  const copy = Object.fromEntries(entries) as Record<string, unknown>;
  const type = copy.type;
  if (!Array.isArray(type) || type.length !== 2 || type[1] !== 'null') return copy;
  const single = type[0] as string;
  const { description, ...rest } = copy;
  const values = Array.isArray(rest.enum)
    ? (rest.enum as unknown[]).filter((v) => v !== null)
    : undefined;
  return {
    ...(description === undefined ? {} : { description }),
    anyOf: [{ ...rest, type: single, ...(values ? { enum: values } : {}) }, { type: 'null' }],
  };
}

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'witty-bench-statements-'));
const config = loadConfig({ WITTY_DATA_DIR: dataDir });
const store = openStore(config.database);
await migrateToLatest(store);
await store.close();
if (config.database.dialect !== 'sqlite') throw new Error('SQLite only');
const db = new Database(config.database.file);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');

const open = 'select * from charging_sessions where station_id = ? and stopped_at is null';
const openBound = db.prepare(`${open} order by id desc limit ?`);
const openWritten = db.prepare(`${open} order by id desc limit 1`);
const last =
  'select * from charging_sessions where station_id = ? and stopped_at is not null and refused = 0 order by stopped_at desc, id desc limit 1';
const lastStatement = db.prepare(last);
const union = db.prepare(
  `select * from (${open} order by id desc limit 1) union all select * from (${last})`,
);

db.exec(
  'create table plain_samples (device_id text not null, measure text not null, at text not null, tariff text not null, value double precision not null, session_id integer)',
);
const threeRows = (table: string) =>
  db.prepare(
    `insert into ${table} (device_id, measure, at, tariff, value, session_id) values ${Array(3)
      .fill('(?, ?, ?, ?, ?, ?)')
      .join(', ')}`,
  );
const t0 = Date.parse('2026-01-01T00:00:00Z');
const rows = (i: number) =>
  ['EnergyConsumption', 'ConsumptionCost', 'ChargingPower'].flatMap((measure) => [
    `D${i % 100}`,
    measure,
    new Date(t0 + i * 1000).toISOString(),
    'base',
    1.5,
    null,
  ]);
/** Inserts of `statement`, 100 per transaction (a group commit's worth). */
const inserts = (statement: Database.Statement) => (i: number) => {
  if (i % 100 === 0) db.exec('begin');
  statement.run(rows(i));
  if (i % 100 === 99) db.exec('commit');
};

const now = new Date();
const station = toChargingStation(
  {
    station: {
      id: 's1',
      uid: 'U1',
      installation_id: 1,
      installation_date: now.toISOString(),
      timezone: 'Romance Standard Time',
      culture: 'fr-fr',
      friendly_name: null,
      average_ev_consumption: null,
      authorize_tic: 0,
    },
    device: {
      uid: 'U1',
      serial_number: 'S',
      production_date: '2024-01-01',
      product_reference: 'XEVFR',
      mac_address: null,
      wifi_ssid: null,
      phase_number: null,
      erl_connected: null,
      tic_connected: null,
      night_mode_connected: null,
      shedding_mode: null,
      tariff_classes: null,
      charge_mode: null,
      key_switch: null,
      connectivity_type: null,
      led_power: 100,
      evcs_locked: 0,
      last_seen_at: now.toISOString(),
      heartbeat_interval: 600,
      last_heartbeat_at: now.toISOString(),
      clock_offset_ms: 0,
    } as never,
    connectors: [],
    costs: new Map(),
  },
  now,
);
const typeArrays = fastJson(ChargingStationSchema as object);
const anyOf = fastJson(asAnyOf(ChargingStationSchema) as object);
if (typeArrays(station) !== anyOf(station)) throw new Error('the two schemas write different JSON');

const measured = {
  limitWritten: cost(() => {
    openWritten.all(['none']);
  }),
  limitBound: cost(() => {
    openBound.all(['none', 1]);
  }),
  twoStatements: cost(() => {
    openWritten.all(['none']);
    lastStatement.all(['none']);
  }),
  union: cost(() => {
    union.all(['none', 'none']);
  }),
  samples: cost(inserts(threeRows('measure_samples'))),
  plainSamples: cost(inserts(threeRows('plain_samples'))),
  typeArrays: cost(() => {
    typeArrays(station);
  }),
  anyOf: cost(() => {
    anyOf(station);
  }),
};
db.close();
fs.rmSync(dataDir, { recursive: true, force: true });

process.stdout.write(
  `\nbench/statements: ${N} iterations each, CPU µs per operation; ${os.cpus().length} cores (${os.cpus()[0]?.model.trim() ?? ''}), Node ${process.version}, load average ${os.loadavg()[0]!.toFixed(2)}\n`,
);
const figures = [
  [
    'limit-1',
    'open-session look-up, LIMIT 1 in the SQL',
    'limitWritten',
    'LIMIT ? bound',
    'limitBound',
  ],
  [
    'session-look-ups',
    "a station's two session look-ups, two statements",
    'twoStatements',
    'one UNION ALL',
    'union',
  ],
  [
    'samples-insert',
    '3-row insert into measure_samples',
    'samples',
    'the same table without AUTOINCREMENT and indexes',
    'plainSamples',
  ],
  [
    'station-serialization',
    'a charging station serialized, nullable as type arrays',
    'typeArrays',
    'nullable as anyOf',
    'anyOf',
  ],
] as const;
for (const [id, label, key, baselineLabel, baselineKey] of figures) {
  const value = measured[key];
  const baseline = measured[baselineKey];
  process.stdout.write(
    `${label.padEnd(58)}${value.toFixed(2).padStart(8)} µs   ${baselineLabel}: ${baseline.toFixed(2)} µs   ratio ${(value / baseline).toFixed(2)}\n`,
  );
  recordFigure({
    bench: 'statements',
    id: `statements.${id}`,
    label,
    value: Number(value.toFixed(2)),
    unit: 'µs',
    baseline: { label: baselineLabel, value: Number(baseline.toFixed(2)) },
    ratio: value / baseline,
    conditions: { database: 'sqlite', iterations: N },
  });
}
