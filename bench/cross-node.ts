/**
 * Command round trip across nodes: N stations (default 10,000) connected to a gateway node
 * (`--role gateway`), set-charge-mode commands sent through another node's API (`--role api`):
 * API node → NATS → gateway node → station and back, the command polled through the API node
 * until the station's answer is recorded. Baseline, same run: the same stations and commands on
 * one node (`--role all`, no NATS), on the same database.
 *
 *   npx tsx bench/cross-node.ts [--stations 10000] [--commands 200] [--speed 1] [--seconds 30]
 *
 * PostgreSQL (a fresh schema of DATABASE_URL's database; postgres://postgres@127.0.0.1:5432/test
 * by default) and NATS (WITTY_NATS_URL; nats://127.0.0.1:4222 by default). The stations send
 * heartbeats and meter values every 10 simulated minutes at --speed.
 */
import type { ChildProcess } from 'node:child_process';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { buildPlatform } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { freePort } from '../test/helpers/http.js';
import { recordFigure } from './figures.js';
import { runLoadGenerator, startProcess, stopProcess } from './processes.js';
import {
  associateStation,
  benchDevice,
  benchInstallation,
  benchOwner,
  type BenchStation,
  benchCredentials,
} from './provision.js';
import { freshPostgres } from './webhooks-database.js';

const { values } = parseArgs({
  options: {
    stations: { type: 'string', default: '10000' },
    commands: { type: 'string', default: '200' },
    speed: { type: 'string', default: '1' },
    seconds: { type: 'string', default: '30' },
  },
});
const N = Number(values.stations);
const COMMANDS = Number(values.commands);
const SPEED = Number(values.speed);
const SECONDS = Number(values.seconds);
const NATS_URL = process.env.WITTY_NATS_URL ?? 'nats://127.0.0.1:4222';
/** Every node answers to the same public URL: a token one issued is good on the others. */
const PUBLIC_URL = 'http://witty.bench';
const P99_LIMIT_MS = 50;

process.env.DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/test';
const database = (await freshPostgres())!;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

interface Measure {
  connected: number;
  p50: number;
  p99: number;
  failed: number;
}

