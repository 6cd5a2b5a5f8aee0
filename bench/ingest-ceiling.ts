/**
 * Ingest ceiling: N associated stations (one installation each) connected over OCPP 1.6J to one
 * `witty serve` process, each sending MeterValues of R readings (energy and power) as soon as
 * its last is answered, for S seconds. Each reading after a station's first stores three
 * samples (energy, its cost, power), each added to the hourly and daily rollups in the same
 * transaction; a station is answered only once its transaction has committed. At the end the
 * bench counts the samples in the database and checks that every answered reading's samples are
 * there. Baseline, same run: the same load against a bare `ws` server that answers at once.
 *
 *   npx tsx bench/ingest-ceiling.ts [--stations 100] [--readings 1] [--seconds 15]
 *
 * SQLite in a temporary folder by default; with DATABASE_URL, a fresh schema of that database.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildPlatform } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { openStore } from '../src/db/database.js';
import { freePort } from '../test/helpers/http.js';
import { recordFigure } from './figures.js';
import { cpuSeconds, runLoadGenerator, startProcess } from './processes.js';
import {
  associateStation,
  benchInstallation,
  benchOwner,
  benchDevice,
  type BenchStation,
} from './provision.js';
import { freshPostgres } from './webhooks-database.js';

const { values } = parseArgs({
  options: {
    stations: { type: 'string', default: '100' },
    readings: { type: 'string', default: '1' },
    seconds: { type: 'string', default: '15' },
  },
});
const N = Number(values.stations);
const READINGS = Number(values.readings);
const SECONDS = Number(values.seconds);

interface LoadResult {
  messages: number;
  readings: number;
  failed: number;
  /** Server CPU seconds while the stations sent. */
  cpu: number;
}

/** Runs the load generator in ceiling mode against `url`; the server's CPU while it sent. */
async function runLoad(
  url: string,
  stations: { uid: string; password: string }[],
  serverPid: number,
): Promise<LoadResult> {
  let cpuAtConnected = 0;
  let result: LoadResult | undefined;
  let problem: Error | undefined;
  await runLoadGenerator(
    {
      url,
      stations,
      speed: 1,
      seconds: SECONDS,
      connectConcurrency: 50,
      mode: 'ceiling',
      readings: READINGS,
    },
    (line) => {
      if (line.event === 'connected') {
        if (Number(line.stations) !== stations.length)
          problem = new Error(`${line.stations} of ${stations.length} stations connected`);
        cpuAtConnected = cpuSeconds(serverPid);
      } else if (line.event === 'done') {
        result = {
          messages: Number(line.acknowledged),
          readings: Number(line.readings),
          failed: Number(line.failed),
          cpu: cpuSeconds(serverPid) - cpuAtConnected,
        };
      }
    },
  );
  if (problem) throw problem;
  if (!result) throw new Error('the load generator ended without its result');
  return result;
}

