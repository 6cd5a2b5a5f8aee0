/**
 * Webhook transport throughput: signed POSTs of a 600-byte event through the webhook poster
 * (undici pool, address check, response capped) to a local receiver in another process, against
 * a bare node:http keep-alive POST loop to the same receiver (the baseline, same run, same
 * concurrency). Prints deliveries/s and per-POST latency p50/p99 for each, and the ratio.
 *
 *   npx tsx bench/webhook-poster.ts [--posts 20000] [--concurrency 16] [--rounds 3] [--unsigned]
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import os from 'node:os';
import { parseArgs } from 'node:util';
import {
  createWebhookPoster,
  newWebhookSecret,
  webhookSignature,
} from '../src/notifications/index.js';
import { freePort } from '../test/helpers/http.js';

const { values } = parseArgs({
  options: {
    posts: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '16' },
    rounds: { type: 'string', default: '3' },
    // A fixed signature header instead of an HMAC per POST: what the transport alone costs.
    unsigned: { type: 'boolean', default: false },
  },
});
const POSTS = Number(values.posts);
const CONCURRENCY = Number(values.concurrency);
const ROUNDS = Number(values.rounds);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** Runs `post` POSTS times, CONCURRENCY at a time; returns the rate and latency percentiles. */
async function run(post: (index: number) => Promise<number | null>) {
  const samples: number[] = [];
  let next = 0;
  let failures = 0;
  const begin = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < POSTS) {
        const index = next++;
        const started = performance.now();
        const status = await post(index);
        samples.push(performance.now() - started);
        if (status !== 200) failures++;
      }
    }),
  );
  const seconds = (performance.now() - begin) / 1000;
  samples.sort((a, b) => a - b);
  return {
    perSecond: POSTS / seconds,
    p50: percentile(samples, 50),
    p99: percentile(samples, 99),
    failures,
  };
}

const port = await freePort();
const receiver = spawn(process.execPath, ['--import', 'tsx', 'bench/webhook-receiver.ts'], {
  env: { ...process.env, PORT: String(port) },
  stdio: ['ignore', 'pipe', 'inherit'],
});
await once(receiver.stdout, 'data');
const url = `http://127.0.0.1:${port}/hooks`;

const event = {
  id: '3f2b8c1e-9a4d-4f6b-8e2a-7c5d1b0a9e8f',
  topic: '/installations/42',
  subject: 'installations/42/charging-stations/6c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f',
  eventType: 'XEVFR.state_EVCS_socketState',
  eventTime: '2025-06-01T12:00:00.000Z',
  data: { chargingStationId: '6c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f', socketState: 2 },
  dataVersion: '1',
  metadataVersion: '1',
};
const body = JSON.stringify([event]).padEnd(600, ' ');
const secrets = [newWebhookSecret()];

const bareAgent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
const bare = (index: number) =>
  new Promise<number | null>((resolve) => {
    const request = http.request(
      url,
      {
        method: 'POST',
        agent: bareAgent,
        headers: { 'content-type': 'application/json', 'webhook-id': String(index) },
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? null));
      },
    );
    request.on('error', () => resolve(null));
    request.end(body);
  });

const poster = createWebhookPoster({
  timeoutMs: 30_000,
  maxResponseBytes: 4_096,
  allowPrivate: true,
  connectionsPerOrigin: CONCURRENCY,
});
const viaPoster = async (index: number) => {
  const timestamp = Math.floor(Date.now() / 1000);
  const id = `${event.id}-${index}`;
  const result = await poster.post(url, body, {
    'aeg-event-type': 'Notification',
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': values.unsigned
      ? 'v1,unsigned'
      : webhookSignature(secrets, id, timestamp, body),
  });
  return result.statusCode;
};

try {
  const format = (n: number) => n.toFixed(2);
  console.log(
    `${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), Node ${process.version}; ` +
      `${POSTS} POSTs of ${body.length} bytes, ${CONCURRENCY} in flight, ${ROUNDS} rounds` +
      (values.unsigned ? ', unsigned' : ''),
  );
  console.log('round | bare/s | poster/s | ratio | bare p50/p99 ms | poster p50/p99 ms | failures');
  // Alternate the two so that the machine's other load falls on both alike.
  for (let round = 1; round <= ROUNDS; round++) {
    const baseline = await run(bare);
    const measured = await run(viaPoster);
    console.log(
      [
        round,
        Math.round(baseline.perSecond),
        Math.round(measured.perSecond),
        format(measured.perSecond / baseline.perSecond),
        `${format(baseline.p50)}/${format(baseline.p99)}`,
        `${format(measured.p50)}/${format(measured.p99)}`,
        baseline.failures + measured.failures,
      ].join(' | '),
    );
  }
} finally {
  await poster.close();
  bareAgent.destroy();
  receiver.kill();
}