try {
  const config = loadConfig({ DATABASE_URL: database.url, PUBLIC_URL, WITTY_LOG_LEVEL: 'warn' });
  process.stdout.write(`Provisioning ${N} stations…\n`);
  const platform = await buildPlatform(config);
  const stations: BenchStation[] = [];
  for (let i = 0; i < N; i++) stations.push(await benchDevice(platform, 'NODES', i));
  const caller = await benchOwner(platform);
  const targets: string[] = [];
  for (let i = 0; i < Math.min(10, N); i++) {
    const installationId = await benchInstallation(platform, caller, `Nodes ${i}`);
    const stationId = await associateStation(
      platform,
      stations[i]!.uid,
      installationId,
      `XEVFR-NODES-${i}`,
    );
    targets.push(`/v1/installations/${installationId}/charging-stations/${stationId}`);
  }
  const credentials = await benchCredentials(platform, config, caller, 'nodes-partner@example.com');
  await platform.store.close();
  const headers = { ...credentials, 'content-type': 'application/json' };

  /** Starts `witty serve` with a role; its port. */
  const running: ChildProcess[] = [];
  async function node(role: string, nats: boolean): Promise<number> {
    const port = await freePort();
    running.push(
      await startProcess(process.env.BENCH_SERVER ?? 'node bin/witty.js serve', {
        DATABASE_URL: database.url,
        PUBLIC_URL,
        PORT: String(port),
        WITTY_ROLE: role,
        WITTY_NODE_ID: `bench-${role}`,
        WITTY_LOG_LEVEL: 'warn',
        WITTY_RATE_LIMIT_MAX: '1000000',
        WITTY_SANDBOX_STATIONS: 'false',
        ...(nats ? { WITTY_NATS_URL: NATS_URL } : {}),
      }),
    );
    return port;
  }
  async function stopNodes(): Promise<void> {
    await Promise.all(running.splice(0).map(stopProcess));
  }

  /** One set-charge-mode through the API at `api`, polled until answered; its ms. */
  async function roundTrip(api: number, i: number): Promise<number> {
    const base = `http://127.0.0.1:${api}`;
    const begin = performance.now();
    const response = await fetch(
      `${base}${targets[i % targets.length]!}/operators/set-charge-mode`,
      {
        method: 'POST',
        headers,
        body: JSON.stringify({ chargeMode: i % 2 ? 'immediate' : 'deferred' }),
      },
    );
    if (response.status !== 202)
      throw new Error(`set-charge-mode answered ${response.status}: ${await response.text()}`);
    const location = response.headers.get('location')!;
    for (;;) {
      const command = (await (await fetch(`${base}${location}`, { headers })).json()) as {
        status: string;
      };
      if (command.status === 'accepted') break;
      if (command.status !== 'pending') throw new Error(`command ended ${command.status}`);
    }
    return performance.now() - begin;
  }

  /** The stations on `gateway`'s port, the commands through `api`'s. */
  async function measure(gateway: number, api: number): Promise<Measure> {
    const latencies: number[] = [];
    let connected = 0;
    let failed = 0;
    let commands: Promise<void> = Promise.resolve();
    await runLoadGenerator(
      {
        url: `ws://127.0.0.1:${gateway}`,
        stations,
        speed: SPEED,
        seconds: SECONDS,
        connectConcurrency: 200,
      },
      (line) => {
        if (line.event === 'connected') {
          connected = Number(line.stations);
          commands = (async () => {
            for (let i = 0; i < COMMANDS; i++) latencies.push(await roundTrip(api, i));
          })();
        } else if (line.event === 'done') failed = Number(line.failed);
      },
    );
    await commands;
    latencies.sort((a, b) => a - b);
    return { connected, p50: percentile(latencies, 50), p99: percentile(latencies, 99), failed };
  }

  process.stdout.write(`One node (role all): ${N} stations, ${COMMANDS} commands…\n`);
  const single = await node('all', false);
  let one: Measure;
  try {
    one = await measure(single, single);
  } finally {
    await stopNodes();
  }
  process.stdout.write(
    `Two nodes (gateway + api over NATS): ${N} stations, ${COMMANDS} commands…\n`,
  );
  const gateway = await node('gateway', true);
  const api = await node('api', true);
  let two: Measure;
  try {
    two = await measure(gateway, api);
  } finally {
    await stopNodes();
  }

  const load = os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  process.stdout.write(
    [
      '',
      `bench/cross-node: PostgreSQL + NATS, ${N} stations at ${SPEED}×, ${COMMANDS} sequential commands; ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), Node ${process.version}, load average ${load}`,
      `${''.padEnd(34)}${'two nodes'.padStart(12)}${'one node'.padStart(12)}${'ratio'.padStart(8)}`,
      `${'stations held'.padEnd(34)}${String(two.connected).padStart(12)}${String(one.connected).padStart(12)}`,
      `${'command round trip p50 (ms)'.padEnd(34)}${two.p50.toFixed(1).padStart(12)}${one.p50.toFixed(1).padStart(12)}${(two.p50 / one.p50).toFixed(2).padStart(8)}`,
      `${'command round trip p99 (ms)'.padEnd(34)}${two.p99.toFixed(1).padStart(12)}${one.p99.toFixed(1).padStart(12)}${(two.p99 / one.p99).toFixed(2).padStart(8)}`,
      `${'failed station calls'.padEnd(34)}${String(two.failed).padStart(12)}${String(one.failed).padStart(12)}`,
      '',
    ].join('\n'),
  );
  const conditions = {
    database: 'postgresql',
    stations: N,
    speed: SPEED,
    commands: COMMANDS,
    seconds: SECONDS,
  };
  for (const [p, id, target] of [
    [50, 'command-p50', undefined],
    [
      99,
      'command-p99',
      {
        of: 'value' as const,
        atMost: P99_LIMIT_MS,
        text: `p99 ≤ ${P99_LIMIT_MS} ms through NATS at ${N} stations`,
      },
    ],
  ] as const) {
    const value = p === 50 ? two.p50 : two.p99;
    const baseline = p === 50 ? one.p50 : one.p99;
    recordFigure({
      bench: 'cross-node',
      id: `cross-node.${id}`,
      label: `command round trip p${p}, API node → NATS → gateway node (set-charge-mode, until answered)`,
      value,
      unit: 'ms',
      baseline: { label: 'the same commands on one node (role all, no NATS)', value: baseline },
      ratio: value / baseline,
      ...(target ? { target } : {}),
      conditions: { ...conditions, held: `${two.connected}/${one.connected}` },
    });
  }
  if (two.connected !== N || one.connected !== N)
    throw new Error(
      `stations held: ${two.connected} on two nodes, ${one.connected} on one, of ${N}`,
    );
} finally {
  await database.drop();
}
