/**
 * Gateway benchmark: N stations (default 10,000) from a second process against one platform
 * process, heartbeats and meter values at 60× speed. Prints stations held, server RSS per
 * station, messages stored per second (CALLs answered within the window) and command round-trip
 * p50/p99, then the same load against a bare `ws` server (no validation, auth or storage) as the
 * baseline, and the ratios.
 *
 *   npx tsx bench/gateway.ts [--stations 10000] [--seconds 30] [--speed 60] [--commands 200]
 *
 * SQLite in a temporary directory by default; with DATABASE_URL set, the platform runs on that
 * PostgreSQL database instead, which must be empty (e.g. a fresh schema in `search_path`).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildPlatform } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { issueOperatorAccessToken } from '../src/identity/index.js';
import { freePort } from '../test/helpers/http.js';
import { recordFigure } from './figures.js';
import { cpuSeconds, rssBytes, runLoadGenerator, startProcess as start } from './processes.js';
import { associateStation, benchInstallation, benchOwner } from './provision.js';

const { values } = parseArgs({
  options: {
    stations: { type: 'string', default: '10000' },
    seconds: { type: 'string', default: '30' },
    speed: { type: 'string', default: '60' },
    commands: { type: 'string', default: '200' },
  },
});
const N = Number(values.stations);
const SECONDS = Number(values.seconds);
const SPEED = Number(values.speed);
const COMMANDS = Number(values.commands);

interface LoadResult {
  connected: number;
  connectSeconds: number;
  messagesPerSecond: number;
  failed: number;
  /** Turns a station skipped because its last exchange was still unanswered. */
  skipped: number;
  /** Server CPU time per acknowledged message during the load, in microseconds. */
  cpuPerMessageUs: number;
}

