import type { FastifyInstance } from 'fastify';
import { buildApp } from '../app.js';
import { JobLeases, startJobs } from '../jobs.js';
import { runs, type Config } from '../config.js';
import { SandboxStations } from '../sandbox/index.js';
import { StartError } from './options.js';

/**
 * `witty serve`: runs the platform until SIGTERM or SIGINT; `afterListen` starts what runs
 * beside it (the demo) and returns how to stop that.
 */
export async function serve(
  config: Config,
  afterListen?: (app: FastifyInstance) => Promise<() => Promise<void>>,
): Promise<number> {
  const app = await buildApp(config);
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    await app.close();
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new StartError(
        `${config.host}:${config.port} is already in use; set PORT to another port`,
      );
    }
    throw error;
  }
  app.platform.store.checkpointInBackground((report) => {
    if (report.error) app.log.warn({ err: report.error }, 'SQLite checkpoint failed');
  });
  // Delivery and the periodic jobs run on worker nodes; api and gateway nodes leave them.
  const worker = runs(config.role, 'worker');
  // With several worker nodes, each run of a job is taken by one of them (job_leases).
  const leases = new JobLeases(app.platform.store.db, config.nodeId);
  const jobs = startJobs(worker ? app.jobs : [], app.log, (job) =>
    leases.claim(job, app.platform.clock.now()),
  );
  if (worker) {
    app.platform.deliveries.start();
    app.platform.mails.start();
  }
  // The try-it sandboxes' stations connect to this process like any station.
  const sandboxStations =
    config.sandboxStations && runs(config.role, 'gateway')
      ? new SandboxStations({
          sandboxes: app.sandboxes,
          resetSecret: (uid) => app.platform.devices.resetSecret(uid),
          url: `ws://${localAddress(config.host)}:${config.port}`,
          log: (error, uid) => app.log.error({ err: error, uid }, 'sandbox station not started'),
        })
      : undefined;
  let cleanup: (() => Promise<void>) | undefined;
  try {
    await sandboxStations?.start();
    cleanup = afterListen ? await afterListen(app) : undefined;
  } catch (error) {
    await sandboxStations?.stop();
    await jobs.stop();
    await app.close();
    throw error;
  }
  const base = config.publicUrl;
  process.stdout.write(
    [
      `Witty-Home platform ready (${config.database.dialect}; node ${config.nodeId}, role ${config.role}${config.natsUrl ? ', NATS' : ''})`,
      `  API        ${base}/v1`,
      `  Reference  ${base}/docs`,
      `  OpenAPI    ${base}/v1/openapi.json`,
      `  OpenID     ${base}/.well-known/openid-configuration`,
      `  Metrics    ${base}/metrics`,
      '',
    ].join('\n'),
  );
  return new Promise((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      app.log.info({ signal }, 'shutting down');
      const timer = setTimeout(() => {
        app.log.error('shutdown timed out; closing the remaining connections');
        app.gateway.terminate();
        app.server.closeAllConnections();
        resolve(1);
        // Whatever still holds the event loop (a stuck query, a socket), the process ends now.
        setTimeout(() => process.exit(1), 100).unref();
      }, config.shutdownTimeoutMs);
      timer.unref();
      jobs
        .stop()
        .then(() => (cleanup ?? (() => Promise.resolve()))())
        .then(() => sandboxStations?.stop())
        .then(() => app.close())
        .then(
          () => {
            clearTimeout(timer);
            resolve(0);
          },
          (error: unknown) => {
            app.log.error({ err: error }, 'shutdown failed');
            resolve(1);
          },
        );
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}

/** An address this process's own clients reach it at, from the address it listens on. */
function localAddress(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === 'localhost') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
