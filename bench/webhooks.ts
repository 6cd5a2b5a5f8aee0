/**
 * Webhook delivery throughput, end to end: one `witty serve` process (a fresh SQLite database, or
 * a fresh schema of the PostgreSQL database in DATABASE_URL) with N installations × M
 * subscriptions to a local receiver in another process; N stations connected over OCPP 1.6J
 * from this process toggle their socket between Available and Preparing at an offered rate, so
 * that each StatusNotification raises one socketState event, delivered M times. The receiver
 * counts deliveries by webhook-id and subscription and measures each one's latency from the
 * event's eventTime (the station's timestamp, set when it sends the message) to its arrival.
 * Baseline, same run, same receiver: a bare node:http keep-alive POST loop with as many POSTs
 * in flight as the platform may have to that receiver (WITTY_WEBHOOK_ENDPOINT_CONCURRENCY).
 *
 *   npx tsx bench/webhooks.ts [--installations 10] [--subscriptions 5] [--rate 500]
 *                             [--seconds 20] [--warmup 5]
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import ocppRpc from 'ocpp-rpc';
import { buildPlatform } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { openStore } from '../src/db/database.js';
import { MAX_SUBSCRIPTIONS_PER_INSTALLATION } from '../src/notifications/service.js';
import { freePort } from '../test/helpers/http.js';
import { recordFigure } from './figures.js';
import { cpuSeconds, startProcess as start } from './processes.js';
import {
  associateStation,
  benchInstallation,
  benchOwner,
  benchDevice,
  type BenchStation,
} from './provision.js';
import { freshPostgres } from './webhooks-database.js';

const { RPCClient } = ocppRpc;

const { values } = parseArgs({
  options: {
    installations: { type: 'string', default: '10' },
    subscriptions: { type: 'string', default: '5' },
    /** Events offered per second, all stations together. */
    rate: { type: 'string', default: '500' },
    seconds: { type: 'string', default: '20' },
    /** Seconds of load before the measured window. */
    warmup: { type: 'string', default: '5' },
    /**
     * WITTY_WEBHOOK_ENDPOINT_CONCURRENCY: POSTs in flight per subscription, and the poster's
     * connections per origin (every subscription here has the receiver's origin); the bare loop
     * has as many in flight.
     */
    'endpoint-concurrency': { type: 'string', default: '16' },
  },
});
const INSTALLATIONS = Number(values.installations);
const SUBSCRIPTIONS = Number(values.subscriptions);
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
const WARMUP = Number(values.warmup);
const ENDPOINT_CONCURRENCY = Number(values['endpoint-concurrency']);
if (
  !Number.isInteger(SUBSCRIPTIONS) ||
  SUBSCRIPTIONS < 1 ||
  SUBSCRIPTIONS > MAX_SUBSCRIPTIONS_PER_INSTALLATION
) {
  process.stderr.write(
    `--subscriptions must be from 1 to ${MAX_SUBSCRIPTIONS_PER_INSTALLATION}, the platform's limit per installation\n`,
  );
  process.exit(2);
}
/** How long the deliveries left when the load stops may take to arrive. */
const DRAIN_TIMEOUT_MS = 120_000;

interface ReceiverStats {
  count: number;
  p50: number;
  p99: number;
  max: number;
  distinct: number;
  repeats: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The stations: OCPP 1.6J clients, each toggling its socket at its share of the rate. */
class Stations {
  private readonly clients: InstanceType<typeof RPCClient>[] = [];
  private timers: NodeJS.Timeout[] = [];
  /** Ticks of the schedule, messages acknowledged, failed, and ticks skipped (one in flight). */
  offered = 0;
  acknowledged = 0;
  failed = 0;
  skipped = 0;