async function main() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'witty-bench-ceiling-'));
  const postgres = await freshPostgres();
  const port = await freePort();
  const env: Record<string, string> = {
    WITTY_DATA_DIR: dataDir,
    PORT: String(port),
    WITTY_LOG_LEVEL: 'warn',
    ...(postgres ? { DATABASE_URL: postgres.url } : {}),
  };
  const config = loadConfig(env);
  process.stdout.write(`Provisioning ${N} associated stations (${config.database.dialect})…\n`);
  const platform = await buildPlatform(config);
  const caller = await benchOwner(platform);
  const stations: BenchStation[] = [];
  for (let i = 0; i < N; i++) {
    const device = await benchDevice(platform, 'CEIL', i);
    stations.push(device);
    const installationId = await benchInstallation(platform, caller, `Ceiling ${i}`);
    await associateStation(platform, device.uid, installationId, `XEVFR-CEIL-${i}`);
  }
  await platform.store.close();

  process.stdout.write(
    `Platform: ${N} stations, MeterValues of ${READINGS} reading(s) as fast as answered, ${SECONDS} s…\n`,
  );
  const server = await startProcess(process.env.BENCH_SERVER ?? 'node bin/witty.js serve', env);
  const platformResult = await runLoad(`ws://127.0.0.1:${port}`, stations, server.pid!);
  const exited = new Promise((resolve) => server.once('exit', resolve));
  server.kill('SIGTERM');
  await exited;

  // What the database holds: every answered reading's samples must be there.
  const store = openStore(config.database);
  const { count } = await store.db
    .selectFrom('measure_samples')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .executeTakeFirstOrThrow();
  const stored = Number(count);
  const hours = await store.db
    .selectFrom('measure_hours')
    .select((eb) => eb.fn.sum<number>('count').as('count'))
    .where('measure', '=', 'ChargingPower')
    .executeTakeFirstOrThrow();
  await store.close();
  await postgres?.drop();
  // A station's first reading has no energy before it: power only.
  const answeredSamples = 3 * platformResult.readings - 2 * N;

  process.stdout.write('Baseline: bare ws server…\n');
  const basePort = await freePort();
  const bare = await startProcess('node --import tsx bench/bare-ws-server.ts', {
    PORT: String(basePort),
  });
  const bareResult = await runLoad(`ws://127.0.0.1:${basePort}`, stations, bare.pid!);
  bare.kill('SIGTERM');
  fs.rmSync(dataDir, { recursive: true, force: true });

  const perSecond = (n: number) => n / SECONDS;
  const rows: [string, string, string, string][] = [
    ['', 'platform', 'bare ws', 'ratio'],
    [
      'MeterValues answered per s',
      perSecond(platformResult.messages).toFixed(0),
      perSecond(bareResult.messages).toFixed(0),
      (platformResult.messages / bareResult.messages).toFixed(2),
    ],
    [
      'samples stored per s',
      perSecond(stored).toFixed(0),
      perSecond(3 * bareResult.readings).toFixed(0),
      (stored / (3 * bareResult.readings)).toFixed(2),
    ],
    [
      'server CPU per sample (µs)',
      ((platformResult.cpu * 1e6) / Math.max(1, stored)).toFixed(1),
      ((bareResult.cpu * 1e6) / Math.max(1, 3 * bareResult.readings)).toFixed(1),
      '',
    ],
    ['failed calls', String(platformResult.failed), String(bareResult.failed), ''],
  ];
  process.stdout.write(
    `\nbench/ingest-ceiling: ${config.database.dialect}, ${N} stations, ${READINGS} reading(s) per MeterValues, ${SECONDS} s; ${os.cpus().length} cores (${os.cpus()[0]?.model.trim() ?? ''}), Node ${process.version}, load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}\n`,
  );
  for (const row of rows)
    process.stdout.write(
      `${row[0].padEnd(30)}${row[1].padStart(12)}${row[2].padStart(12)}${row[3].padStart(8)}\n`,
    );
  process.stdout.write(
    `durable: ${stored} samples stored for ${answeredSamples} answered (${
      stored >= answeredSamples ? 'every answered sample is stored' : 'SAMPLES MISSING'
    }); ${Number(hours.count)} power samples counted in the hourly rollups\n`,
  );

  const postgresql = config.database.dialect === 'postgres';
  const conditions = {
    database: postgresql ? 'postgresql' : 'sqlite',
    stations: N,
    readings: READINGS,
    seconds: SECONDS,
  };
  const suffix = postgresql ? '.postgresql' : '';
  const bareLabel = 'bare ws server, same load';
  recordFigure({
    bench: 'ingest-ceiling',
    id: `ingest-ceiling.samples-stored${suffix}`,
    label: 'samples stored per second, stations sending as fast as answered',
    value: perSecond(stored),
    unit: 'samples/s',
    baseline: {
      label: `${bareLabel} (3 samples per reading)`,
      value: perSecond(3 * bareResult.readings),
    },
    ratio: stored / (3 * bareResult.readings),
    // The ingest target is stated for one node on SQLite.
    ...(postgresql
      ? {}
      : {
          target: {
            of: 'value' as const,
            atLeast: 10_000,
            text: '≥ 10,000 samples/s on one node (SQLite)',
          },
        }),
    conditions,
    ...(stored < answeredSamples
      ? { note: `${answeredSamples - stored} answered samples missing from the database` }
      : {}),
  });
  recordFigure({
    bench: 'ingest-ceiling',
    id: `ingest-ceiling.meter-values${suffix}`,
    label: 'MeterValues answered per second',
    value: perSecond(platformResult.messages),
    unit: 'messages/s',
    baseline: { label: bareLabel, value: perSecond(bareResult.messages) },
    ratio: platformResult.messages / bareResult.messages,
    conditions,
  });
  recordFigure({
    bench: 'ingest-ceiling',
    id: `ingest-ceiling.cpu-per-sample${suffix}`,
    label: 'server CPU per sample stored',
    value: (platformResult.cpu * 1e6) / Math.max(1, stored),
    unit: 'µs',
    conditions,
  });
  process.exit(stored >= answeredSamples ? 0 : 1);
}

void main();
