/**
 * Gateway benchmark: N stations (default 10,000) from a second process against one platform
 * process, heartbeats and meter values at 60× speed. Prints stations held, server RSS per
 * station, messages stored per second (CALLs answered within the window) and command round-trip
 * p50/p99, then the same load against a bare `ws` server (no validation, auth or storage) as the
 * baseline, and the ratios.
 *
 *   npx tsx bench/gateway.ts [--stations 10000] [--seconds 30] [--speed 60] [--commands 200]
 *
 * With --find-max, once that measure is done and before the platform process stops, it steps the
 * station count up (--steps) against the same process: at each step the same per-station
 * traffic for --step-seconds, and up to --commands command round trips while it runs. It stops at
 * the first step whose command p99 is over 50 ms (or that does not hold every station), and
 * reports the largest count that passed and the first that failed (no bare ws baseline):
 *
 *   npx tsx bench/gateway.ts --find-max [--steps 1000,2000,4000,7000,10000] [--step-seconds 20]
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
import { freePort } from '../test/helpers/http.js';
import { recordFigure } from './figures.js';
import { cpuSeconds, rssBytes, runLoadGenerator, startProcess as start } from './processes.js';
import {
  associateStation,
  benchInstallation,
  benchOwner,
  benchDevice,
  type BenchStation,
  benchCredentials,
} from './provision.js';

const { values } = parseArgs({
  options: {
    stations: { type: 'string', default: '10000' },
    seconds: { type: 'string', default: '30' },
    speed: { type: 'string', default: '60' },
    commands: { type: 'string', default: '200' },
    'find-max': { type: 'boolean', default: false },
    steps: { type: 'string', default: '1000,2000,4000,7000,10000' },
    'step-seconds': { type: 'string', default: '20' },
  },
});
const N = Number(values.stations);
const SECONDS = Number(values.seconds);
const SPEED = Number(values.speed);
const COMMANDS = Number(values.commands);
const FIND_MAX = values['find-max'];
const STEPS = values.steps
  .split(',')
  .map(Number)
  .sort((a, b) => a - b);
/** The command p99 a step must keep to pass, in ms (the target). */
const P99_LIMIT_MS = 50;
const STEP_SECONDS = Number(values['step-seconds']);

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

/**
 * Runs the load generator; samples the server's RSS once every station is connected. The signal
 * passed to `onConnected` is aborted when the load's window ends.
 */
