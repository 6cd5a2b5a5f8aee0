import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, ROLES, type Config } from '../config.js';
import { DeviceError } from '../devices/index.js';
import { IdentityError } from '../identity/index.js';
import { createApiKeys } from './apikeys.js';
import { createClient } from './clients.js';
import { demo } from './demo.js';
import { listDevices, provisionDevices } from './devices.js';
import { listMails, showMail } from './mail.js';
import { migrate } from './migrate.js';
import { openapi } from './openapi.js';
import { StartError, UsageError, type Options } from './options.js';
import { serve } from './serve.js';
import { sim } from './sim.js';
import { simBackfill } from './sim-backfill.js';
import { importTariffCalendar } from './tariff-calendar.js';
import { issueToken } from './token.js';
import { createUser } from './users.js';
import { listWebhooks, redeliverWebhook, webhookDeliveries } from './webhooks.js';
import { ApiError } from '../errors.js';

const USAGE = `Usage: witty <command> [options]

Commands:
  serve [--role all|api|gateway|worker]   Run the platform (HTTP API, OpenID provider, docs,
                                          station gateway, delivery); a role runs one part
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
      [--plug] [--control-port 8081] [--generic [--no-smart-charging]]
                                          Run virtual Witty stations (or generic OCPP 1.6J
                                          chargers, with SmartCharging unless told), Linky
                                          meters and cars against a platform, with a control API
  sim backfill --station UID [--days 90] [--subscription S] [--charge-mode M]
                                          Feed the history a virtual station, Linky meter and car
                                          would have produced, through the platform's ingest
  demo [--speed 120] [--days 90] [--control-port PORT+1]
                                          Run the platform with three demo homes live, with
                                          their history on the first run
  webhooks list [--installation N]        Event subscriptions, with their state
  webhooks deliveries --subscription ID [--limit 20]
                                          A subscription's delivery log, newest first
  webhooks redeliver --subscription ID --delivery ID
                                          Send a delivered or failed event again (same ids)
  mail list [--to ADDRESS] [--limit 20]  Mails queued, sent or kept in the local outbox (no
                                          WITTY_SMTP_URL), newest first
  mail show ID                            One mail: its text and HTML parts
  tariff-calendar import --calendar TEMPO|EJP --file PATH
                                          Import the published Tempo colours or EJP peak days
                                          (lines YYYY-MM-DD;VALUE); nothing on a bad line
  openapi [--out FILE | --check FILE]     Print, write or check the OpenAPI document

Settings come from the environment (WITTY_DATA_DIR, DATABASE_URL, PUBLIC_URL, …; see README).`;

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
  generic: { type: 'boolean' },
  'no-smart-charging': { type: 'boolean' },
  'control-port': { type: 'string' },
  count: { type: 'string' },
  days: { type: 'string' },
  prefix: { type: 'string' },
  serial: { type: 'string' },
  mac: { type: 'string' },
  out: { type: 'string' },
  check: { type: 'string' },
  installation: { type: 'string' },
  delivery: { type: 'string' },
  limit: { type: 'string' },
  to: { type: 'string' },
  calendar: { type: 'string' },
  file: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/**
 * A command: its settings are read only when it needs them (openapi and sim need none), over
 * defaults of its own that the environment overrides, under its options' own (`overrides`).
 */
type Command = (
  options: Options,
  config: (defaults?: Record<string, string>, overrides?: Record<string, string>) => Config,
) => Promise<number>;

/** `serve --role`: what this process runs, over WITTY_ROLE. */
function roleOption(options: Options): Record<string, string> {
  const role = options.role;
  if (role === undefined) return {};
  if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role))
    throw new UsageError(`--role must be ${ROLES.slice(0, -1).join(', ')} or ${ROLES.at(-1)}`);
  return { WITTY_ROLE: role };
}

/** Every `witty` command, one file each in this folder. */
const COMMANDS: Record<string, Command> = {
  serve: (options, config) => serve(config({}, roleOption(options))),
  // The demo has no mail server: its mailbox page shows every mail, like a mail catcher.
  demo: (options, config) => demo(config({ WITTY_PORTAL_OPEN_MAILBOX: 'true' }), options),
  migrate: (_options, config) => migrate(config()),
  'users create': (options, config) => createUser(config(), options),
  'apikeys create': (options, config) => createApiKeys(config(), options),
  token: (options, config) => issueToken(config(), options),
  'clients create': (options, config) => createClient(config(), options),
  'devices provision': (options, config) => provisionDevices(config(), options),
  'devices list': (_options, config) => listDevices(config()),
  sim: (options) => sim(options),
  'sim backfill': (options, config) => simBackfill(config(), options),
  'webhooks list': (options, config) => listWebhooks(config(), options),
  'webhooks deliveries': (options, config) => webhookDeliveries(config(), options),
  'webhooks redeliver': (options, config) => redeliverWebhook(config(), options),
  'mail list': (options, config) => listMails(config(), options),
  'mail show': (options, config) => showMail(config(), options),
  'tariff-calendar import': (options, config) => importTariffCalendar(config(), options),
  openapi: (options) => openapi(options),
};

/** Commands that take one argument after their name (given to them as `argument`). */
const WITH_ARGUMENT = new Set(['mail show']);

/** Runs the `witty` command line with the given environment; returns the process exit code. */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTION_SPEC, allowPositionals: true, strict: true });
  } catch (error) {
    process.stderr.write(`witty: ${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const { positionals, values } = parsed;
  let name = positionals.join(' ');
  let options: Options = values;
  const head = positionals.slice(0, -1).join(' ');
  if (WITH_ARGUMENT.has(head)) {
    name = head;
    options = { ...values, argument: positionals.at(-1) };
  }
  if (values.help || name === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (name === '') {
    process.stderr.write(`witty: a command is required\n\n${USAGE}\n`);
    return 2;
  }
  try {
    const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
    if (!command) throw new UsageError(`unknown command "${name}"`);
    return await command(options, (defaults = {}, overrides = {}) =>
      loadConfig({ ...defaults, ...env, ...overrides }),
    );
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`witty: ${error.message}\n\n${USAGE}\n`);
      return 2;
    }
    if (
      error instanceof ConfigError ||
      error instanceof IdentityError ||
      error instanceof DeviceError ||
      error instanceof ApiError ||
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
