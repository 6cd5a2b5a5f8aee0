import os from 'node:os';
import path from 'node:path';
import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';

/** Event Grid's retry schedule: 10 s, 30 s, 1 min, 5 min, 10 min, 30 min, then hourly: 24 h 47 min in all. */
const DEFAULT_RETRY_DELAYS = [10, 30, 60, 300, 600, 1800, ...Array<number>(24).fill(3600)].join(
  ',',
);

/** Mail retries: 1 min, 5 min, 15 min, 30 min, then hourly: 24 h 51 min in all. */
const DEFAULT_MAIL_RETRY_DELAYS = [60, 300, 900, 1800, ...Array<number>(24).fill(3600)].join(',');

/** What a process of the platform may run (WITTY_ROLE, `witty serve --role`). */
export const ROLES = ['all', 'api', 'gateway', 'worker'] as const;
export type Role = (typeof ROLES)[number];

/** Every setting of the platform: one schema, one comment and one default per setting. */
const EnvironmentSchema = Type.Object({
  /** TCP port of the HTTP server (API, OCPP gateway, portal). */
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
  /** Interface the HTTP server binds to. */
  HOST: Type.String({ minLength: 1, default: '127.0.0.1' }),
  /** Public base URL of the platform: OpenID issuer, links in e-mails. Defaults to http://HOST:PORT. */
  PUBLIC_URL: Type.Optional(Type.String({ pattern: '^https?://[^/]+(/.*)?$' })),
  /** postgres://… to use PostgreSQL; absent, an SQLite file under WITTY_DATA_DIR. */
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^(postgres(ql)?|sqlite)://' })),
  /** PostgreSQL connections each process keeps open (its transactions in progress at once). */
  WITTY_DATABASE_POOL_SIZE: Type.Integer({ minimum: 1, maximum: 1000, default: 10 }),
  /** Folder for the SQLite database and other local files. */
  WITTY_DATA_DIR: Type.String({ minLength: 1, default: './data' }),
  /** pino log level. */
  WITTY_LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) =>
      Type.Literal(level),
    ),
    { default: 'info' },
  ),
  /** Requests allowed per subscription in each rate-limit window. */
  WITTY_RATE_LIMIT_MAX: Type.Integer({ minimum: 1, default: 600 }),
  /** Length of the rate-limit window, in seconds. */
  WITTY_RATE_LIMIT_WINDOW_SECONDS: Type.Integer({ minimum: 1, default: 60 }),
  /** Lifetime of OAuth 2.0 access tokens, in seconds. */
  WITTY_ACCESS_TOKEN_TTL_SECONDS: Type.Integer({ minimum: 60, maximum: 86400, default: 3600 }),
  /** Lifetime of OAuth 2.0 refresh tokens, in seconds (rotated at each use). */
  WITTY_REFRESH_TOKEN_TTL_SECONDS: Type.Integer({ minimum: 300, default: 30 * 86400 }),
  /** Trust X-Forwarded-* headers (behind a reverse proxy). */
  WITTY_TRUST_PROXY: Type.Boolean({ default: false }),
  /** How long a command waits for the charging station's answer, in seconds. */
  WITTY_COMMAND_TIMEOUT_SECONDS: Type.Integer({ minimum: 1, maximum: 600, default: 30 }),
  /** Time given to in-flight requests on SIGTERM/SIGINT, in milliseconds. */
  WITTY_SHUTDOWN_TIMEOUT_MS: Type.Integer({ minimum: 0, default: 10_000 }),
  /** Time a client has to send a whole request (headers and body), in milliseconds. */
  WITTY_HTTP_REQUEST_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 30_000 }),
  /** Time a client has to send the request headers, in milliseconds (at most the request timeout). */
  WITTY_HTTP_HEADERS_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 10_000 }),
  /** A connection with no traffic for this long is closed, in milliseconds (not OCPP WebSockets). */
  WITTY_HTTP_IDLE_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 60_000 }),
  /** How long an idle keep-alive connection stays open between requests, in milliseconds. */
  WITTY_HTTP_KEEP_ALIVE_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 10_000 }),
  /** Largest request body accepted, in bytes (larger ones get 413). */
  WITTY_HTTP_BODY_LIMIT_BYTES: Type.Integer({ minimum: 1024, default: 65_536 }),
  /** Largest request header section accepted, in bytes (larger ones get 431). */
  WITTY_HTTP_MAX_HEADER_BYTES: Type.Integer({ minimum: 1024, default: 16_384 }),
  /**
   * How long the API trusts a subscription key, an account or an OAuth grant it has checked, in
   * seconds (0: no cache): a revocation made on another node takes effect within this bound.
   */
  WITTY_AUTH_CACHE_SECONDS: Type.Integer({ minimum: 0, maximum: 5, default: 2 }),
  /** Bearer token /metrics asks for; unset, /metrics is open (keep the port private then). */
  WITTY_METRICS_TOKEN: Type.Optional(Type.String({ minLength: 16 })),
  /** Failed sign-ins allowed per account and per address before each further try waits. */
  WITTY_SIGN_IN_FREE_FAILURES: Type.Integer({ minimum: 1, default: 5 }),
  /** Longest wait imposed after repeated failed sign-ins, in seconds (the wait doubles up to it). */
  WITTY_SIGN_IN_MAX_DELAY_SECONDS: Type.Integer({ minimum: 1, default: 900 }),
  /** Unauthenticated /v1 calls allowed per client address in each rate-limit window. */
  WITTY_ANONYMOUS_RATE_LIMIT_MAX: Type.Integer({ minimum: 1, default: 60 }),
  /** Failed station associations (unknown device, associated elsewhere) per account and window. */
  WITTY_ASSOCIATION_RATE_LIMIT_MAX: Type.Integer({ minimum: 1, default: 10 }),
  /** Length of the association window, in seconds. */
  WITTY_ASSOCIATION_RATE_LIMIT_WINDOW_SECONDS: Type.Integer({ minimum: 1, default: 3600 }),
  /** Largest OCPP-J frame a station may send, in bytes; a larger one closes its connection (1009). */
  WITTY_OCPP_MAX_FRAME_BYTES: Type.Integer({ minimum: 1024, maximum: 16_777_216, default: 65_536 }),
  /**
   * Delays between the attempts of a webhook delivery, in seconds (a comma list); a delivery
   * still failing after the last one fails for good. The default spans a little over 24 h.
   */
  WITTY_WEBHOOK_RETRY_DELAYS_SECONDS: Type.String({
    pattern: '^\\s*\\d+(\\s*,\\s*\\d+)*\\s*$',
    default: DEFAULT_RETRY_DELAYS,
  }),
  /** Lets webhooks reach http URLs and private, loopback and link-local addresses (development only). */
  WITTY_WEBHOOK_ALLOW_PRIVATE: Type.Boolean({ default: false }),
  /** How long one webhook POST may take, answer included, in seconds. */
  WITTY_WEBHOOK_TIMEOUT_SECONDS: Type.Integer({ minimum: 1, maximum: 120, default: 30 }),
  /** How long the validation handshake may take while the subscription is created, in seconds. */
  WITTY_WEBHOOK_VALIDATION_TIMEOUT_SECONDS: Type.Integer({ minimum: 1, maximum: 25, default: 10 }),
  /** Webhook POSTs in flight at once, all endpoints together. */
  WITTY_WEBHOOK_CONCURRENCY: Type.Integer({ minimum: 1, maximum: 4096, default: 256 }),
  /** Webhook POSTs in flight at once to one subscription's endpoint. */
  WITTY_WEBHOOK_ENDPOINT_CONCURRENCY: Type.Integer({ minimum: 1, maximum: 256, default: 16 }),
  /** How often the delivery worker looks for due deliveries (retries, other nodes' events), in ms. */
  WITTY_WEBHOOK_POLL_MS: Type.Integer({ minimum: 10, maximum: 60_000, default: 1000 }),
  /**
   * Days raw 10-minute samples are kept (0: for ever). Older ones are dropped, by whole months
   * on PostgreSQL; the hourly and daily rollups the measures' aggregations read are kept.
   */
  WITTY_SAMPLE_RETENTION_DAYS: Type.Integer({ minimum: 0, default: 0 }),
  /** How often the chargers the platform drives are checked for a tariff switch, ms. */
  WITTY_CHARGE_SWITCH_POLL_MS: Type.Integer({ minimum: 100, maximum: 600_000, default: 15_000 }),
  /** How long before a high tariff the platform stops a charge by remote stop, seconds. */
  WITTY_CHARGE_STOP_LEAD_SECONDS: Type.Integer({ minimum: 0, maximum: 3600, default: 60 }),
  /** Days that finished deliveries, their attempts and events are kept. */
  WITTY_WEBHOOK_RETENTION_DAYS: Type.Integer({ minimum: 1, default: 30 }),
  /** smtp://[user:password@]host[:port] or smtps://…; unset, mails stay in the local outbox. */
  WITTY_SMTP_URL: Type.Optional(Type.String({ pattern: '^smtps?://[^\\s/]+/?$' })),
  /** The sender of mails. Defaults to Witty-Home <no-reply@{PUBLIC_URL's host}>. */
  WITTY_MAIL_FROM: Type.Optional(Type.String({ pattern: '^[^\\r\\n]*@[^\\r\\n]+$' })),
  /** Delays between the attempts to send a mail, in seconds (a comma list); a little over 24 h. */
  WITTY_MAIL_RETRY_DELAYS_SECONDS: Type.String({
    pattern: '^\\s*\\d+(\\s*,\\s*\\d+)*\\s*$',
    default: DEFAULT_MAIL_RETRY_DELAYS,
  }),
  /** How long an installer invitation's activation code works, in seconds (7 days). */
  WITTY_INVITATION_TTL_SECONDS: Type.Integer({ minimum: 60, default: 7 * 86400 }),
  /** How long a portal sign-in lasts, in seconds (7 days). */
  WITTY_PORTAL_SESSION_TTL_SECONDS: Type.Integer({ minimum: 60, default: 7 * 86400 }),
  /**
   * Development only: the portal's mailbox shows every mail of the local outbox to anyone, like
   * a mail catcher, so that sign-up links can be followed with no mail server (the demo sets it).
   */
  WITTY_PORTAL_OPEN_MAILBOX: Type.Boolean({ default: false }),
  /**
   * Whether `witty serve` runs the virtual stations of the try-it sandboxes. With several nodes
   * on one database, leave it on for one node only.
   */
  WITTY_SANDBOX_STATIONS: Type.Boolean({ default: true }),
  /**
   * What this process does: `all` (the default: everything), `api` (the HTTP API, portal and
   * dashboard, no station connections, no background work), `gateway` (station connections
   * over OCPP) or `worker` (webhook and mail delivery, periodic jobs). `witty serve --role`.
   */
  WITTY_ROLE: Type.Union(
    ROLES.map((role) => Type.Literal(role)),
    { default: 'all' },
  ),
  /** This node's name in logs, /readyz and the bus; defaults to HOSTNAME-PID. */
  WITTY_NODE_ID: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' })),
  /**
   * nats://host:port of the NATS server that carries commands between nodes; unset, commands
   * reach only the stations connected to this process (one node).
   */
  WITTY_NATS_URL: Type.Optional(Type.String({ pattern: '^(nats|tls)://[^\\s]+$' })),
});

