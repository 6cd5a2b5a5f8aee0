import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import pg from 'pg';
import { describe } from 'vitest';
import { buildApp } from '../../src/app.js';
import type { Clock } from '../../src/clock.js';
import { loadConfig, type Config } from '../../src/config.js';
import { openStore, type Store } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { issueOperatorAccessToken, type Account, type Role } from '../../src/identity/index.js';
import type { SharingMail, SharingMailer } from '../../src/sharing/index.js';
import { freePort } from './http.js';

export type TestDialect = 'sqlite' | 'postgres';

const postgresUrl = process.env.TEST_DATABASE_URL;

/** The dialects the suite runs on: SQLite always, PostgreSQL when TEST_DATABASE_URL is set. */
export const DIALECTS: TestDialect[] = postgresUrl ? ['sqlite', 'postgres'] : ['sqlite'];

let warned = false;
/** Runs a describe block once per dialect (Kysely's habit); says so when PostgreSQL is skipped. */
export function describeEachDialect(name: string, body: (dialect: TestDialect) => void): void {
  if (!postgresUrl && !warned) {
    warned = true;
    console.warn('TEST_DATABASE_URL is not set: PostgreSQL runs are skipped.');
  }
  for (const dialect of DIALECTS) describe(`${name} [${dialect}]`, () => body(dialect));
  if (!postgresUrl)
    describe.skip(`${name} [postgres] (TEST_DATABASE_URL not set)`, () => undefined);
}

/** A clock tests can move: the system's, or `base` (a simulator's faster clock). */
export class TestClock implements Clock {
  private offsetMs = 0;
  constructor(private readonly base: Clock = { now: () => new Date() }) {}
  now(): Date {
    return new Date(this.base.now().getTime() + this.offsetMs);
  }
  advance(ms: number): void {
    this.offsetMs += ms;
  }
  /** Moves the clock to an instant (it keeps running from there). */
  set(instant: Date | string): void {
    this.offsetMs = new Date(instant).getTime() - this.base.now().getTime();
  }
}

/** A fresh, empty database for one test app: a temp SQLite file or a PostgreSQL schema. */
export async function freshDatabase(
  dialect: TestDialect,
): Promise<{ env: Record<string, string>; dataDir: string; drop(): Promise<void> }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'witty-test-'));
  const removeDir = () => fs.rmSync(dataDir, { recursive: true, force: true });
  if (dialect === 'sqlite') {
    return { env: { WITTY_DATA_DIR: dataDir }, dataDir, drop: async () => removeDir() };
  }
  if (!postgresUrl) throw new Error('TEST_DATABASE_URL is not set');
  const schema = `witty_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: postgresUrl });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const url = new URL(postgresUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    env: { WITTY_DATA_DIR: dataDir, DATABASE_URL: url.toString() },
    dataDir,
    async drop() {
      const client = new pg.Client({ connectionString: postgresUrl });
      await client.connect();
      await client.query(`drop schema ${schema} cascade`);
      await client.end();
      removeDir();
    },
  };
}

/** A migrated store on a fresh database; `close` closes it and drops the database. */
export async function migratedStore(
  dialect: TestDialect,
): Promise<{ store: Store; close(): Promise<void> }> {
  const database = await freshDatabase(dialect);
  const store = openStore(loadConfig(database.env).database);
  await migrateToLatest(store);
  return {
    store,
    async close() {
      await store.close();
      await database.drop();
    },
  };
}

export interface TestApp {
  app: FastifyInstance;
  /** ws://127.0.0.1:PORT when the app listens (createTestApp(…, { listen: true })). */
  wsUrl: string;
  config: Config;
  clock: TestClock;
  /** A developer with an approved Starter Pack subscription; its primary key. */
  apiKey: string;
  subscriptionId: string;
  close(): Promise<void>;
  /** Creates an account and an access token for it. */
  user(
    role?: Role,
    email?: string,
    names?: { firstName: string; lastName: string },
  ): Promise<{ account: Account; token: string }>;
  /** Calls the API with the test key and the given token. */
  api(
    method: InjectOptions['method'],
    url: string,
    options?: {
      token?: string;
      key?: string | null;
      body?: unknown;
      headers?: Record<string, string>;
    },
  ): Promise<LightMyRequestResponse>;
}

let counter = 0;

/**
 * Builds the platform with a developer key ready for API calls: on a fresh database, or on
 * `options.database` (which close() then leaves in place, for a process started after it).
 */
export async function createTestApp(
  dialect: TestDialect,
  env: Record<string, string> = {},
  options: {
    listen?: boolean;
    database?: { env: Record<string, string> };
    /** Receives the sharing mails (invitations, owner notices) once their change commits. */
    sharingMailer?: SharingMailer;
    /** The platform's time (e.g. the simulator's SimClock); the system's by default. */
    clock?: Clock;
  } = {},
): Promise<TestApp> {
  const database = options.database
    ? { env: options.database.env, drop: async () => undefined }
    : await freshDatabase(dialect);
  const port = options.listen ? await freePort() : 8080;
  const config = loadConfig({
    WITTY_LOG_LEVEL: 'silent',
    ...database.env,
    PORT: String(port),
    ...env,
  });
  const clock = new TestClock(options.clock);
  const app = await buildApp(config, {
    clock,
    ...(options.sharingMailer ? { sharingMailer: options.sharingMailer } : {}),
  });
  if (options.listen) await app.listen({ port, host: '127.0.0.1' });
  const { platform } = app;
  const keys = await platform.identity.issueStarterPackKeys(`developer-${++counter}@example.com`);
  return {
    app,
    wsUrl: `ws://127.0.0.1:${port}`,
    config,
    clock,
    apiKey: keys.primaryKey,
    subscriptionId: keys.subscriptionId,
    async close() {
      await app.close();
      await database.drop();
    },
    async user(
      role = 'owner',
      email = `user-${++counter}-${randomBytes(3).toString('hex')}@example.com`,
      names,
    ) {
      const account = await platform.identity.createAccount({
        email,
        password: 'a long password',
        role,
        ...names,
      });
      const { access_token } = await issueOperatorAccessToken(
        platform.provider,
        { config, identityStore: platform.identityStore, clock },
        account.accountId,
      );
      return { account, token: access_token };
    },
    api(method, url, options = {}) {
      const headers: Record<string, string> = { ...options.headers };
      const key = options.key === undefined ? keys.primaryKey : options.key;
      if (key !== null) headers['ocp-apim-subscription-key'] = key;
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      return app.inject({
        method,
        url,
        headers,
        ...(options.body === undefined ? {} : { payload: options.body as object }),
      });
    },
  };
}

/** A sharing mailer that keeps what it is given. */
export class RecordingMailer implements SharingMailer {
  readonly sent: SharingMail[] = [];
  enqueue(message: SharingMail): Promise<void> {
    this.sent.push(message);
    return Promise.resolve();
  }
  /** The mails of one kind, in the order they were queued. */
  of<K extends SharingMail['kind']>(kind: K): Extract<SharingMail, { kind: K }>[] {
    return this.sent.filter((m): m is Extract<SharingMail, { kind: K }> => m.kind === kind);
  }
}

/** Reads one of the guide's JSON examples. */
export function guideExample<T = unknown>(file: string): T {
  const examples = path.resolve(import.meta.dirname, '../../../shared/spec/examples');
  return JSON.parse(fs.readFileSync(path.join(examples, file), 'utf8')) as T;
}
