/**
 * API benchmark: authenticated reads of the partner API — `GET /v1/installations` and
 * `GET /v1/installations/{id}/charging-stations/{id}`, with a subscription key and an access
 * token — against a bare Fastify server answering the same JSON at the same paths (no hooks,
 * authentication or database: bench/bare-http-server.ts), and `GET /healthz`, with the same
 * connections, in the same run. The client is autocannon, in this process; the servers run in
 * processes of their own.
 *
 *   npx tsx bench/api.ts [--connections 32] [--seconds 10]
 *
 * SQLite in a temporary folder by default; with DATABASE_URL, a fresh schema of that database.
 * The platform runs with WITTY_LOG_LEVEL=warn (no line per request) and a rate limit high enough
 * not to refuse the load.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { buildPlatform } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { freePort } from '../test/helpers/http.js';
import { recordFigure } from './figures.js';
import { cpuSeconds, startProcess, stopProcess } from './processes.js';
import { associateStation, benchInstallation, benchOwner, benchCredentials } from './provision.js';
import { freshPostgres } from './webhooks-database.js';

const { values } = parseArgs({
  options: {
    connections: { type: 'string', default: '32' },
    seconds: { type: 'string', default: '10' },
    /** Some of: station, installations, healthz, unauthenticated (all by default). */
    routes: { type: 'string', default: 'station,installations,healthz,unauthenticated' },
  },
});
const CONNECTIONS = Number(values.connections);
const SECONDS = Number(values.seconds);
const ROUTES = new Set(values.routes.split(','));

interface Run {
  requestsPerSecond: number;
  p99: number;
  non2xx: number;
  errors: number;
  /** Server CPU time per request, in µs. */
  cpuPerRequestUs: number;
}

/** autocannon against `url` for SECONDS; the server's CPU per request. */
async function load(url: string, headers: Record<string, string>, serverPid: number): Promise<Run> {
  const cpuBefore = cpuSeconds(serverPid);
  const result = await autocannon({
    url,
    headers,
    connections: CONNECTIONS,
    duration: SECONDS,
  });
  const cpu = cpuSeconds(serverPid) - cpuBefore;
  return {
    requestsPerSecond: result.requests.average,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    cpuPerRequestUs: (cpu * 1e6) / Math.max(1, result.requests.total),
  };
}