type Environment = Static<typeof EnvironmentSchema>;

/** Whether a process of `role` does `part`. */
export function runs(role: Role, part: 'api' | 'gateway' | 'worker'): boolean {
  return role === 'all' || role === part;
}

/** The parsed, frozen configuration passed down to every module. */
export interface Config {
  readonly port: number;
  readonly host: string;
  readonly publicUrl: string;
  readonly dataDir: string;
  readonly database:
    | { readonly dialect: 'sqlite'; readonly file: string }
    | { readonly dialect: 'postgres'; readonly url: string; readonly poolSize?: number };
  readonly logLevel: Environment['WITTY_LOG_LEVEL'];
  readonly rateLimit: { readonly max: number; readonly windowSeconds: number };
  readonly oauth: {
    readonly apiAudience: string;
    readonly accessTokenTtlSeconds: number;
    readonly refreshTokenTtlSeconds: number;
  };
  readonly trustProxy: boolean;
  readonly commandTimeoutMs: number;
  readonly shutdownTimeoutMs: number;
  readonly http: {
    readonly requestTimeoutMs: number;
    readonly headersTimeoutMs: number;
    readonly idleTimeoutMs: number;
    readonly keepAliveTimeoutMs: number;
    readonly bodyLimitBytes: number;
    readonly maxHeaderBytes: number;
    /** How long a checked key, account or grant is trusted (0: not cached). */
    readonly authCacheSeconds: number;
  };
  readonly metricsToken: string | null;
  readonly signIn: { readonly freeFailures: number; readonly maxDelaySeconds: number };
  readonly anonymousRateLimitMax: number;
  readonly associationRateLimit: { readonly max: number; readonly windowSeconds: number };
  readonly ocppMaxFrameBytes: number;
  readonly webhooks: {
    readonly retryDelaysSeconds: readonly number[];
    readonly allowPrivate: boolean;
    readonly timeoutMs: number;
    readonly validationTimeoutMs: number;
    readonly concurrency: number;
    readonly endpointConcurrency: number;
    readonly pollMs: number;
    readonly retentionDays: number;
  };
  readonly mail: {
    /** null: no SMTP server, mails stay in the local outbox. */
    readonly smtpUrl: string | null;
    readonly from: string;
    readonly retryDelaysSeconds: readonly number[];
  };
  readonly invitationTtlSeconds: number;
  readonly portal: { readonly sessionTtlSeconds: number; readonly openMailbox: boolean };
  readonly sandboxStations: boolean;
  /** What this process runs (WITTY_ROLE). */
  readonly role: Role;
  /** Days raw samples are kept, 0 for ever (WITTY_SAMPLE_RETENTION_DAYS). */
  readonly sampleRetentionDays: number;
  /** How often driven chargers are checked for a tariff switch (WITTY_CHARGE_SWITCH_POLL_MS). */
  readonly chargeSwitchPollMs: number;
  /** How long before a high tariff a driven charge is stopped (WITTY_CHARGE_STOP_LEAD_SECONDS). */
  readonly chargeStopLeadMs: number;
  /** This node's name (WITTY_NODE_ID). */
  readonly nodeId: string;
  /** The NATS server between nodes, or null for one node (WITTY_NATS_URL). */
  readonly natsUrl: string | null;
}

