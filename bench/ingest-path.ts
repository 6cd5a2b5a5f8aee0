/**
 * Ingest path benchmark: the gateway's handling of Heartbeat (one statement) and MeterValues (one
 * transaction: the station read, the handler, the device write) called in-process, without
 * sockets, by N stations at once (default 5,000), each sending its next message once the last
 * is stored. Baseline: the same loop with 10 stations at once, in the same run. Prints messages
 * stored per second and the CPU time per message of both, and the ratio: a cost that grows
 * with the number of messages waiting for the database shows as a ratio below 1.
 *
 *   npx tsx bench/ingest-path.ts [--stations 5000] [--seconds 8]
 *
 * SQLite in a temporary directory by default; with DATABASE_URL set, that PostgreSQL database,
 * which must be empty (e.g. a fresh schema in `search_path`).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildPlatform } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { deviceOnlyHandlers, ocppHandlers } from '../src/gateway/handlers.js';
import { recordFigure } from './figures.js';

const { values } = parseArgs({
  options: {
    stations: { type: 'string', default: '5000' },
    seconds: { type: 'string', default: '8' },
  },
});
const N = Number(values.stations);
const SECONDS = Number(values.seconds);

async function main() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'witty-bench-ingest-'));
  const platform = await buildPlatform(
    loadConfig({
      WITTY_DATA_DIR: dataDir,
      WITTY_LOG_LEVEL: 'warn',
      ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
    }),
  );
  const state = platform.deviceState;
  const uids: string[] = [];
  for (let i = 0; i < N; i++) {
    const uid = `INGEST${String(i).padStart(6, '0')}`;
    // Provisioned directly: the bench measures ingest, not password hashing.
    await platform.deviceStore.insert({
      uid,
      serial_number: `INGEST-${i}`,
      mac_address: null,
      production_date: '2026-01-01',
      product_reference: 'XEV1R22',
      secret_hash: 'unused',
      created_at: new Date().toISOString(),
    });
    await state.connected(uid);
    uids.push(uid);
  }
  const handlers = ocppHandlers(state, {
    afterBoot: () => Promise.resolve(() => undefined),
    afterStart: () => Promise.resolve(),
  });
  const deviceOnly = deviceOnlyHandlers(state);
  // What the gateway does for each CALL (src/gateway/ocpp-gateway.ts), minus the socket.
  const handle = (uid: string, action: 'Heartbeat' | 'MeterValues', params: object) => {
    const now = () => new Date();
    const deviceHandler = deviceOnly[action];
    if (deviceHandler)
      return deviceHandler(params as never, { uid, onCurrentConnection: true, now });
    return state.withStation(uid, (station) => {
      state.seen(station, true);
      return handlers[action]!(params as never, { uid, station, now, after: () => undefined });
    });
  };

  async function run(stations: string[]) {
    let stored = 0;
    const deadline = Date.now() + SECONDS * 1000;
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    await Promise.all(
      stations.map(async (uid) => {
        let wh = Math.floor(Math.random() * 1_000_000);
        while (Date.now() < deadline) {
          await handle(uid, 'Heartbeat', {});
          wh += 1200;
          await handle(uid, 'MeterValues', {
            connectorId: 1,
            meterValue: [
              {
                timestamp: new Date().toISOString(),
                sampledValue: [
                  { value: String(wh), measurand: 'Energy.Active.Import.Register', unit: 'Wh' },
                  { value: '7200', measurand: 'Power.Active.Import', unit: 'W' },
                ],
              },
            ],
          });
          stored += 2;
        }
      }),
    );
    const cpu = process.cpuUsage(cpuBefore);
    return {
      perSecond: stored / ((performance.now() - started) / 1000),
      cpuPerMessageUs: (cpu.user + cpu.system) / Math.max(1, stored),
    };
  }

  const baseline = await run(uids.slice(0, 10));
  const loaded = await run(uids);
  await platform.store.close();
  fs.rmSync(dataDir, { recursive: true, force: true });

  process.stdout.write(
    `\nbench/ingest-path: ${SECONDS} s each, load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}, ${os.cpus().length} cores\n`,
  );
  const rows = [
    ['', `${N} at once`, '10 at once', 'ratio'],
    [
      'messages stored per s',
      loaded.perSecond.toFixed(0),
      baseline.perSecond.toFixed(0),
      (loaded.perSecond / baseline.perSecond).toFixed(2),
    ],
    [
      'CPU per message (µs)',
      loaded.cpuPerMessageUs.toFixed(0),
      baseline.cpuPerMessageUs.toFixed(0),
      (loaded.cpuPerMessageUs / baseline.cpuPerMessageUs).toFixed(2),
    ],
  ];
  for (const row of rows)
    process.stdout.write(
      `${row[0]!.padEnd(24)}${row[1]!.padStart(14)}${row[2]!.padStart(12)}${row[3]!.padStart(8)}\n`,
    );
  const conditions = {
    database: process.env.DATABASE_URL ? 'postgresql' : 'sqlite',
    stations: N,
    seconds: SECONDS,
  };
  const baselineLabel = 'the same loop, 10 stations at once';
  recordFigure({
    bench: 'ingest-path',
    id: 'ingest-path.messages-stored',
    label: `Heartbeat and MeterValues stored per second, ${N} stations at once, in-process`,
    value: loaded.perSecond,
    unit: 'messages/s',
    baseline: { label: baselineLabel, value: baseline.perSecond },
    ratio: loaded.perSecond / baseline.perSecond,
    conditions,
  });
  recordFigure({
    bench: 'ingest-path',
    id: 'ingest-path.cpu-per-message',
    label: `CPU per message, ${N} stations at once`,
    value: loaded.cpuPerMessageUs,
    unit: 'µs',
    baseline: { label: baselineLabel, value: baseline.cpuPerMessageUs },
    ratio: loaded.cpuPerMessageUs / baseline.cpuPerMessageUs,
    conditions,
  });
  process.exit(0);
}

void main();
