/**
 * Cold start of the demo: `witty demo` (what `npm run demo` runs) on a fresh data folder,
 * measured from outside, over HTTP, in seconds from the moment the process is started:
 *
 * - live station: the first demo station, read through the partner API with the key and token
 *   the demo prints (its `curl` line), answers 200 with `error.code` 0 (connected and heard from,
 *   no fault) and `availability` `charging` (the car the demo plugs in at start is charging);
 * - history complete: every demo installation's station answers with `error.code` 0. A demo
 *   station connects only once its 90 days of history are stored, so this is the end of the
 *   backfill; the bench then checks that the first day of the history is there.
 *
 * Baseline, same run: `witty serve` on a fresh data folder until GET /healthz answers, the bare
 * start of the platform. While the history fills, the bench reads the live station every 50 ms
 * and reports the slowest answers: the backfill must not starve the live stations.
 *
 *   npx tsx bench/cold-start.ts [--days 90] [--runs 1] [--timeout 180]
 *
 * SQLite (the demo's default). bin/witty.js runs dist/ when the build is current, else the
 * sources through tsx: the bench says which, as it changes the start by seconds.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { freePort } from '../test/helpers/http.js';
import { recordFigure } from './figures.js';
import { buildIsCurrent } from './processes.js';

const { values } = parseArgs({
  options: {
    days: { type: 'string', default: '90' },
    runs: { type: 'string', default: '1' },
    timeout: { type: 'string', default: '180' },
    // The harness's quick run: the same measure (the figure is the start of the real demo).
    quick: { type: 'boolean', default: false },
  },
});
const DAYS = Number(values.days);
const RUNS = Number(values.runs);
const TIMEOUT_MS = Number(values.timeout) * 1000;
const root = path.resolve(import.meta.dirname, '..');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Started {
  child: ChildProcess;
  dataDir: string;
  /** performance.now() when the process was spawned. */
  t0: number;
  output: () => string;
  /** Seconds since the spawn, at the first output line matching. */
  lineAt: (pattern: RegExp) => number | undefined;
}

/** `node bin/witty.js …args` on a fresh SQLite data folder. */
function startWitty(args: string[], port: number): Started {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'witty-cold-start-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    WITTY_DATA_DIR: dataDir,
    PORT: String(port),
    WITTY_LOG_LEVEL: 'warn',
  };
  delete env.DATABASE_URL;
  const t0 = performance.now();
  const child = spawn(process.execPath, ['bin/witty.js', ...args], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const lines: { at: number; line: string }[] = [];
  const take = (chunk: Buffer) => {
    const at = (performance.now() - t0) / 1000;
    output += chunk.toString();
    for (const line of chunk.toString().split('\n')) if (line) lines.push({ at, line });
  };
  child.stdout.on('data', take);
  child.stderr.on('data', take);
  return {
    child,
    dataDir,
    t0,
    output: () => output,
    lineAt: (pattern) => lines.find(({ line }) => pattern.test(line))?.at,
  };
}

async function stop(started: Started): Promise<void> {
  if (started.child.exitCode === null) {
    const exited = new Promise((resolve) => started.child.once('exit', resolve));
    started.child.kill('SIGTERM');
    await Promise.race([exited, sleep(15_000)]);
    if (started.child.exitCode === null) started.child.kill('SIGKILL');
  }
  fs.rmSync(started.dataDir, { recursive: true, force: true });
}

/** Polls `check` every `everyMs` until it returns a value; fails past the timeout. */
async function until<T>(
  started: Started,
  what: string,
  check: () => Promise<T | undefined>,
  everyMs = 50,
): Promise<{ value: T; seconds: number }> {
  for (;;) {
    if (started.child.exitCode !== null)
      throw new Error(`the process exited before ${what}:\n${started.output()}`);
    if (performance.now() - started.t0 > TIMEOUT_MS)
      throw new Error(`no ${what} after ${TIMEOUT_MS / 1000} s:\n${started.output()}`);
    const value = await check().catch(() => undefined);
    if (value !== undefined) return { value, seconds: (performance.now() - started.t0) / 1000 };
    await sleep(everyMs);
  }
}

/** The bare platform: seconds until /healthz answers 200. */
async function baseline(): Promise<number> {
  const port = await freePort();
  const started = startWitty(['serve'], port);
  try {
    const { seconds } = await until(started, 'healthz', async () => {
      const response = await fetch(`http://127.0.0.1:${port}/healthz`);
      return response.ok ? true : undefined;
    });
    return seconds;
  } finally {
    await stop(started);
  }
}

interface StationView {
  properties: { availability: string; error: { code: number } };
}

interface DemoRun {
  live: number;
  complete: number;
  /** The slowest reads of the live station while the history filled, ms. */
  slowestMs: number;
  p99Ms: number;
  reads: number;
}

