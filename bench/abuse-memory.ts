/**
 * Memory under abuse: `witty serve` on a fresh data directory, its RSS measured after a warm-up,
 * then rounds of abuse from this process — stations sending frames just under and just over
 * WITTY_OCPP_MAX_FRAME_BYTES from many connections, one station flooding CALLs, HTTP requests
 * with bodies and headers near WITTY_HTTP_BODY_LIMIT_BYTES and WITTY_HTTP_MAX_HEADER_BYTES (and
 * past them), WebSocket connections opened and dropped — then ~10 s of idle and the RSS again.
 * Prints start, peak and end RSS (with the V8 heap and external memory from /metrics) and the
 * ratio end / start.
 *
 *   npx tsx bench/abuse-memory.ts [--stations 100] [--rounds 3] [--idle 10]
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { buildPlatform } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { issueOperatorAccessToken } from '../src/identity/index.js';
import { freePort } from '../test/helpers/http.js';
import { recordFigure } from './figures.js';
import { rssBytes, startProcess } from './processes.js';
import { benchOwner, benchDevice, type BenchStation } from './provision.js';

const { values } = parseArgs({
  options: {
    stations: { type: 'string', default: '100' },
    rounds: { type: 'string', default: '3' },
    idle: { type: 'string', default: '10' },
    /** Connections opened and dropped per round. */
    churn: { type: 'string', default: '2000' },
    /** HTTP requests per round. */
    requests: { type: 'string', default: '2000' },
  },
});
const STATIONS = Number(values.stations);
const ROUNDS = Number(values.rounds);
const IDLE_SECONDS = Number(values.idle);
const CHURN = Number(values.churn);
const REQUESTS = Number(values.requests);
const FRAMES_PER_STATION = 20;
const FLOOD_CALLS = 5000;

const MB = 2 ** 20;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'witty-bench-abuse-'));
const port = await freePort();
const env = {
  WITTY_DATA_DIR: dataDir,
  PORT: String(port),
  WITTY_LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
  WITTY_RATE_LIMIT_MAX: '1000000',
};
const config = loadConfig(env);
const frameLimit = config.ocppMaxFrameBytes;
const bodyLimit = config.http.bodyLimitBytes;
const headerLimit = config.http.maxHeaderBytes;

process.stdout.write(`Provisioning ${STATIONS} stations in ${dataDir}…\n`);
const platform = await buildPlatform(config);
const stations: BenchStation[] = [];
for (let i = 0; i < STATIONS; i++) {
  const device = await benchDevice(platform, 'ABUSE', i);
  stations.push(device);
}
// The HTTP requests are authenticated, so that their bodies are read, parsed and validated.
const caller = await benchOwner(platform);
const { primaryKey } = await platform.identity.issueStarterPackKeys('bench-partner@example.com');
const { access_token } = await issueOperatorAccessToken(
  platform.provider,
  { config, ...platform },
  caller.account.accountId,
);
await platform.store.close();

const server = await startProcess(process.env.BENCH_SERVER ?? 'node bin/witty.js serve', env);
const pid = server.pid!;
const base = `http://127.0.0.1:${port}`;

/** The V8 heap in use and the memory outside it (Buffers included), from /metrics. */
async function heap(): Promise<{ heapMB: number; externalMB: number }> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const metric = (name: string) =>
    Number(new RegExp(`^witty_${name} (\\S+)$`, 'm').exec(text)?.[1]);
  return {
    heapMB: metric('nodejs_heap_size_used_bytes') / MB,
    externalMB: metric('nodejs_external_memory_bytes') / MB,
  };
}

let peak = 0;
const sampler = setInterval(() => (peak = Math.max(peak, rssBytes(pid))), 100);