async function runLoad(
  url: string,
  stations: { uid: string; password: string }[],
  serverPid: number,
  onConnected: (loadDone: AbortSignal) => Promise<void>,
  seconds = SECONDS,
) {
  const loadDone = new AbortController();
  const result: Partial<LoadResult & { rssAfter: number }> = {};
  let cpuAtConnected = 0;
  let connected: Promise<void> = Promise.resolve();
  await runLoadGenerator(
    { url, stations, speed: SPEED, seconds, connectConcurrency: 200 },
    (line) => {
      if (line.event === 'connected') {
        result.connected = Number(line.stations);
        result.connectSeconds = Number(line.seconds);
        result.rssAfter = rssBytes(serverPid);
        cpuAtConnected = cpuSeconds(serverPid);
        connected = onConnected(loadDone.signal);
      } else if (line.event === 'done') {
        loadDone.abort();
        result.messagesPerSecond = Number(line.messagesPerSecond);
        result.failed = Number(line.failed);
        result.skipped = Number(line.skipped);
        result.cpuPerMessageUs =
          ((cpuSeconds(serverPid) - cpuAtConnected) * 1e6) / Math.max(1, Number(line.acknowledged));
      }
    },
  );
  loadDone.abort();
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
  const provisioned = Math.max(N, FIND_MAX ? (STEPS.at(-1) ?? 0) : 0);
  process.stdout.write(`Provisioning ${provisioned} stations in ${dataDir}…\n`);
  const platform = await buildPlatform(config);
  const stations: BenchStation[] = [];
  for (let i = 0; i < provisioned; i++) {
    const device = await benchDevice(platform, 'BENCH', i);
    stations.push(device);
  }
  // Commands go to a handful of associated stations through the API, as a partner app would.
  const caller = await benchOwner(platform);
  const targets: string[] = [];
  for (let i = 0; i < Math.min(10, provisioned); i++) {
    const installationId = await benchInstallation(platform, caller, `Bench ${i}`);
    const stationId = await associateStation(
      platform,
      stations[i]!.uid,
      installationId,
      `XEVFR-BENCH-${i}`,
    );
    targets.push(`/v1/installations/${installationId}/charging-stations/${stationId}`);
  }
  const credentials = await benchCredentials(platform, config, caller);
  await platform.store.close();

  const base = `http://127.0.0.1:${port}`;
  const headers = { ...credentials, 'content-type': 'application/json' };
  /** One set-charge-mode through the API, polled until the station has answered; its ms. */
  async function commandRoundTrip(i: number): Promise<number> {
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
    return performance.now() - begin;
  }

  const latencies: number[] = [];
  async function commandRoundTrips() {
    for (let i = 0; i < COMMANDS; i++) latencies.push(await commandRoundTrip(i));
  }

  process.stdout.write(`Platform: ${N} stations at ${SPEED}× for ${SECONDS} s…\n`);
  const server = await start(process.env.BENCH_SERVER ?? 'node bin/witty.js serve', env);
  const rssBefore = rssBytes(server.pid!);
  let platformResult: Awaited<ReturnType<typeof runLoad>>;
  let steps: Awaited<ReturnType<typeof findMax>>;
  try {
    platformResult = await runLoad(
      `ws://127.0.0.1:${port}`,
      stations.slice(0, N),
      server.pid!,
      commandRoundTrips,
    );
    steps = FIND_MAX
      ? await findMax(`ws://127.0.0.1:${port}`, stations, server.pid!, commandRoundTrip)
      : [];
  } finally {
    // A failed measure (a command refused once the stations left) must not leave it running.
    server.kill('SIGTERM');
  }

  process.stdout.write('Baseline: bare ws server…\n');
  const basePort = await freePort();
  const bare = await start('node --import tsx bench/bare-ws-server.ts', { PORT: String(basePort) });
  const bareRssBefore = rssBytes(bare.pid!);
  const bareResult = await runLoad(
    `ws://127.0.0.1:${basePort}`,
    stations.slice(0, N),
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
    database: databaseName(config),
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
  if (FIND_MAX) reportFindMax(steps, conditions.database);
  process.exit(0);
}

function databaseName(config: ReturnType<typeof loadConfig>): string {
  return config.database.dialect === 'postgres' ? 'postgresql' : 'sqlite';
}

interface Step {
  stations: number;
  connected: number;
  commands: number;
  failedCommands: number;
  p50: number;
  p99: number;
  messagesPerSecond: number;
  passed: boolean;
}

/**
 * The steps of --find-max against the running platform process: at each, the periodic load of
 * the first `count` stations, and commands one after the other while the load's window lasts
 * (at most --commands); a command that fails counts as infinitely slow. Stops at the first step
 * that fails.
 */
async function findMax(
  url: string,
  stations: { uid: string; password: string }[],
  serverPid: number,
  commandRoundTrip: (i: number) => Promise<number>,
): Promise<Step[]> {
  const steps: Step[] = [];
  for (const count of STEPS) {
    process.stdout.write(`Step: ${count} stations at ${SPEED}× for ${STEP_SECONDS} s…\n`);
    const latencies: number[] = [];
    let failedCommands = 0;
    const load = await runLoad(
      url,
      stations.slice(0, count),
      serverPid,
      async (done) => {
        for (let i = 0; i < COMMANDS && !done.aborted; i++) {
          try {
            latencies.push(await commandRoundTrip(i));
          } catch {
            failedCommands++;
            latencies.push(Infinity);
          }
        }
      },
      STEP_SECONDS,
    );
    latencies.sort((a, b) => a - b);
    const p99 = percentile(latencies, 99);
    const step: Step = {
      stations: count,
      connected: load.connected,
      commands: latencies.length,
      failedCommands,
      p50: percentile(latencies, 50),
      p99,
      messagesPerSecond: load.messagesPerSecond,
      passed: load.connected === count && latencies.length > 0 && p99 <= P99_LIMIT_MS,
    };
    steps.push(step);
    if (!step.passed) break;
  }
  return steps;
}

/** Prints the steps' table and records the largest count that passed. */
function reportFindMax(steps: Step[], database: string) {
  process.stdout.write(
    `\nbench/gateway --find-max: ${SPEED}× speed, ${STEP_SECONDS} s per step, up to ${COMMANDS} commands per step, after the measure above on the same platform process\n`,
  );
  const columns = ['stations', 'held', 'msg/s', 'commands', 'failed', 'p50 (ms)', 'p99 (ms)', ''];
  const widths = [10, 8, 10, 10, 8, 10, 10, 6];
  const line = (cells: string[]) =>
    `${cells.map((text, i) => text.padStart(widths[i] ?? 8)).join('')}\n`;
  process.stdout.write(line(columns));
  for (const step of steps)
    process.stdout.write(
      line([
        String(step.stations),
        String(step.connected),
        step.messagesPerSecond.toFixed(0),
        String(step.commands),
        String(step.failedCommands),
        step.p50.toFixed(1),
        step.p99.toFixed(1),
        step.passed ? 'pass' : 'FAIL',
      ]),
    );
  const passed = steps.filter((step) => step.passed).at(-1);
  const failed = steps.find((step) => !step.passed);
  const failure = failed
    ? `first failing step: ${failed.stations} stations, p99 ${failed.p99.toFixed(1)} ms` +
      (failed.connected < failed.stations ? `, ${failed.connected} held` : '') +
      (failed.failedCommands > 0 ? `, ${failed.failedCommands} commands failed` : '')
    : `no step failed up to ${STEPS.at(-1)} stations`;
  process.stdout.write(
    `largest count with command p99 ≤ ${P99_LIMIT_MS} ms: ${passed?.stations ?? 'none'}; ${failure}\n`,
  );
  recordFigure({
    bench: 'gateway',
    id: 'gateway.max-stations-p99-50ms',
    label: `largest station count with command p99 ≤ ${P99_LIMIT_MS} ms (set-charge-mode, API to station and back)`,
    value: passed?.stations ?? 0,
    unit: 'stations',
    target: { of: 'value', atLeast: 10000, text: '10,000 stations with command p99 ≤ 50 ms' },
    conditions: {
      database,
      speed: SPEED,
      'seconds per step': STEP_SECONDS,
      steps: steps.map((step) => step.stations).join(' '),
    },
    note: failure,
  });
}

void main();