async function demoRun(): Promise<DemoRun> {
  const port = await freePort();
  const controlPort = await freePort();
  const started = startWitty(
    ['demo', '--days', String(DAYS), '--control-port', String(controlPort)],
    port,
  );
  try {
    const { value: curl } = await until(started, 'the curl line', () => {
      const match =
        /curl -H "Ocp-Apim-Subscription-Key: (\w+)" -H "Authorization: Bearer ([\w.-]+)" (\S+)/.exec(
          started.output(),
        );
      return Promise.resolve(match ?? undefined);
    });
    const [, key, token, stationUrl] = curl;
    const headers = { 'ocp-apim-subscription-key': key!, authorization: `Bearer ${token!}` };
    const get = async <T>(url: string): Promise<T> => {
      const response = await fetch(url, { headers });
      if (response.status !== 200) throw new Error(`${url}: ${response.status}`);
      return (await response.json()) as T;
    };

    const { seconds: live } = await until(started, 'a live station', async () => {
      const station = await get<StationView>(stationUrl!);
      const { availability, error } = station.properties;
      return error.code === 0 && availability === 'charging' ? true : undefined;
    });

    // Until every home is live, the live station is read 20 times a second, each answer timed.
    const latencies: number[] = [];
    let probing = true;
    const probe = (async () => {
      while (probing) {
        const before = performance.now();
        await get<StationView>(stationUrl!).catch(() => undefined);
        latencies.push(performance.now() - before);
        await sleep(50);
      }
    })();
    const base = `http://127.0.0.1:${port}/v1/installations`;
    const { seconds: complete } = await until(
      started,
      'every station live',
      async () => {
        const installations = await get<{ installationId: number }[]>(base);
        if (installations.length < 3) return undefined;
        for (const { installationId } of installations) {
          const stations = await get<StationView[]>(`${base}/${installationId}/charging-stations`);
          if (stations.length === 0 || stations.some((s) => s.properties.error.code !== 0))
            return undefined;
        }
        return true;
      },
      250,
    );
    probing = false;
    await probe;
    if (DAYS > 0) {
      // The history reaches back DAYS days: the first day's sessions are listed.
      const end = new Date();
      const startDate = new Date(end.getTime() - DAYS * 86_400_000).toISOString();
      const firstDay = { startDate, endDate: new Date(Date.parse(startDate) + 3 * 86_400_000) };
      const response = await fetch(`${stationUrl!}/logs/1/operators/list`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ ...firstDay, endDate: firstDay.endDate.toISOString() }),
      });
      const sessions = (await response.json()) as unknown[];
      if (response.status !== 200 || sessions.length === 0)
        throw new Error(`no session in the first days of the history: ${JSON.stringify(sessions)}`);
    }
    latencies.sort((a, b) => a - b);
    return {
      live,
      complete,
      slowestMs: latencies.at(-1) ?? 0,
      p99Ms: latencies[Math.floor(latencies.length * 0.99)] ?? 0,
      reads: latencies.length,
    };
  } finally {
    await stop(started);
  }
}

const median = (numbers: number[]) => {
  const sorted = [...numbers].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

const ran = buildIsCurrent() ? 'dist' : 'tsx';
const runs: DemoRun[] = [];
const baselines: number[] = [];
for (let run = 0; run < RUNS; run++) {
  baselines.push(await baseline());
  runs.push(await demoRun());
}
const live = median(runs.map((r) => r.live));
const complete = median(runs.map((r) => r.complete));
const bare = median(baselines);
const slowest = Math.max(...runs.map((r) => r.slowestMs));
const p99 = median(runs.map((r) => r.p99Ms));
const load = os.loadavg()[0]!.toFixed(2);

const round = (value: number, digits = 1) => Number(value.toFixed(digits));
console.log(`cold start of the demo (${DAYS} days of history, SQLite, ${ran}), ${RUNS} run(s)`);
console.log(`  bare platform (witty serve until /healthz)   ${bare.toFixed(1)} s`);
console.log(
  `  demo: a live station                          ${live.toFixed(1)} s  (${(live / bare).toFixed(1)}× the bare start)`,
);
console.log(`  demo: history complete, every station live    ${complete.toFixed(1)} s`);
console.log(
  `  the live station read while the history filled: p99 ${p99.toFixed(0)} ms, slowest ${slowest.toFixed(0)} ms (${runs[0]!.reads} reads)`,
);
console.log(`  load average at the end ${load} on ${os.cpus().length} cores`);

const conditions = {
  database: 'sqlite',
  days: DAYS,
  runs: RUNS,
  server: ran,
  cores: os.cpus().length,
  loadAverage: Number(load),
};
recordFigure({
  bench: 'cold-start',
  id: 'cold-start.live-station',
  label: '`witty demo` on a fresh data folder until a demo station reads live through the API',
  value: round(live),
  unit: 's',
  baseline: {
    label: '`witty serve` on a fresh data folder until /healthz answers',
    value: round(bare),
  },
  ratio: round(live / bare, 2),
  target: { of: 'value', atMost: 15, text: 'a live station within 15 s of starting' },
  conditions,
  note:
    'Live: error.code 0 and availability charging, read with the key and token the demo prints. ' +
    `The history of the other homes is still filling then; the live station's reads meanwhile: ` +
    `p99 ${p99.toFixed(0)} ms, slowest ${slowest.toFixed(0)} ms.`,
});
recordFigure({
  bench: 'cold-start',
  id: 'cold-start.history-complete',
  label: `\`witty demo\` until the ${DAYS} days of history of the three homes are stored and every station is live`,
  value: round(complete),
  unit: 's',
  baseline: {
    label: '`witty serve` on a fresh data folder until /healthz answers',
    value: round(bare),
  },
  ratio: round(complete / bare, 2),
  conditions,
});
