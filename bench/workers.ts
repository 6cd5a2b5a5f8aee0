/**
 * Webhook delivery with two worker nodes against one: a backlog of stored events (N
 * installations × M subscriptions, E events each) drained by one `witty serve --role worker`
 * process, then an equal backlog drained by two, on the same PostgreSQL database, to the
 * receiver of bench/webhooks-receiver.ts in another process. The backlog falls due once every
 * worker has started; the rate is counted from the first delivery to arrive to the last.
 *
 *   npx tsx bench/workers.ts [--installations 10] [--subscriptions 5] [--events 200]
 *
 * PostgreSQL: a fresh schema of DATABASE_URL's database (postgres://postgres@127.0.0.1:5432/test
 * by default).
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { buildPlatform } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { freePort } from '../test/helpers/http.js';
import { recordFigure } from './figures.js';
import { startProcess, stopProcess } from './processes.js';
import { benchOwner, benchWebhookHomes, raiseBacklog } from './provision.js';
import { freshPostgres } from './webhooks-database.js';

const { values } = parseArgs({
  options: {
    installations: { type: 'string', default: '10' },
    subscriptions: { type: 'string', default: '5' },
    events: { type: 'string', default: '200' },
  },
});
const INSTALLATIONS = Number(values.installations);
const SUBSCRIPTIONS = Number(values.subscriptions);
const EVENTS = Number(values.events);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

process.env.DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/test';
const database = (await freshPostgres())!;
const receiverPort = await freePort();
const receiver = spawn(process.execPath, ['--import', 'tsx', 'bench/webhooks-receiver.ts'], {
  env: { ...process.env, PORT: String(receiverPort) },
  stdio: ['ignore', 'pipe', 'inherit'],
});
await once(receiver.stdout, 'data');
const receiverUrl = `http://127.0.0.1:${receiverPort}`;
const distinct = async () =>
  ((await (await fetch(`${receiverUrl}/stats`)).json()) as { distinct: number }).distinct;

const env = {
  DATABASE_URL: database.url,
  WITTY_LOG_LEVEL: 'warn',
  WITTY_WEBHOOK_ALLOW_PRIVATE: 'true',
  WITTY_WEBHOOK_POLL_MS: '100',
  WITTY_SANDBOX_STATIONS: 'false',
};
const platform = await buildPlatform(loadConfig(env));
const workers: ChildProcess[] = [];
try {
  const caller = await benchOwner(platform);
  const sources = await benchWebhookHomes(
    platform,
    caller,
    receiverUrl,
    INSTALLATIONS,
    SUBSCRIPTIONS,
  );
  const expected = INSTALLATIONS * SUBSCRIPTIONS * EVENTS;

  /** Drains a fresh backlog with `count` worker processes; deliveries/s, first to last arrival. */
  async function drain(count: number): Promise<number> {
    await raiseBacklog(platform, sources, EVENTS);
    // Due once every worker has started: the drain is measured with all of them running.
    await platform.store.db
      .updateTable('webhook_deliveries')
      .set({ next_attempt_at: new Date(Date.now() + 2000 + 2000 * count).toISOString() })
      .where('state', '=', 'pending')
      .execute();
    const before = await distinct();
    let first: number | undefined;
    const drained = (async () => {
      for (;;) {
        const done = (await distinct()) - before;
        if (done > 0) first ??= performance.now();
        if (done >= expected) return;
        await sleep(20);
      }
    })();
    for (let i = 0; i < count; i++) {
      workers.push(
        await startProcess(process.env.BENCH_SERVER ?? 'node bin/witty.js serve', {
          ...env,
          PORT: String(await freePort()),
          WITTY_ROLE: 'worker',
          WITTY_NODE_ID: `bench-worker-${i}`,
        }),
      );
    }
    await drained;
    const seconds = (performance.now() - first!) / 1000;
    await Promise.all(workers.splice(0).map(stopProcess));
    return expected / seconds;
  }

  process.stdout.write(`One worker: ${expected} deliveries…\n`);
  const one = await drain(1);
  process.stdout.write(`Two workers: ${expected} deliveries…\n`);
  const two = await drain(2);
  process.stdout.write(
    [
      '',
      `bench/workers: PostgreSQL, ${expected} deliveries per run (${INSTALLATIONS} × ${SUBSCRIPTIONS} × ${EVENTS}); ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), Node ${process.version}, load average ${os.loadavg()[0]!.toFixed(2)}`,
      `two workers  ${two.toFixed(0)} deliveries/s`,
      `one worker   ${one.toFixed(0)} deliveries/s`,
      `ratio        ${(two / one).toFixed(2)}`,
      '',
    ].join('\n'),
  );
  recordFigure({
    bench: 'workers',
    id: 'workers.two-against-one',
    label: 'webhook deliveries per second, a backlog drained by two worker nodes',
    value: two,
    unit: 'deliveries/s',
    baseline: { label: 'the same backlog drained by one worker node', value: one },
    ratio: two / one,
    conditions: {
      database: 'postgresql',
      installations: INSTALLATIONS,
      subscriptions: SUBSCRIPTIONS,
      events: EVENTS,
    },
  });
} finally {
  for (const worker of workers) worker.kill('SIGKILL');
  await platform.closeNotifications();
  await platform.store.close();
  receiver.kill();
  await database.drop();
}
