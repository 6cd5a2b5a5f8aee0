/**
 * One misbehaving station: it pipelines N CALLs (StatusNotification) on one connection without
 * waiting for answers, while /healthz is polled over HTTP. Prints the /healthz latency during the
 * flood against the same polling with no flood (the baseline, measured in the same run), and what
 * became of the flood (answered, refused, connection close code).
 *
 *   npx tsx bench/ocpp-flood.ts [--calls 5000] [--polls 200]
 */
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { freePort } from '../test/helpers/http.js';
import { freshDatabase } from '../test/helpers/test-app.js';
import { recordFigure } from './figures.js';

const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '5000' },
    polls: { type: 'string', default: '200' },
  },
});
const CALLS = Number(values.calls);
const POLLS = Number(values.polls);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function pollHealth(base: string, count: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const begin = performance.now();
    await (await fetch(`${base}/healthz`)).text();
    samples.push(performance.now() - begin);
  }
  return samples.sort((a, b) => a - b);
}

const database = await freshDatabase('sqlite');
const port = await freePort();
const app = await buildApp(
  loadConfig({ ...database.env, PORT: String(port), WITTY_LOG_LEVEL: 'silent' }),
);
await app.listen({ port, host: '127.0.0.1' });
const base = `http://127.0.0.1:${port}`;
const device = await app.platform.devices.provision({ serialNumber: 'FLOOD-1' });

try {
  const baseline = await pollHealth(base, POLLS);

  const ws = new WebSocket(`ws://127.0.0.1:${port}/ocpp/${device.uid}`, ['ocpp1.6'], {
    headers: {
      authorization: `Basic ${Buffer.from(`${device.uid}:${device.password}`).toString('base64')}`,
    },
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  let answered = 0;
  let refused = 0;
  ws.on('message', (data: Buffer) => {
    if (data.toString().startsWith('[3')) answered++;
    else refused++;
  });
  const closed = new Promise<number>((resolve) => ws.once('close', resolve));
  for (let i = 0; i < CALLS; i++) {
    ws.send(
      JSON.stringify([
        2,
        `flood-${i}`,
        'StatusNotification',
        { connectorId: 1, status: 'Available', errorCode: 'NoError' },
      ]),
    );
  }
  const during = await pollHealth(base, POLLS);
  ws.close();
  const code = await closed;

  const row = (name: string, samples: number[]) =>
    `| ${name.padEnd(22)} | ${percentile(samples, 50).toFixed(1).padStart(8)} | ${percentile(samples, 99).toFixed(1).padStart(8)} | ${Math.max(
      ...samples,
    )
      .toFixed(1)
      .padStart(8)} |`;
  process.stdout.write(
    [
      `/healthz latency (ms), ${POLLS} polls each; one station pipelining ${CALLS} CALLs`,
      '| Run                    |      p50 |      p99 |      max |',
      '| ---------------------- | -------: | -------: | -------: |',
      row('no flood (baseline)', baseline),
      row('during the flood', during),
      `p99 ratio during / baseline: ${(percentile(during, 99) / percentile(baseline, 99)).toFixed(2)}`,
      `flood: ${answered} answered, ${refused} refused, connection closed with ${code}`,
      '',
    ].join('\n'),
  );
  recordFigure({
    bench: 'ocpp-flood',
    id: 'ocpp-flood.healthz-p99',
    label: '/healthz latency p99 while one station pipelines CALLs',
    value: percentile(during, 99),
    unit: 'ms',
    baseline: { label: 'the same polls with no flood', value: percentile(baseline, 99) },
    ratio: percentile(during, 99) / percentile(baseline, 99),
    conditions: { database: 'sqlite', calls: CALLS, polls: POLLS },
    note: `flood: ${answered} answered, ${refused} refused, connection closed with ${code}`,
  });
} finally {
  await app.close();
  await database.drop();
}