/** Raised when settings are invalid; lists every problem at once. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const KNOWN_KEYS = Object.keys(EnvironmentSchema.properties) as (keyof Environment)[];

interface SettingSchema {
  type?: string;
  anyOf?: { const?: string }[];
  default?: unknown;
}

/** Turns the text of an environment variable into the type its schema asks for, strictly. */
function convert(schema: SettingSchema, text: string): unknown {
  if (schema.type === 'integer') return /^-?\d+$/.test(text.trim()) ? Number(text) : text;
  if (schema.type === 'boolean') {
    if (/^(true|1)$/i.test(text)) return true;
    if (/^(false|0)$/i.test(text)) return false;
  }
  return text;
}

/** One line for a bad setting: the first problem of its own check, with the accepted values. */
function problemOf(
  key: keyof Environment,
  schema: SettingSchema,
  value: unknown,
): string | undefined {
  const propertySchema = EnvironmentSchema.properties[key];
  if (Value.Check(propertySchema, value)) return undefined;
  const choices = schema.anyOf?.flatMap((option) =>
    option.const === undefined ? [] : [option.const],
  );
  const reason = choices?.length
    ? `must be one of ${choices.join(', ')}`
    : ([...Value.Errors(propertySchema, value)][0]?.message ?? 'is invalid');
  return `${key}: ${reason} (got ${JSON.stringify(value)})`;
}

