/**
 * The delivery side of bench/webhooks.ts alone: a backlog of stored events (N installations ×
 * M subscriptions, E events per installation) is posted by the delivery worker, in this
 * process, to the receiver of bench/webhooks-receiver.ts in another process. Prints the drain
 * rate (deliveries/s) and the worker's CPU time per delivery (this process's CPU: worker,
 * store and poster), the figure that moves least with the machine's other load.
 *
 *   npx tsx bench/webhooks-drain.ts [--installations 10] [--subscriptions 5] [--events 400]
 *   (BENCH_PROFILE=file.cpuprofile writes a CPU profile of the drain; with DATABASE_URL, a
 *   fresh schema of that PostgreSQL database instead of SQLite)
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import inspector from 'node:inspector/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildPlatform } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { freePort } from '../test/helpers/http.js';
import { benchOwner, benchWebhookHomes, raiseBacklog } from './provision.js';
import { freshPostgres } from './webhooks-database.js';

const { values } = parseArgs({
  options: {
    installations: { type: 'string', default: '10' },
    subscriptions: { type: 'string', default: '5' },
    events: { type: 'string', default: '400' },
  },
});
const INSTALLATIONS = Number(values.installations);
const SUBSCRIPTIONS = Number(values.subscriptions);
const EVENTS = Number(values.events);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const receiverPort = await freePort();
const receiver = spawn(process.execPath, ['--import', 'tsx', 'bench/webhooks-receiver.ts'], {
  env: { ...process.env, PORT: String(receiverPort) },
  stdio: ['ignore', 'pipe', 'inherit'],
});
await once(receiver.stdout, 'data');
const receiverUrl = `http://127.0.0.1:${receiverPort}`;
const distinct = async () =>
  ((await (await fetch(`${receiverUrl}/stats`)).json()) as { distinct: number }).distinct;

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'witty-bench-drain-'));
const postgres = await freshPostgres();
const env: NodeJS.ProcessEnv = {
  WITTY_DATA_DIR: dataDir,
  WITTY_LOG_LEVEL: 'warn',
  WITTY_WEBHOOK_ALLOW_PRIVATE: 'true',
  ...(postgres ? { DATABASE_URL: postgres.url } : {}),
};
const config = loadConfig(env);
const platform = await buildPlatform(config);
try {
  const caller = await benchOwner(platform);
  const sources = await benchWebhookHomes(
    platform,
    caller,
    receiverUrl,
    INSTALLATIONS,
    SUBSCRIPTIONS,
  );
  await raiseBacklog(platform, sources, EVENTS);
  const expected = INSTALLATIONS * SUBSCRIPTIONS * EVENTS;
  // BENCH_PROFILE=file.cpuprofile: a CPU profile of the drain alone.
  const profiler = process.env.BENCH_PROFILE ? new inspector.Session() : undefined;
  if (profiler) {
    profiler.connect();
    await profiler.post('Profiler.enable');
    await profiler.post('Profiler.start');
  }
  const before = await distinct();
  const cpu = process.cpuUsage();
  const started = performance.now();
  platform.deliveries.start();
  while ((await distinct()) - before < expected) await sleep(200);
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  if (profiler) {
    const { profile } = await profiler.post('Profiler.stop');
    fs.writeFileSync(process.env.BENCH_PROFILE!, JSON.stringify(profile));
  }
  const cpuMs = (used.user + used.system) / 1000;
  process.stdout.write(
    `bench/webhooks-drain: ${config.database.dialect}, ${expected} deliveries (${INSTALLATIONS} × ${SUBSCRIPTIONS} × ${EVENTS}), ` +
      `load average ${os.loadavg()[0]!.toFixed(2)}\n` +
      `drained at ${(expected / seconds).toFixed(0)} deliveries/s; worker CPU ` +
      `${((1000 * cpuMs) / expected).toFixed(0)} µs per delivery (${((100 * cpuMs) / 1000 / seconds).toFixed(0)}% of one core)\n`,
  );
} finally {
  await platform.closeNotifications();
  await platform.store.close();
  receiver.kill();
  fs.rmSync(dataDir, { recursive: true, force: true });
  await postgres?.drop();
}