  async connect(url: string, stations: { uid: string; password: string }[]): Promise<void> {
    for (const station of stations) {
      const client = new RPCClient({
        endpoint: `${url}/ocpp`,
        identity: station.uid,
        password: station.password,
        protocols: ['ocpp1.6'],
        strictMode: true,
        reconnect: false,
        pingIntervalMs: 600_000,
      } as ConstructorParameters<typeof RPCClient>[0]);
      client.handle('GetConfiguration', async () => ({
        configurationKey: [{ key: 'WittyChargeMode', readonly: false, value: 'immediate' }],
        unknownKey: [],
      }));
      client.handle('ChangeConfiguration', async () => ({ status: 'Accepted' }));
      await client.connect();
      await client.call('BootNotification', {
        chargePointVendor: 'Hager',
        chargePointModel: 'XEV1R22',
      });
      await client.call('StatusNotification', {
        connectorId: 1,
        status: 'Available',
        errorCode: 'NoError',
      });
      this.clients.push(client);
    }
  }

  /** Sends `rate` StatusNotifications per second in all, spread evenly over the stations. */
  produce(rate: number): void {
    const periodMs = (1000 * this.clients.length) / rate;
    this.clients.forEach((client, index) => {
      let plugged = false;
      let busy = false;
      const tick = () => {
        this.offered++;
        // One CALL at a time per station (OCPP-J): a tick while one is unanswered is skipped.
        if (busy) {
          this.skipped++;
          return;
        }
        busy = true;
        plugged = !plugged;
        client
          .call('StatusNotification', {
            connectorId: 1,
            status: plugged ? 'Preparing' : 'Available',
            errorCode: 'NoError',
            timestamp: new Date().toISOString(),
          })
          .then(
            () => this.acknowledged++,
            () => this.failed++,
          )
          .finally(() => {
            busy = false;
          });
      };
      const first = setTimeout(
        () => {
          tick();
          this.timers.push(setInterval(tick, periodMs));
        },
        (index / this.clients.length) * periodMs,
      );
      this.timers.push(first);
    });
  }

  /** Stops the schedule and waits for the CALLs in flight. */
  async stop(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers = [];
    while (this.offered - this.skipped > this.acknowledged + this.failed) await sleep(10);
  }

  /** The counters now. */
  snapshot() {
    const { offered, acknowledged, failed, skipped } = this;
    return { offered, acknowledged, failed, skipped };
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.clients.map((client) => client.close({ force: true })));
  }
}

/** The baseline: bare keep-alive POSTs, `concurrency` in flight, for `seconds`. */
async function barePostLoop(url: string, concurrency: number, seconds: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const deadline = Date.now() + seconds * 1000;
  let posts = 0;
  let failures = 0;
  const post = () =>
    new Promise<void>((resolve) => {
      const id = randomUUID();
      const body = JSON.stringify([
        {
          id,
          topic: '/installations/1',
          subject: `installations/1/charging-stations/${id}`,
          eventType: 'XEVFR.state_EVCS_socketState',
          eventTime: new Date().toISOString(),
          data: { installationId: 1, chargingStationId: id, socketState: 1 },
          dataVersion: '1',
          metadataVersion: '1',
        },
      ]);
      const request = http.request(
        url,
        {
          method: 'POST',
          agent,
          headers: {
            'content-type': 'application/json',
            'aeg-event-type': 'Notification',
            'aeg-subscription-name': 'BARE',
            'webhook-id': id,
          },
        },
        (response) => {
          response.resume();
          response.on('end', () => {
            if (response.statusCode !== 200) failures++;
            resolve();
          });
        },
      );
      request.on('error', () => {
        failures++;
        resolve();
      });
      request.end(body);
    });
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < deadline) {
        await post();
        posts++;
      }
    }),
  );
  agent.destroy();
  return { posts, failures };
}