/** Runs the load generator; samples the server's RSS once every station is connected. */
async function runLoad(
  url: string,
  stations: { uid: string; password: string }[],
  serverPid: number,
  onConnected: () => Promise<void>,
) {
  const result: Partial<LoadResult & { rssAfter: number }> = {};
  let cpuAtConnected = 0;
  let connected: Promise<void> = Promise.resolve();
  await runLoadGenerator(
    { url, stations, speed: SPEED, seconds: SECONDS, connectConcurrency: 200 },
    (line) => {
      if (line.event === 'connected') {
        result.connected = Number(line.stations);
        result.connectSeconds = Number(line.seconds);
        result.rssAfter = rssBytes(serverPid);
        cpuAtConnected = cpuSeconds(serverPid);
        connected = onConnected();
      } else if (line.event === 'done') {
        result.messagesPerSecond = Number(line.messagesPerSecond);
        result.failed = Number(line.failed);
        result.skipped = Number(line.skipped);
        result.cpuPerMessageUs =
          ((cpuSeconds(serverPid) - cpuAtConnected) * 1e6) / Math.max(1, Number(line.acknowledged));
      }
    },
  );
  await connected;
  return result as LoadResult & { rssAfter: number };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function main() {
  const loadBefore = os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'witty-bench-'));
  const port = await freePort();
  const env = {
    WITTY_DATA_DIR: dataDir,
    PORT: String(port),
    WITTY_LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
    WITTY_RATE_LIMIT_MAX: '1000000',
    ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
  };
  const config = loadConfig(env);
  process.stdout.write(`Provisioning ${N} stations in ${dataDir}…\n`);
  const platform = await buildPlatform(config);
  const stations: { uid: string; password: string }[] = [];
  for (let i = 0; i < N; i++) {
    const device = await platform.devices.provision({
      uid: `BENCH${String(i).padStart(6, '0')}`,
      serialNumber: `BENCH-${i}`,
    });
    stations.push({ uid: device.uid, password: device.password });
  }
  // Commands go to a handful of associated stations through the API, as a partner app would.
  const caller = await benchOwner(platform);
  const targets: string[] = [];
  for (let i = 0; i < Math.min(10, N); i++) {
    const installationId = await benchInstallation(platform, caller, `Bench ${i}`);
    const stationId = await associateStation(
      platform,
      stations[i]!.uid,
      installationId,
      `XEVFR-BENCH-${i}`,
    );
    targets.push(`/v1/installations/${installationId}/charging-stations/${stationId}`);
  }
  const { primaryKey } = await platform.identity.issueStarterPackKeys('bench-partner@example.com');
  const { access_token } = await issueOperatorAccessToken(
    platform.provider,
    { config, ...platform },
    caller.account.accountId,
  );
  await platform.store.close();

  const base = `http://127.0.0.1:${port}`;
  const headers = {
    'ocp-apim-subscription-key': primaryKey,
    authorization: `Bearer ${access_token}`,
    'content-type': 'application/json',
  };
  const latencies: number[] = [];
  async function commandRoundTrips() {
    for (let i = 0; i < COMMANDS; i++) {
      const target = targets[i % targets.length]!;
      const begin = performance.now();
      const response = await fetch(`${base}${target}/operators/set-charge-mode`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ chargeMode: i % 2 ? 'immediate' : 'deferred' }),
      });
      if (response.status !== 202)
        throw new Error(`set-charge-mode answered ${response.status}: ${await response.text()}`);
      const location = response.headers.get('location')!;
      for (;;) {
        const command = (await (await fetch(`${base}${location}`, { headers })).json()) as {
          status: string;
        };
        if (command.status !== 'pending') break;
      }
      latencies.push(performance.now() - begin);
    }
  }

  process.stdout.write(`Platform: ${N} stations at ${SPEED}× for ${SECONDS} s…\n`);
  const server = await start(process.env.BENCH_SERVER ?? 'node bin/witty.js serve', env);
  const rssBefore = rssBytes(server.pid!);
  const platformResult = await runLoad(
    `ws://127.0.0.1:${port}`,
    stations,
    server.pid!,
    commandRoundTrips,
  );
  server.kill('SIGTERM');

  process.stdout.write('Baseline: bare ws server…\n');
  const basePort = await freePort();
  const bare = await start('node --import tsx bench/bare-ws-server.ts', { PORT: String(basePort) });
  const bareRssBefore = rssBytes(bare.pid!);
  const bareResult = await runLoad(
    `ws://127.0.0.1:${basePort}`,
    stations,
    bare.pid!,
    async () => undefined,
  );
  bare.kill('SIGTERM');
  fs.rmSync(dataDir, { recursive: true, force: true });

  latencies.sort((a, b) => a - b);
  const perStation = (after: number, before: number, count: number) =>
    (after - before) / Math.max(1, count) / 1024;
  const platformKb = perStation(platformResult.rssAfter, rssBefore, platformResult.connected);
  const bareKb = perStation(bareResult.rssAfter, bareRssBefore, bareResult.connected);
  const rows = [
    ['', 'platform', 'bare ws', 'ratio'],
    [
      'stations held',
      String(platformResult.connected),
      String(bareResult.connected),
      (platformResult.connected / bareResult.connected).toFixed(2),
    ],
    [
      'connect time (s)',
      platformResult.connectSeconds.toFixed(1),
      bareResult.connectSeconds.toFixed(1),
      (platformResult.connectSeconds / bareResult.connectSeconds).toFixed(2),
    ],
    [
      'server RSS per station (KiB)',
      platformKb.toFixed(1),
      bareKb.toFixed(1),
      (platformKb / bareKb).toFixed(2),
    ],
    [
      'messages stored per s',
      platformResult.messagesPerSecond.toFixed(0),
      bareResult.messagesPerSecond.toFixed(0),
      (platformResult.messagesPerSecond / bareResult.messagesPerSecond).toFixed(2),
    ],
    ['failed calls', String(platformResult.failed), String(bareResult.failed), ''],
    ['turns skipped (still busy)', String(platformResult.skipped), String(bareResult.skipped), ''],
    [
      'server CPU per message (µs)',
      platformResult.cpuPerMessageUs.toFixed(0),
      bareResult.cpuPerMessageUs.toFixed(0),
      (platformResult.cpuPerMessageUs / bareResult.cpuPerMessageUs).toFixed(2),
    ],
    ['command round trip p50 (ms)', percentile(latencies, 50).toFixed(1), '', ''],
    ['command round trip p99 (ms)', percentile(latencies, 99).toFixed(1), '', ''],
  ];
  process.stdout.write(
    `\nload average before / after: ${loadBefore} / ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  process.stdout.write(
    `\nbench/gateway: ${N} stations, ${SPEED}× speed, ${SECONDS} s, ${latencies.length} commands, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? ''})\n`,
  );
  for (const row of rows)
    process.stdout.write(
      `${row[0]!.padEnd(30)}${row[1]!.padStart(12)}${row[2]!.padStart(12)}${row[3]!.padStart(8)}\n`,
    );

  const conditions = {
    database: config.database.dialect === 'postgres' ? 'postgresql' : 'sqlite',
    stations: N,
    speed: SPEED,
    seconds: SECONDS,
  };
  const bareLabel = 'bare ws server, same load';
  const compared = (id: string, label: string, unit: string, value: number, bareValue: number) => ({
    bench: 'gateway',
    id: `gateway.${id}`,
    label,
    value,
    unit,
    baseline: { label: bareLabel, value: bareValue },
    ratio: value / bareValue,
    conditions,
  });
  recordFigure({
    ...compared(
      'stations-held',
      'stations held',
      'stations',
      platformResult.connected,
      bareResult.connected,
    ),
    target: { of: 'value', atLeast: N, text: `every station (${N}) held` },
  });
  recordFigure(
    compared(
      'connect-time',
      'time to connect every station',
      's',
      platformResult.connectSeconds,
      bareResult.connectSeconds,
    ),
  );
  // With few stations the RSS growth is lost in the heap's own moves, and may be negative.
  const rssMeasured = platformKb > 0 && bareKb > 0;
  recordFigure({
    ...compared('rss-per-station', 'server RSS per station', 'KiB', platformKb, bareKb),
    ...(rssMeasured
      ? {}
      : { ratio: undefined, note: 'RSS growth not positive: too few stations to measure it' }),
    target: { of: 'ratio', atMost: 2, text: '≤ 2 × the bare ws server' },
  });
  recordFigure({
    ...compared(
      'messages-stored',
      'messages stored per second',
      'messages/s',
      platformResult.messagesPerSecond,
      bareResult.messagesPerSecond,
    ),
    note:
      platformResult.skipped + platformResult.failed > 0
        ? `${platformResult.failed} failed calls, ${platformResult.skipped} turns skipped (a station's last exchange unanswered)`
        : undefined,
  });
  recordFigure(
    compared(
      'cpu-per-message',
      'server CPU per message',
      'µs',
      platformResult.cpuPerMessageUs,
      bareResult.cpuPerMessageUs,
    ),
  );
  const commandConditions = { ...conditions, commands: latencies.length };
  recordFigure({
    bench: 'gateway',
    id: 'gateway.command-p50',
    label: 'command round trip p50 (set-charge-mode, API to station and back)',
    value: percentile(latencies, 50),
    unit: 'ms',
    conditions: commandConditions,
  });
  recordFigure({
    bench: 'gateway',
    id: 'gateway.command-p99',
    label: 'command round trip p99 (set-charge-mode, API to station and back)',
    value: percentile(latencies, 99),
    unit: 'ms',
    target: { of: 'value', atMost: 50, text: '≤ 50 ms' },
    conditions: commandConditions,
  });
  process.exit(0);
}

void main();