async function main() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'witty-bench-api-'));
  const postgres = await freshPostgres();
  const port = await freePort();
  const env: Record<string, string> = {
    WITTY_DATA_DIR: dataDir,
    PORT: String(port),
    WITTY_LOG_LEVEL: 'warn',
    WITTY_RATE_LIMIT_MAX: '100000000',
    ...(postgres ? { DATABASE_URL: postgres.url } : {}),
  };
  const config = loadConfig(env);
  const dialect = config.database.dialect;
  process.stdout.write(`Provisioning an owner, a home and its station (${dialect})…\n`);
  const platform = await buildPlatform(config);
  const caller = await benchOwner(platform);
  const device = await platform.devices.provision({ uid: 'APIBENCH0001', serialNumber: 'API-1' });
  const installationId = await benchInstallation(platform, caller, 'Api bench');
  const stationId = await associateStation(platform, device.uid, installationId, 'XEVFR-API-1');
  const credentials = await benchCredentials(platform, config, caller);
  await platform.store.close();
  const headers = { ...credentials };
  const paths = {
    installations: '/v1/installations',
    station: `/v1/installations/${installationId}/charging-stations/${stationId}`,
  };

  const server = await startProcess(process.env.BENCH_SERVER ?? 'node bin/witty.js serve', env);
  const base = `http://127.0.0.1:${port}`;
  // The JSON the platform answers is what the bare server serves.
  const bodies: Record<string, unknown> = {};
  for (const url of Object.values(paths)) {
    const response = await fetch(`${base}${url}`, { headers });
    if (response.status !== 200)
      throw new Error(`${url}: ${response.status} ${await response.text()}`);
    bodies[url] = await response.json();
  }
  const routesFile = path.join(dataDir, 'routes.json');
  fs.writeFileSync(routesFile, JSON.stringify(bodies));
  const barePort = await freePort();
  const bare = await startProcess('node --import tsx bench/bare-http-server.ts', {
    PORT: String(barePort),
    BENCH_ROUTES_FILE: routesFile,
  });
  const bareBase = `http://127.0.0.1:${barePort}`;

  process.stdout.write(`${CONNECTIONS} connections, ${SECONDS} s per route…\n`);
  const measure = async (route: string, url: string, sent: Record<string, string>, pid: number) =>
    ROUTES.has(route) ? load(url, sent, pid) : undefined;
  const runs = {
    bareStation: await load(`${bareBase}${paths.station}`, {}, bare.pid!),
    station: await measure('station', `${base}${paths.station}`, headers, server.pid!),
    bareInstallations: await measure(
      'installations',
      `${bareBase}${paths.installations}`,
      {},
      bare.pid!,
    ),
    installations: await measure(
      'installations',
      `${base}${paths.installations}`,
      headers,
      server.pid!,
    ),
    healthz: await measure('healthz', `${base}/healthz`, {}, server.pid!),
    unauthenticated: await measure(
      'unauthenticated',
      `${base}${paths.installations}`,
      {},
      server.pid!,
    ),
  };
  await Promise.all([stopProcess(bare), stopProcess(server)]);
  await postgres?.drop();
  fs.rmSync(dataDir, { recursive: true, force: true });

  const stationBytes = JSON.stringify(bodies[paths.station]).length;
  process.stdout.write(
    `\nbench/api: ${dialect}, ${CONNECTIONS} connections, ${SECONDS} s per route; station JSON ${stationBytes} bytes; ${os.cpus().length} cores (${os.cpus()[0]?.model.trim() ?? ''}), Node ${process.version}\n`,
  );
  const line = (label: string, run: Run | undefined, baseline?: Run) => {
    if (!run) return;
    process.stdout.write(
      `${label.padEnd(52)}${run.requestsPerSecond.toFixed(0).padStart(9)} req/s  p99 ${String(run.p99).padStart(4)} ms  ${run.cpuPerRequestUs.toFixed(1).padStart(6)} µs CPU/req${
        baseline ? `  ratio ${(run.requestsPerSecond / baseline.requestsPerSecond).toFixed(2)}` : ''
      }${run.non2xx > 0 ? `  non-2xx ${run.non2xx}` : ''}${run.errors > 0 ? `  errors ${run.errors}` : ''}\n`,
    );
  };
  line('bare Fastify, station JSON', runs.bareStation);
  line('GET …/charging-stations/{id}, key + token', runs.station, runs.bareStation);
  line('bare Fastify, installations JSON', runs.bareInstallations);
  line('GET /v1/installations, key + token', runs.installations, runs.bareInstallations);
  line('GET /healthz', runs.healthz, runs.bareStation);
  line('GET /v1/installations, no key (401)', runs.unauthenticated, runs.bareStation);

  const conditions = {
    database: dialect === 'postgres' ? 'postgresql' : 'sqlite',
    connections: CONNECTIONS,
    seconds: SECONDS,
  };
  let failed = 0;
  for (const [id, label, run, baseline] of [
    [
      'api.station-read',
      'authenticated GET …/charging-stations/{id}',
      runs.station,
      runs.bareStation,
    ],
    [
      'api.installations-read',
      'authenticated GET /v1/installations',
      runs.installations,
      runs.bareInstallations,
    ],
  ] as const) {
    if (!run || !baseline) continue;
    failed += run.non2xx + run.errors;
    recordFigure({
      bench: 'api',
      id: `${id}${dialect === 'postgres' ? '.postgresql' : ''}`,
      label,
      value: Math.round(run.requestsPerSecond),
      unit: 'req/s',
      baseline: { label: 'bare Fastify, same JSON', value: Math.round(baseline.requestsPerSecond) },
      ratio: run.requestsPerSecond / baseline.requestsPerSecond,
      target: {
        of: 'ratio',
        atLeast: 0.6,
        text: '≥ 0.6 × a bare Fastify route serving the same JSON',
      },
      conditions: {
        ...conditions,
        p99Ms: run.p99,
        cpuPerRequestUs: Number(run.cpuPerRequestUs.toFixed(1)),
      },
    });
  }
  if (failed > 0) {
    process.stdout.write(`FAILED: ${failed} authenticated reads were not answered 200\n`);
    process.exit(1);
  }
}

void main();