async function main() {
  const receiverPort = await freePort();
  const receiver = await start(
    'node --import tsx bench/webhooks-receiver.ts',
    { PORT: String(receiverPort) },
    /ready/,
  );
  const receiverUrl = `http://127.0.0.1:${receiverPort}`;
  const receiverStats = async (from = 0, to = Date.now()) =>
    (await (await fetch(`${receiverUrl}/stats?from=${from}&to=${to}`)).json()) as ReceiverStats;

  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'witty-bench-webhooks-'));
  const postgres = await freshPostgres();
  const port = await freePort();
  const env: Record<string, string> = {
    WITTY_DATA_DIR: dataDir,
    PORT: String(port),
    WITTY_LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
    WITTY_RATE_LIMIT_MAX: '1000000',
    WITTY_WEBHOOK_ALLOW_PRIVATE: 'true',
    WITTY_WEBHOOK_ENDPOINT_CONCURRENCY: String(ENDPOINT_CONCURRENCY),
    ...(postgres ? { DATABASE_URL: postgres.url } : {}),
  };
  const serverEnv: NodeJS.ProcessEnv = { ...env };
  if (!postgres) delete serverEnv.DATABASE_URL;
  const config = loadConfig(serverEnv);
  const dialect = config.database.dialect;

  process.stdout.write(
    `Provisioning ${INSTALLATIONS} installations × ${SUBSCRIPTIONS} subscriptions (${dialect})…\n`,
  );
  const platform = await buildPlatform(config);
  const caller = await benchOwner(platform);
  const stations: BenchStation[] = [];
  for (let i = 0; i < INSTALLATIONS; i++) {
    const device = await benchDevice(platform, 'WEBHOOKBENCH', i);
    stations.push(device);
    const installationId = await benchInstallation(platform, caller, `Bench ${i}`);
    await associateStation(platform, device.uid, installationId, `XEVFR-WEBHOOKBENCH-${i}`);
    for (let j = 0; j < SUBSCRIPTIONS; j++) {
      const created = await platform.eventSubscriptions.create(caller, installationId, {
        protocolCode: 'Webhook',
        protocolData: `${receiverUrl}/hooks/${i}/${j}`,
      });
      if (created.state !== 'Created') throw new Error(`subscription ${created.state}`);
    }
  }
  await platform.closeNotifications();
  await platform.store.close();

  process.stdout.write(
    `Platform: ${RATE} events/s offered for ${WARMUP} s of warm-up and ${SECONDS} s measured…\n`,
  );
  const server = await start(
    process.env.BENCH_SERVER ?? 'node bin/witty.js serve',
    serverEnv,
    /platform ready/,
  );
  const load = new Stations();
  await load.connect(`ws://127.0.0.1:${port}`, stations);
  load.produce(RATE);
  await sleep(WARMUP * 1000);
  const from = Date.now();
  const before = { ...load.snapshot(), cpu: cpuSeconds(server.pid!) };
  await sleep(SECONDS * 1000);
  const to = Date.now();
  const after = { ...load.snapshot(), cpu: cpuSeconds(server.pid!) };
  const measured = await receiverStats(from, to);
  await load.stop();
  const stopped = Date.now();

  // Every stored delivery must reach the receiver: wait for the rest, then compare.
  const store = openStore(config.database);
  const stored = Number(
    (
      await store.db
        .selectFrom('webhook_deliveries')
        .select((eb) => eb.fn.countAll<number | string>().as('count'))
        .executeTakeFirstOrThrow()
    ).count,
  );
  const events = Number(
    (
      await store.db
        .selectFrom('events')
        .select((eb) => eb.fn.countAll<number | string>().as('count'))
        .executeTakeFirstOrThrow()
    ).count,
  );
  await store.close();
  let final = await receiverStats();
  while (final.distinct < stored && Date.now() - stopped < DRAIN_TIMEOUT_MS) {
    await sleep(100);
    final = await receiverStats();
  }
  const drainSeconds = (Date.now() - stopped) / 1000;
  await load.close();
  server.kill('SIGTERM');
  await new Promise((resolve) => server.once('exit', resolve));

  process.stdout.write(`Baseline: bare POST loop, ${ENDPOINT_CONCURRENCY} in flight…\n`);
  const bareFrom = Date.now();
  const bare = await barePostLoop(`${receiverUrl}/hooks/bare`, ENDPOINT_CONCURRENCY, SECONDS);
  const bareTo = Date.now();
  const baseline = await receiverStats(bareFrom, bareTo);
  receiver.kill('SIGTERM');
  fs.rmSync(dataDir, { recursive: true, force: true });
  await postgres?.drop();

  const window = (to - from) / 1000;
  const perSecond = (n: number, seconds = window) => n / seconds;
  const platformRate = perSecond(measured.count);
  const bareRate = perSecond(baseline.count, (bareTo - bareFrom) / 1000);
  const rows: [string, string, string][] = [
    ['offered events/s', perSecond(after.offered - before.offered).toFixed(0), ''],
    ['events stored/s', perSecond(after.acknowledged - before.acknowledged).toFixed(0), ''],
    ['deliveries/s', platformRate.toFixed(0), bareRate.toFixed(0)],
    ['event→POST latency p50 (ms)', measured.p50.toFixed(1), baseline.p50.toFixed(1)],
    ['event→POST latency p99 (ms)', measured.p99.toFixed(1), baseline.p99.toFixed(1)],
    ['event→POST latency max (ms)', measured.max.toFixed(1), baseline.max.toFixed(1)],
    ['server CPU (% of one core)', ((100 * (after.cpu - before.cpu)) / window).toFixed(0), ''],
  ];
  const cpu = os.cpus();
  process.stdout.write(
    `\nbench/webhooks: ${dialect}, ${INSTALLATIONS} installations × ${SUBSCRIPTIONS} subscriptions, ` +
      `${RATE} events/s offered, ${SECONDS} s measured after ${WARMUP} s; ${cpu.length} cores ` +
      `(${cpu[0]?.model ?? '?'}), Node ${process.version}, load average ${os
        .loadavg()
        .map((n) => n.toFixed(2))
        .join(' ')}\n`,
  );
  process.stdout.write(`${''.padEnd(30)}${'platform'.padStart(12)}${'bare POST'.padStart(12)}\n`);
  for (const [name, platformFigure, bareFigure] of rows)
    process.stdout.write(
      `${name.padEnd(30)}${platformFigure.padStart(12)}${bareFigure.padStart(12)}\n`,
    );
  process.stdout.write(
    `ratio (platform deliveries/s ÷ bare POST/s): ${(platformRate / bareRate).toFixed(2)}\n` +
      `skipped ticks (a CALL still unanswered): ${after.skipped - before.skipped}, ` +
      `failed CALLs: ${after.failed}, bare failures: ${bare.failures}\n` +
      `stored: ${events} events, ${stored} deliveries; received ${final.distinct} distinct ` +
      `(${final.repeats} repeated), the last ${drainSeconds.toFixed(1)} s after the load stopped` +
      `${final.distinct < stored ? ' — SOME NEVER ARRIVED' : ''}\n`,
  );

  const conditions = {
    database: dialect === 'postgres' ? 'postgresql' : 'sqlite',
    installations: INSTALLATIONS,
    subscriptions: SUBSCRIPTIONS,
    offeredEventsPerSecond: RATE,
    seconds: SECONDS,
    endpointConcurrency: ENDPOINT_CONCURRENCY,
  };
  const suffix = dialect === 'postgres' ? '.postgresql' : '';
  const bareLabel = `bare keep-alive POST loop, ${ENDPOINT_CONCURRENCY} in flight`;
  recordFigure({
    bench: 'webhooks',
    id: `webhooks.deliveries${suffix}`,
    label: 'webhook deliveries per second, end to end',
    value: platformRate,
    unit: 'deliveries/s',
    baseline: { label: bareLabel, value: bareRate },
    ratio: platformRate / bareRate,
    target: { of: 'value', atLeast: 2000, text: '≥ 2,000 deliveries/s on one 2-core node' },
    conditions,
    note: `${perSecond(after.acknowledged - before.acknowledged).toFixed(0)} events stored/s of ${perSecond(after.offered - before.offered).toFixed(0)} offered, each delivered ${SUBSCRIPTIONS} times`,
  });
  recordFigure({
    bench: 'webhooks',
    id: `webhooks.latency-p99${suffix}`,
    label: 'event→POST latency p99 (station timestamp to arrival)',
    value: measured.p99,
    unit: 'ms',
    baseline: { label: bareLabel, value: baseline.p99 },
    ratio: measured.p99 / baseline.p99,
    target: { of: 'value', atMost: 200, text: '≤ 200 ms' },
    conditions,
  });
  process.exit(final.distinct < stored ? 1 : 0);
}

void main();