/** Parses the settings from an environment (process.env in main.ts); throws ConfigError. */
export function loadConfig(environment: Record<string, string | undefined>): Config {
  const values: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const key of KNOWN_KEYS) {
    const schema = EnvironmentSchema.properties[key] as SettingSchema;
    const text = environment[key];
    if (text === undefined || text === '') {
      if (schema.default !== undefined) values[key] = schema.default;
      continue;
    }
    values[key] = convert(schema, text);
    const problem = problemOf(key, schema, values[key]);
    if (problem) problems.push(problem);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const env = values as Environment;

  const dataDir = path.resolve(env.WITTY_DATA_DIR);
  const browserHost =
    env.HOST === '0.0.0.0' || env.HOST === '::'
      ? 'localhost'
      : env.HOST.includes(':')
        ? `[${env.HOST}]`
        : env.HOST;
  const publicUrl = (env.PUBLIC_URL ?? `http://${browserHost}:${env.PORT}`).replace(/\/+$/, '');
  const databaseUrl = env.DATABASE_URL;
  const database =
    databaseUrl === undefined
      ? { dialect: 'sqlite' as const, file: path.join(dataDir, 'witty.db') }
      : databaseUrl.startsWith('sqlite://')
        ? { dialect: 'sqlite' as const, file: path.resolve(databaseUrl.slice('sqlite://'.length)) }
        : {
            dialect: 'postgres' as const,
            url: databaseUrl,
            poolSize: env.WITTY_DATABASE_POOL_SIZE,
          };

  return deepFreeze({
    port: env.PORT,
    host: env.HOST,
    publicUrl,
    dataDir,
    database,
    logLevel: env.WITTY_LOG_LEVEL,
    rateLimit: {
      max: env.WITTY_RATE_LIMIT_MAX,
      windowSeconds: env.WITTY_RATE_LIMIT_WINDOW_SECONDS,
    },
    oauth: {
      apiAudience: `${publicUrl}/v1`,
      accessTokenTtlSeconds: env.WITTY_ACCESS_TOKEN_TTL_SECONDS,
      refreshTokenTtlSeconds: env.WITTY_REFRESH_TOKEN_TTL_SECONDS,
    },
    trustProxy: env.WITTY_TRUST_PROXY,
    commandTimeoutMs: env.WITTY_COMMAND_TIMEOUT_SECONDS * 1000,
    shutdownTimeoutMs: env.WITTY_SHUTDOWN_TIMEOUT_MS,
    http: {
      requestTimeoutMs: env.WITTY_HTTP_REQUEST_TIMEOUT_MS,
      // Node refuses a headers timeout longer than the request timeout.
      headersTimeoutMs: Math.min(
        env.WITTY_HTTP_HEADERS_TIMEOUT_MS,
        env.WITTY_HTTP_REQUEST_TIMEOUT_MS,
      ),
      idleTimeoutMs: env.WITTY_HTTP_IDLE_TIMEOUT_MS,
      keepAliveTimeoutMs: env.WITTY_HTTP_KEEP_ALIVE_TIMEOUT_MS,
      bodyLimitBytes: env.WITTY_HTTP_BODY_LIMIT_BYTES,
      maxHeaderBytes: env.WITTY_HTTP_MAX_HEADER_BYTES,
      authCacheSeconds: env.WITTY_AUTH_CACHE_SECONDS,
    },
    metricsToken: env.WITTY_METRICS_TOKEN ?? null,
    signIn: {
      freeFailures: env.WITTY_SIGN_IN_FREE_FAILURES,
      maxDelaySeconds: env.WITTY_SIGN_IN_MAX_DELAY_SECONDS,
    },
    anonymousRateLimitMax: env.WITTY_ANONYMOUS_RATE_LIMIT_MAX,
    associationRateLimit: {
      max: env.WITTY_ASSOCIATION_RATE_LIMIT_MAX,
      windowSeconds: env.WITTY_ASSOCIATION_RATE_LIMIT_WINDOW_SECONDS,
    },
    ocppMaxFrameBytes: env.WITTY_OCPP_MAX_FRAME_BYTES,
    webhooks: {
      retryDelaysSeconds: env.WITTY_WEBHOOK_RETRY_DELAYS_SECONDS.split(',').map((d) => Number(d)),
      allowPrivate: env.WITTY_WEBHOOK_ALLOW_PRIVATE,
      timeoutMs: env.WITTY_WEBHOOK_TIMEOUT_SECONDS * 1000,
      validationTimeoutMs: env.WITTY_WEBHOOK_VALIDATION_TIMEOUT_SECONDS * 1000,
      concurrency: env.WITTY_WEBHOOK_CONCURRENCY,
      endpointConcurrency: env.WITTY_WEBHOOK_ENDPOINT_CONCURRENCY,
      pollMs: env.WITTY_WEBHOOK_POLL_MS,
      retentionDays: env.WITTY_WEBHOOK_RETENTION_DAYS,
    },
    mail: {
      smtpUrl: env.WITTY_SMTP_URL ?? null,
      from: env.WITTY_MAIL_FROM ?? `Witty-Home <no-reply@${mailDomainOf(publicUrl)}>`,
      retryDelaysSeconds: env.WITTY_MAIL_RETRY_DELAYS_SECONDS.split(',').map((d) => Number(d)),
    },
    invitationTtlSeconds: env.WITTY_INVITATION_TTL_SECONDS,
    portal: {
      sessionTtlSeconds: env.WITTY_PORTAL_SESSION_TTL_SECONDS,
      openMailbox: env.WITTY_PORTAL_OPEN_MAILBOX,
    },
    sandboxStations: env.WITTY_SANDBOX_STATIONS,
    role: env.WITTY_ROLE,
    sampleRetentionDays: env.WITTY_SAMPLE_RETENTION_DAYS,
    chargeSwitchPollMs: env.WITTY_CHARGE_SWITCH_POLL_MS,
    chargeStopLeadMs: env.WITTY_CHARGE_STOP_LEAD_SECONDS * 1000,
    nodeId: env.WITTY_NODE_ID ?? `${os.hostname()}-${process.pid}`,
    natsUrl: env.WITTY_NATS_URL ?? null,
  });
}

/** The public URL's host when it is a domain name; else localhost (no address literal in From). */
function mailDomainOf(publicUrl: string): string {
  const host = new URL(publicUrl).hostname;
  return /^([a-z0-9-]+\.)+[a-z]{2,}$/i.test(host) ? host : 'localhost';
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
