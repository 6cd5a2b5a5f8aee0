import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { buildApp, buildPlatform } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { migrateToLatest } from './db/migrate.js';
import { openStore } from './db/database.js';
import { DeviceError } from './devices/service.js';
import { startJobs } from './jobs.js';
import type { FastifyInstance } from 'fastify';
import type { ChargeMode } from './domain/charge-mode.js';
import type { Subscription } from './domain/tariffs.js';
import {
  IdentityError,
  ROLES,
  issueOperatorAccessToken,
  registerClient,
  type Role,
} from './identity/index.js';

const USAGE = `Usage: witty <command> [options]

Commands:
  serve                                   Run the platform (HTTP API, OpenID provider, docs)
  migrate                                 Bring the database schema up to date
  users create --email E --password P --role owner|installer|developer|admin
               [--first-name F] [--last-name L]
  apikeys create --email E                Developer account with an approved Energy Management
                                          Starter Pack subscription; prints its keys
  token --email E                         Issue an access token for an account
  clients create --name N --redirect-uri U [--redirect-uri U2 …] [--secret S]
                                          Register an OAuth 2.0 client (public with PKCE unless
                                          a secret is given)
  devices provision --serial S [--uid U] [--password P] [--mac M]
                                          Add a charging station to the device registry; prints
                                          its uid and password (generated when not given)
  devices provision --count N --prefix P  Add N stations (uids and serials P000001…); prints
                                          a CSV of uid,password for witty sim --devices
  devices list                            The device registry
  sim --url URL (--station UID:PASSWORD … | --devices FILE.csv) [--speed 60]
      [--subscription BASE|HCHP|TEMPO|EJP|STANDARD] [--charge-mode M] [--start ISO]
      [--plug] [--control-port 8081]
                                          Run virtual Witty stations, Linky meters and cars
                                          against a platform, with a control API
  sim backfill --station UID [--days 90] [--subscription S] [--charge-mode M]
                                          Feed the history a virtual station, Linky meter and car
                                          would have produced, through the platform's ingest
  demo [--speed 120] [--days 90] [--control-port PORT+1]
                                          Run the platform with three demo homes live, with
                                          their history on the first run
  openapi [--out FILE | --check FILE]     Print, write or check the OpenAPI document

Settings come from the environment (WITTY_DATA_DIR, DATABASE_URL, PUBLIC_URL, …; see README).`;

class UsageError extends Error {}
/** A start-up failure explained in one line (no stack trace). */
class StartError extends Error {}

type Options = Record<string, string | string[] | boolean | undefined>;