/** A WebSocket of the station, open. */
function connect(station: { uid: string; password: string }): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ocpp/${station.uid}`, ['ocpp1.6'], {
    headers: {
      authorization: `Basic ${Buffer.from(`${station.uid}:${station.password}`).toString('base64')}`,
    },
    perMessageDeflate: false,
  });
  ws.on('error', () => undefined);
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', () => reject(new Error('handshake refused')));
    ws.once('error', reject);
  });
}

/** A DataTransfer CALL of `bytes` bytes, which the station sends and the platform answers. */
function frameOf(id: string, bytes: number): string {
  const empty = JSON.stringify([2, id, 'DataTransfer', { vendorId: 'Abuse', data: '' }]);
  return JSON.stringify([
    2,
    id,
    'DataTransfer',
    { vendorId: 'Abuse', data: 'x'.repeat(Math.max(0, bytes - empty.length)) },
  ]);
}

/** Each station sends frames just under the limit, one at a time, then one over it. */
async function largeFrames(count: number) {
  let answered = 0;
  let closedTooBig = 0;
  await Promise.all(
    stations.slice(0, count).map(async (station, index) => {
      const ws = await connect(station);
      for (let i = 0; i < FRAMES_PER_STATION; i++) {
        const answer = new Promise((resolve) => ws.once('message', resolve));
        ws.send(frameOf(`big-${index}-${i}`, frameLimit - 16));
        await answer;
        answered++;
      }
      const closed = new Promise<number>((resolve) => ws.once('close', resolve));
      ws.send(frameOf(`over-${index}`, frameLimit + 1024));
      if ((await closed) === 1009) closedTooBig++;
    }),
  );
  return { answered, closedTooBig };
}

/** One station pipelines CALLs without waiting for answers (as bench/ocpp-flood.ts). */
async function callFlood(calls: number) {
  const ws = await connect(stations[0]!);
  let answers = 0;
  ws.on('message', () => answers++);
  const closed = new Promise<number>((resolve) => ws.once('close', resolve));
  for (let i = 0; i < calls; i++) {
    ws.send(
      JSON.stringify([
        2,
        `flood-${i}`,
        'StatusNotification',
        { connectorId: 1, status: 'Available', errorCode: 'NoError' },
      ]),
    );
  }
  await Promise.race([closed, sleep(5000)]);
  ws.terminate();
  return { answers };
}

/** HTTP requests with bodies and headers near their limits, some past them, 50 at a time. */
async function largeRequests(count: number) {
  const statuses = new Map<number, number>();
  let next = 0;
  const body = (bytes: number) => JSON.stringify({ name: 'x'.repeat(bytes - 12) });
  await Promise.all(
    Array.from({ length: 50 }, async () => {
      while (next < count) {
        const i = next++;
        const kind = i % 4;
        const headers: Record<string, string> = {
          'content-type': 'application/json',
          'ocp-apim-subscription-key': primaryKey,
          authorization: `Bearer ${access_token}`,
        };
        // Headers near the limit (the request line and the other headers take the rest), and one
        // request in four past it.
        if (kind === 1) headers['x-padding'] = 'h'.repeat(headerLimit - 4096);
        if (kind === 3) headers['x-padding'] = 'h'.repeat(headerLimit + 1024);
        const size = kind === 2 ? bodyLimit + 4096 : bodyLimit - 256;
        try {
          const response = await fetch(`${base}/v1/installations`, {
            method: 'POST',
            headers,
            body: body(size),
          });
          await response.arrayBuffer();
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        } catch {
          statuses.set(0, (statuses.get(0) ?? 0) + 1);
        }
      }
    }),
  );
  return Object.fromEntries(statuses);
}

/** WebSocket connections opened and dropped at once, and TCP sockets left mid-handshake. */
async function churn(count: number) {
  let next = 0;
  await Promise.all(
    Array.from({ length: 100 }, async () => {
      while (next < count) {
        const i = next++;
        if (i % 2 === 0) {
          try {
            (await connect(stations[i % stations.length]!)).terminate();
          } catch {
            // Refused while the same station's last socket was still being replaced: abuse too.
          }
        } else {
          await new Promise<void>((resolve) => {
            const socket = net.connect(port, '127.0.0.1', () => {
              socket.write(
                `GET /ocpp/${stations[i % stations.length]!.uid} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n`,
              );
              setTimeout(() => socket.destroy(), 5);
            });
            socket.on('error', () => undefined);
            socket.on('close', () => resolve());
          });
        }
      }
    }),
  );
}

async function round(scale: number) {
  const frames = await largeFrames(Math.max(1, Math.round(STATIONS * scale)));
  const flood = await callFlood(Math.round(FLOOD_CALLS * scale));
  const http = await largeRequests(Math.round(REQUESTS * scale));
  await churn(Math.round(CHURN * scale));
  return { frames, flood, http };
}

try {
  // Warm-up: every kind of abuse once at a tenth of its size, so that the code it runs is loaded
  // and compiled before the start is measured.
  await round(0.1);
  await sleep(3000);
  const start = { rss: rssBytes(pid), ...(await heap()) };
  peak = start.rss;
  process.stdout.write(
    `start: RSS ${(start.rss / MB).toFixed(0)} MB, heap ${start.heapMB.toFixed(0)} MB, external ${start.externalMB.toFixed(0)} MB\n`,
  );
  for (let r = 1; r <= ROUNDS; r++) {
    const result = await round(1);
    process.stdout.write(
      `round ${r}: frames ${JSON.stringify(result.frames)}, flood ${JSON.stringify(result.flood)}, http ${JSON.stringify(result.http)}; RSS ${(rssBytes(pid) / MB).toFixed(0)} MB\n`,
    );
  }
  const afterAbuse = { rss: rssBytes(pid), ...(await heap()) };
  await sleep(IDLE_SECONDS * 1000);
  const end = { rss: rssBytes(pid), ...(await heap()) };
  clearInterval(sampler);
  const ratio = end.rss / start.rss;
  const row = (name: string, m: { rss: number; heapMB: number; externalMB: number }) =>
    `| ${name.padEnd(20)} | ${(m.rss / MB).toFixed(0).padStart(8)} | ${m.heapMB.toFixed(0).padStart(8)} | ${m.externalMB.toFixed(0).padStart(8)} |`;
  process.stdout.write(
    [
      '',
      `bench/abuse-memory: ${STATIONS} stations, ${ROUNDS} rounds, idle ${IDLE_SECONDS} s, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? ''})`,
      '| Moment               | RSS (MB) | heap (MB)| ext (MB) |',
      '| -------------------- | -------: | -------: | -------: |',
      row('after warm-up', start),
      `| ${'peak'.padEnd(20)} | ${(peak / MB).toFixed(0).padStart(8)} |          |          |`,
      row('right after abuse', afterAbuse),
      row(`after ${IDLE_SECONDS} s idle`, end),
      `RSS end / start: ${ratio.toFixed(2)}`,
      '',
    ].join('\n'),
  );
  recordFigure({
    bench: 'abuse-memory',
    id: 'abuse-memory.rss-after',
    label: `server RSS ${IDLE_SECONDS} s after abuse (large frames, CALL flood, large HTTP requests, connection churn)`,
    value: end.rss / MB,
    unit: 'MB',
    baseline: { label: 'RSS at start, after warm-up', value: start.rss / MB },
    ratio,
    target: { of: 'ratio', atMost: 1.2, text: 'RSS back within 20 % of its start after abuse' },
    conditions: {
      database: 'sqlite',
      stations: STATIONS,
      rounds: ROUNDS,
      idleSeconds: IDLE_SECONDS,
    },
    note: `peak ${(peak / MB).toFixed(0)} MB; V8 heap ${start.heapMB.toFixed(0)} → ${end.heapMB.toFixed(0)} MB, external ${start.externalMB.toFixed(0)} → ${end.externalMB.toFixed(0)} MB`,
  });
} finally {
  clearInterval(sampler);
  server.kill('SIGTERM');
  fs.rmSync(dataDir, { recursive: true, force: true });
}
process.exit(0);
