/**
 * The API on two nodes against one: authenticated `GET …/charging-stations/{id}` (key and token)
 * from autocannon with 32 connections to one `witty serve --role api` process, then 16
 * connections to each of two, on the same PostgreSQL database, in the same run; the sum of the
 * two against the one.
 *
 *   npx tsx bench/api-nodes.ts [--connections 32] [--seconds 10]
 *
 * PostgreSQL: a fresh schema of DATABASE_URL's database (postgres://postgres@127.0.0.1:5432/test
 * by default). Every process shares the machine: on a small one the figure says what a second
 * node costs as much as what it adds.
 */
import type { ChildProcess } from 'node:child_process';
import os from 'node:os';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { buildPlatform } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { freePort } from '../test/helpers/http.js';
import { recordFigure } from './figures.js';
import { startProcess, stopProcess } from './processes.js';
import { associateStation, benchInstallation, benchOwner, benchCredentials } from './provision.js';
import { freshPostgres } from './webhooks-database.js';

const { values } = parseArgs({
  options: {
    connections: { type: 'string', default: '32' },
    seconds: { type: 'string', default: '10' },
  },
});
const CONNECTIONS = Number(values.connections);
const SECONDS = Number(values.seconds);
const PUBLIC_URL = 'http://witty.bench';

process.env.DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/test';
const database = (await freshPostgres())!;
const env = {
  DATABASE_URL: database.url,
  PUBLIC_URL,
  WITTY_LOG_LEVEL: 'warn',
  WITTY_RATE_LIMIT_MAX: '100000000',
  WITTY_SANDBOX_STATIONS: 'false',
};
const nodes: ChildProcess[] = [];
try {
  const config = loadConfig(env);
  const platform = await buildPlatform(config);
  const caller = await benchOwner(platform);
  const device = await platform.devices.provision({ uid: 'NODESAPI0001', serialNumber: 'NA-1' });
  const installationId = await benchInstallation(platform, caller, 'Api nodes');
  const stationId = await associateStation(platform, device.uid, installationId, 'XEVFR-NA-1');
  const credentials = await benchCredentials(platform, config, caller, 'nodes-api@example.com');
  await platform.store.close();
  const headers = { ...credentials };
  const path = `/v1/installations/${installationId}/charging-stations/${stationId}`;

  const ports: number[] = [];
  for (let i = 0; i < 2; i++) {
    const port = await freePort();
    nodes.push(
      await startProcess(process.env.BENCH_SERVER ?? 'node bin/witty.js serve', {
        ...env,
        PORT: String(port),
        WITTY_ROLE: 'api',
        WITTY_NODE_ID: `bench-api-${i}`,
      }),
    );
    ports.push(port);
  }
  /** Requests/s of autocannon runs at once, one per port, the connections shared among them. */
  const load = async (targets: number[]) => {
    const results = await Promise.all(
      targets.map((port) =>
        autocannon({
          url: `http://127.0.0.1:${port}${path}`,
          headers,
          connections: CONNECTIONS / targets.length,
          duration: SECONDS,
        }),
      ),
    );
    if (results.some((result) => result.non2xx > 0 || result.errors > 0))
      throw new Error('a request failed');
    return results.reduce((sum, result) => sum + result.requests.average, 0);
  };
  // Both nodes warm, then each measure.
  await load(ports);
  const one = await load([ports[0]!]);
  const two = await load(ports);
  process.stdout.write(
    [
      '',
      `bench/api-nodes: PostgreSQL, GET …/charging-stations/{id} with key and token, ${CONNECTIONS} connections, ${SECONDS} s; ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), Node ${process.version}`,
      `two api nodes  ${two.toFixed(0)} req/s`,
      `one api node   ${one.toFixed(0)} req/s`,
      `ratio          ${(two / one).toFixed(2)}`,
      '',
    ].join('\n'),
  );
  recordFigure({
    bench: 'api-nodes',
    id: 'api-nodes.two-against-one',
    label: 'authenticated GET …/charging-stations/{id}, two API nodes together',
    value: two,
    unit: 'req/s',
    baseline: { label: 'the same load on one API node', value: one },
    ratio: two / one,
    conditions: { database: 'postgresql', connections: CONNECTIONS, seconds: SECONDS },
  });
} finally {
  await Promise.all(nodes.map(stopProcess));
  await database.drop();
}