function required(options: Options, name: string): string {
  const value = options[name];
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} is required`);
  return value;
}

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

const OPTION_SPEC = {
  email: { type: 'string' },
  password: { type: 'string' },
  role: { type: 'string' },
  'first-name': { type: 'string' },
  'last-name': { type: 'string' },
  name: { type: 'string' },
  'redirect-uri': { type: 'string', multiple: true },
  secret: { type: 'string' },
  uid: { type: 'string' },
  url: { type: 'string' },
  station: { type: 'string', multiple: true },
  devices: { type: 'string' },
  speed: { type: 'string' },
  subscription: { type: 'string' },
  'charge-mode': { type: 'string' },
  start: { type: 'string' },
  plug: { type: 'boolean' },
  'control-port': { type: 'string' },
  count: { type: 'string' },
  days: { type: 'string' },
  prefix: { type: 'string' },
  serial: { type: 'string' },
  mac: { type: 'string' },
  out: { type: 'string' },
  check: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Runs the `witty` command line; returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTION_SPEC, allowPositionals: true, strict: true });
  } catch (error) {
    process.stderr.write(`witty: ${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const { positionals, values } = parsed;
  const command = positionals.join(' ');
  if (values.help || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (command === '') {
    process.stderr.write(`witty: a command is required\n\n${USAGE}\n`);
    return 2;
  }
  try {
    if (command === 'openapi') return await openapi(values);
    if (command === 'sim') return await sim(values);
    if (command === 'sim backfill') return await simBackfill(loadConfig(process.env), values);
    const config = loadConfig(process.env);
    switch (command) {
      case 'serve':
        return await serve(config);
      case 'demo':
        return await demo(config, values);
      case 'migrate':
        return await migrate(config);
      case 'users create':
      case 'apikeys create':
      case 'token':
      case 'clients create':
      case 'devices provision':
      case 'devices list':
        return await operatorCommand(command, config, values);
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`witty: ${error.message}\n\n${USAGE}\n`);
      return 2;
    }
    if (
      error instanceof ConfigError ||
      error instanceof IdentityError ||
      error instanceof DeviceError ||
      error instanceof StartError
    ) {
      process.stderr.write(`witty: ${error.message}\n`);
      return 1;
    }
    process.stderr.write(
      `witty: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return 1;
  }
}

function speedOf(options: Options, fallback: number): number {
  const speed = options.speed === undefined ? fallback : Number(options.speed);
  if (!Number.isFinite(speed) || speed < 1 || speed > 3600)
    throw new UsageError('--speed must be between 1 and 3600');
  return speed;
}

function daysOf(options: Options, fallback: number): number {
  const days = options.days === undefined ? fallback : Number(options.days);
  if (!Number.isInteger(days) || days < 0 || days > 730)
    throw new UsageError('--days must be a whole number from 0 to 730');
  return days;
}

function portOf(value: unknown, fallback: number): number {
  const port = value === undefined ? fallback : Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError('--control-port must be a TCP port');
  return port;
}

async function demo(config: Config, options: Options): Promise<number> {
  const speed = speedOf(options, 120);
  const controlPort = portOf(options['control-port'], config.port + 1);
  const days = daysOf(options, 90);
  return serve(config, async (app) => {
    const { startDemo, DEMO_OWNER } = await import('./sim/demo.js');
    const { controlServer } = await import('./sim/simulation.js');
    const demo = await startDemo(app, config, {
      speed,
      historyDays: days,
      progress: (message) => process.stdout.write(`${message}\n`),
    });
    const control = await controlServer(demo.simulation);
    try {
      await control.listen({ port: controlPort, host: config.host });
    } catch (error) {
      await demo.simulation.stop();
      throw new StartError(
        `the simulator's control port ${controlPort} is not free (${String(error)})`,
      );
    }
    const controlUrl = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${controlPort}`;
    process.stdout.write(
      [
        'Witty-Home demo',
        `  Portal       ${config.publicUrl}/  (API reference: ${config.publicUrl}/docs)`,
        `  Owner login  ${DEMO_OWNER.email} / ${DEMO_OWNER.password}`,
        `  API key      ${demo.apiKey}`,
        `  Sim control  ${controlUrl}/stations  (virtual time ×${speed})`,
        '  Try:',
        `    curl -H "Ocp-Apim-Subscription-Key: ${demo.apiKey}" -H "Authorization: Bearer ${demo.accessToken}" ${config.publicUrl}${demo.stationPath}`,
        '',
      ].join('\n'),
    );
    return async () => {
      await demo.simulation.stop();
      await control.close();
    };
  });
}

async function simBackfill(config: Config, options: Options): Promise<number> {
  const uids = (options.station as string[] | undefined) ?? [];
  if (uids.length === 0)
    throw new UsageError(
      'give at least one --station UID (associated, with TIC consent for grid data)',
    );
  const days = daysOf(options, 90);
  const subscription = (options.subscription ?? 'HCHP') as Subscription;
  if (!['BASE', 'HCHP', 'TEMPO', 'EJP', 'STANDARD'].includes(subscription)) {
    throw new UsageError('--subscription must be BASE, HCHP, TEMPO, EJP or STANDARD');
  }
  const chargeMode = (options['charge-mode'] ?? 'immediate') as ChargeMode;
  if (!['immediate', 'deferred', 'deferredExclusive'].includes(chargeMode)) {
    throw new UsageError('--charge-mode must be immediate, deferred or deferredExclusive');
  }
  const platform = await buildPlatform(config);
  try {
    const { backfill } = await import('./sim/backfill.js');
    const results = [];
    for (const entry of uids) {
      const uid = entry.split(':')[0] ?? entry;
      if (!(await platform.stationStore.findByUid(uid)))
        throw new DeviceError(`station ${uid} is not associated with an installation`);
      results.push({
        uid,
        ...(await backfill(platform.deviceState, {
          uid,
          days,
          end: new Date(),
          subscription,
          chargeMode,
        })),
      });
    }
    print(results);
    return 0;
  } finally {
    await platform.store.close();
  }
}

async function sim(options: Options): Promise<number> {
  const url = required(options, 'url');
  if (!/^wss?:\/\//.test(url)) throw new UsageError('--url must be ws://HOST:PORT or wss://…');
  const speed = speedOf(options, 60);
  const subscription = (options.subscription ?? 'HCHP') as Subscription;
  if (!['BASE', 'HCHP', 'TEMPO', 'EJP', 'STANDARD'].includes(subscription)) {
    throw new UsageError('--subscription must be BASE, HCHP, TEMPO, EJP or STANDARD');
  }
  const chargeMode = (options['charge-mode'] ?? 'immediate') as ChargeMode;
  if (!['immediate', 'deferred', 'deferredExclusive'].includes(chargeMode)) {
    throw new UsageError('--charge-mode must be immediate, deferred or deferredExclusive');
  }
  const start = options.start === undefined ? new Date() : new Date(String(options.start));
  if (Number.isNaN(start.getTime())) throw new UsageError('--start must be an ISO 8601 date');
  const credentials: { uid: string; password: string }[] = [];
  for (const entry of (options.station as string[] | undefined) ?? []) {
    const index = entry.indexOf(':');
    if (index < 1) throw new UsageError(`--station ${entry} must be UID:PASSWORD`);
    credentials.push({ uid: entry.slice(0, index), password: entry.slice(index + 1) });
  }
  if (typeof options.devices === 'string') {
    const lines = fs.readFileSync(options.devices, 'utf8').split(/\r?\n/).filter(Boolean);
    for (const line of lines) {
      const [uid, password] = line.split(',');
      if (uid === 'uid') continue; // header
      if (!uid || !password)
        throw new UsageError(`${options.devices}: each line must be uid,password`);
      credentials.push({ uid, password });
    }
  }
  if (credentials.length === 0)
    throw new UsageError('give at least one --station UID:PASSWORD or --devices FILE.csv');
  const controlPort = portOf(options['control-port'], 8081);

  const [
    { SimClock },
    { Simulation, controlServer },
    { VirtualStation },
    { VirtualLinky },
    { VirtualCar },
  ] = await Promise.all([
    import('./sim/clock.js'),
    import('./sim/simulation.js'),
    import('./sim/station.js'),
    import('./sim/linky.js'),
    import('./sim/car.js'),
  ]);
  const simulation = new Simulation(new SimClock(start, speed));
  const mode = subscription === 'STANDARD' ? 'standard' : 'historic';
  for (const { uid, password } of credentials) {
    const linkyOptions = { subscription, mode, intensitySubscribedA: 30 } as const;
    simulation.add(
      new VirtualStation({
        url,
        uid,
        password,
        clock: simulation.clock,
        linky: new VirtualLinky(linkyOptions),
        linkyOptions,
        chargeMode,
        ...(credentials.length <= 20
          ? { log: (message: string) => process.stdout.write(`${message}\n`) }
          : {}),
      }),
    );
  }
  await simulation.start();
  if (options.plug) for (const station of simulation.list()) station.plug(new VirtualCar(), 'm3');
  const control = await controlServer(simulation);
  await control.listen({ port: controlPort, host: '127.0.0.1' });
  process.stdout.write(
    `Simulating ${credentials.length} station(s) at ×${speed}; control API http://127.0.0.1:${controlPort}/stations\n`,
  );
  return new Promise((resolve) => {
    const stop = () => {
      void simulation
        .stop()
        .then(() => control.close())
        .then(() => resolve(0));
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}

/** http(s) URLs, and private-use schemes of native apps (RFC 8252 §7.1: reverse domain names). */
function isRedirectUri(uri: string): boolean {
  if (!URL.canParse(uri)) return false;
  const { protocol } = new URL(uri);
  return (
    protocol === 'http:' ||
    protocol === 'https:' ||
    /^[a-z][a-z0-9+-]*(\.[a-z0-9+-]+)+:$/i.test(protocol)
  );
}

async function serve(
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
  const jobs = startJobs(app.jobs, app.log);
  let cleanup: (() => Promise<void>) | undefined;
  try {
    cleanup = afterListen ? await afterListen(app) : undefined;
  } catch (error) {
    await jobs.stop();
    await app.close();
    throw error;
  }
  const base = config.publicUrl;
  process.stdout.write(
    [
      `Witty-Home platform ready (${config.database.dialect})`,
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

async function migrate(config: Config): Promise<number> {
  const store = openStore(config.database);
  try {
    const applied = await migrateToLatest(store);
    print({ dialect: store.dialect, applied });
    return 0;
  } finally {
    await store.close();
  }
}

async function operatorCommand(command: string, config: Config, options: Options): Promise<number> {
  // Validate arguments before touching the database.
  const needsEmail = ['users create', 'apikeys create', 'token'].includes(command);
  const email = needsEmail ? required(options, 'email') : '';
  if (command === 'devices provision') {
    if (options.count === undefined) required(options, 'serial');
    else {
      const count = Number(options.count);
      if (!Number.isInteger(count) || count < 1 || count > 100_000) {
        throw new UsageError('--count must be a whole number from 1 to 100000');
      }
      if (!/^[A-Za-z0-9]{1,16}$/.test(String(options.prefix ?? ''))) {
        throw new UsageError('--prefix must be 1 to 16 letters or digits');
      }
    }
  }
  if (command === 'users create') {
    required(options, 'password');
    const role = required(options, 'role');
    if (!ROLES.includes(role as Role))
      throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
  }
  if (command === 'clients create') {
    required(options, 'name');
    if (!Array.isArray(options['redirect-uri']) || options['redirect-uri'].length === 0) {
      throw new UsageError('--redirect-uri is required');
    }
    for (const uri of options['redirect-uri']) {
      if (!isRedirectUri(uri)) {
        throw new UsageError(
          `--redirect-uri ${uri} must be an http(s) URL or a private-use scheme such as com.example.app:/callback`,
        );
      }
    }
  }

  const platform = await buildPlatform(config);
  try {
    switch (command) {
      case 'users create': {
        const account = await platform.identity.createAccount({
          email,
          password: required(options, 'password'),
          role: required(options, 'role') as Role,
          firstName: (options['first-name'] as string | undefined) ?? null,
          lastName: (options['last-name'] as string | undefined) ?? null,
        });
        print(account);
        return 0;
      }
      case 'apikeys create':
        print(await platform.identity.issueStarterPackKeys(email));
        return 0;
      case 'token': {
        const account = await platform.identity.findAccountByEmail(email);
        if (!account) throw new IdentityError(`no account for ${email}`);
        if (!account.enabled) throw new IdentityError(`the account ${email} is disabled`);
        print(
          await issueOperatorAccessToken(
            platform.provider,
            { config, ...platform },
            account.accountId,
          ),
        );
        return 0;
      }
      case 'devices provision':
        if (options.count !== undefined) {
          // Many stations at once, for load tests: a CSV that witty sim --devices reads.
          const prefix = String(options.prefix);
          process.stdout.write('uid,password\n');
          for (let i = 1; i <= Number(options.count); i++) {
            const name = `${prefix}${String(i).padStart(6, '0')}`;
            const device = await platform.devices.provision({ uid: name, serialNumber: name });
            process.stdout.write(`${device.uid},${device.password}\n`);
          }
          return 0;
        }
        print(
          await platform.devices.provision({
            serialNumber: required(options, 'serial'),
            ...(typeof options.uid === 'string' ? { uid: options.uid } : {}),
            ...(typeof options.password === 'string' ? { password: options.password } : {}),
            ...(typeof options.mac === 'string' ? { macAddress: options.mac } : {}),
          }),
        );
        return 0;
      case 'devices list':
        print(await platform.devices.list());
        return 0;
      default: {
        const metadata = await registerClient(platform.identityStore, platform.clock, {
          name: required(options, 'name'),
          redirectUris: options['redirect-uri'] as string[],
          ...(typeof options.secret === 'string' ? { secret: options.secret } : {}),
        });
        print(metadata);
        return 0;
      }
    }
  } finally {
    await platform.store.close();
  }
}

/** The OpenAPI document, built from the route schemas with fixed settings so it is stable. */
export async function generateOpenApiDocument(): Promise<string> {
  const config = loadConfig({ PUBLIC_URL: 'http://localhost:8080', WITTY_LOG_LEVEL: 'silent' });
  const app = await buildApp({ ...config, database: { dialect: 'sqlite', file: ':memory:' } });
  try {
    await app.ready();
    return `${JSON.stringify({ 'x-generated': 'DO NOT EDIT: generated by `npm run openapi` from the route schemas', ...app.swagger() }, null, 2)}\n`;
  } finally {
    await app.close();
  }
}

async function openapi(options: Options): Promise<number> {
  const document = await generateOpenApiDocument();
  if (typeof options.check === 'string') {
    const current = fs.existsSync(options.check) ? fs.readFileSync(options.check, 'utf8') : '';
    if (current !== document) {
      process.stderr.write(`witty: ${options.check} is out of date; run \`npm run openapi\`\n`);
      return 1;
    }
    return 0;
  }
  if (typeof options.out === 'string') {
    fs.writeFileSync(options.out, document);
    return 0;
  }
  process.stdout.write(document);
  return 0;
}
