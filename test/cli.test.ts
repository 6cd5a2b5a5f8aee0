import { execFile, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { buildPlatform } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { startServe } from './helpers/serve.js';

// Black-box tests of the `witty` command: each case spawns `node bin/witty.js …` as an
// operator would. A spawn costs about a second (tsx start-up), so suites share a data dir.

const REPO_ROOT = path.resolve(import.meta.dirname, '..');
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const KEY = /^[0-9a-f]{32}$/;
const SPAWN_TIMEOUT_MS = 30_000;
const GUID_EXAMPLE = '00000000-0000-4000-8000-000000000000';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

const dataDirs: string[] = [];

/** A fresh, empty WITTY_DATA_DIR, removed after the file's tests. */
function freshDataDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'witty-cli-'));
  dataDirs.push(dir);
  return dir;
}

afterAll(() => {
  for (const dir of dataDirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** The child's environment: ours, minus any platform setting, plus the given ones. */
function cliEnvironment(settings: Record<string, string>): NodeJS.ProcessEnv {
  const environment: NodeJS.ProcessEnv = { ...process.env, WITTY_LOG_LEVEL: 'silent' };
  for (const name of ['DATABASE_URL', 'PUBLIC_URL', 'PORT', 'HOST']) delete environment[name];
  return { ...environment, ...settings };
}

/** Runs `witty <args>` to completion. */
function witty(args: string[], settings: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['bin/witty.js', ...args],
      { cwd: REPO_ROOT, env: cliEnvironment(settings), timeout: SPAWN_TIMEOUT_MS },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Runs `witty <args>`, expects success and returns its JSON output. */
async function wittyJson<T = Record<string, unknown>>(
  args: string[],
  settings: Record<string, string>,
): Promise<T> {
  const run = await witty(args, settings);
  expect(run, `witty ${args.join(' ')} failed: ${run.stderr}`).toMatchObject({ code: 0 });
  return JSON.parse(run.stdout) as T;
}

/** Decodes one part of a compact JWT (no signature check: the server does that below). */
function jwtPart(token: string, index: 0 | 1): Record<string, unknown> {
  const part = token.split('.')[index];
  if (part === undefined) throw new Error(`not a JWT: ${token}`);
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** A TCP port nobody listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const newAccount = (email: string, role = 'owner') => [
  'users',
  'create',
  '--email',
  email,
  '--password',
  'a long password',
  '--role',
  role,
];

describe('witty CLI', { timeout: SPAWN_TIMEOUT_MS }, () => {
  const dataDir = freshDataDir();
  const settings = { WITTY_DATA_DIR: dataDir };
  let owner: { accountId: string; email: string; role: string };

  beforeAll(async () => {
    owner = await wittyJson(newAccount('owner@example.com'), settings);
  }, SPAWN_TIMEOUT_MS);

  describe('users create', () => {
    it('prints the new account as JSON', () => {
      expect(owner).toEqual({
        accountId: expect.stringMatching(GUID),
        email: 'owner@example.com',
        role: 'owner',
        firstName: null,
        lastName: null,
        enabled: true,
        emailConfirmed: true,
        culture: 'en-GB',
      });
    });

    it('takes --first-name and --last-name', async () => {
      const named = await wittyJson(
        [
          ...newAccount('named@example.com', 'installer'),
          '--first-name',
          'Bob',
          '--last-name',
          'Durand',
        ],
        settings,
      );
      expect(named).toMatchObject({ role: 'installer', firstName: 'Bob', lastName: 'Durand' });
    });

    it('refuses an e-mail address that already has an account, with exit code 1', async () => {
      const run = await witty(newAccount('owner@example.com'), settings);

      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toBe('witty: an account already exists for owner@example.com\n');
    });
  });

  describe('usage errors exit with code 2, before touching the database', () => {
    // A data dir of their own, to check that nothing is created in it.
    const untouchedDir = freshDataDir();

    it.each([
      [
        'missing --email',
        ['users', 'create', '--password', 'a long password', '--role', 'owner'],
        '--email is required',
      ],
      [
        'a bad --role',
        newAccount('x@example.com', 'king'),
        '--role must be one of owner, installer',
      ],
      ['an unknown option', ['users', 'create', '--bogus'], "Unknown option '--bogus'"],
      ['an unknown command', ['frobnicate'], 'unknown command "frobnicate"'],
      [
        'a --redirect-uri that is not a URL',
        ['clients', 'create', '--name', 'App', '--redirect-uri', 'notaurl'],
        '--redirect-uri notaurl must be an http(s) URL',
      ],
      [
        'a javascript: --redirect-uri',
        ['clients', 'create', '--name', 'App', '--redirect-uri', 'javascript:alert(1)'],
        '--redirect-uri javascript:alert(1) must be an http(s) URL',
      ],
      ['no command', [], 'a command is required'],
      ['sim without --url', ['sim', '--station', 'A:B'], '--url is required'],
      [
        'sim with an http URL',
        ['sim', '--url', 'http://x', '--station', 'A:B'],
        '--url must be ws://',
      ],
      [
        'sim at speed 0',
        ['sim', '--url', 'ws://x', '--station', 'A:B', '--speed', '0'],
        '--speed must be between 1 and 3600',
      ],
      ['sim without stations', ['sim', '--url', 'ws://x'], 'give at least one --station'],
      [
        'sim with a bad station',
        ['sim', '--url', 'ws://x', '--station', 'nopassword'],
        '--station nopassword must be UID:PASSWORD',
      ],
      [
        'sim --no-smart-charging without --generic',
        ['sim', '--url', 'ws://x', '--station', 'A:B', '--no-smart-charging'],
        '--no-smart-charging needs --generic',
      ],
      [
        'sim --generic with a charge mode',
        ['sim', '--url', 'ws://x', '--station', 'A:B', '--generic', '--charge-mode', 'deferred'],
        '--charge-mode is a Witty setting',
      ],
      ['demo at speed 9999', ['demo', '--speed', '9999'], '--speed must be between 1 and 3600'],
      [
        'serve with a bad --role',
        ['serve', '--role', 'boss'],
        '--role must be all, api, gateway or worker',
      ],
      [
        'webhooks deliveries without --subscription',
        ['webhooks', 'deliveries'],
        '--subscription is required',
      ],
      [
        'webhooks redeliver with a bad --delivery',
        ['webhooks', 'redeliver', '--subscription', GUID_EXAMPLE, '--delivery', 'x'],
        '--delivery must be a UUID',
      ],
      [
        'webhooks list with a bad --installation',
        ['webhooks', 'list', '--installation', 'zero'],
        '--installation must be an installation id',
      ],
    ])('%s', async (_case, args, message) => {
      const run = await witty(args, { WITTY_DATA_DIR: untouchedDir });

      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toContain(`witty: ${message}`);
      expect(run.stderr).toContain('Usage: witty <command> [options]');
      expect(fs.readdirSync(untouchedDir)).toEqual([]);
    });
  });

  describe('apikeys create', () => {
    it('prints a Starter Pack subscription and its two keys; again, new keys for it', async () => {
      const first = await wittyJson(['apikeys', 'create', '--email', 'dev@example.com'], settings);
      const second = await wittyJson(['apikeys', 'create', '--email', 'dev@example.com'], settings);

      for (const keys of [first, second]) {
        expect(keys).toEqual({
          subscriptionId: expect.stringMatching(GUID),
          primaryKey: expect.stringMatching(KEY),
          secondaryKey: expect.stringMatching(KEY),
        });
      }
      expect(second.subscriptionId).toBe(first.subscriptionId);
      expect(second.primaryKey).not.toBe(first.primaryKey);
      expect(second.secondaryKey).not.toBe(first.secondaryKey);
      expect(first.primaryKey).not.toBe(first.secondaryKey);
    });
  });

  describe('token', () => {
    it('prints a one-hour bearer access token for the account, as an at+jwt for the API', async () => {
      const issued = await wittyJson(['token', '--email', 'owner@example.com'], settings);

      expect(issued).toEqual({
        access_token: expect.any(String),
        token_type: 'Bearer',
        expires_in: 3600,
      });
      const token = issued.access_token as string;
      expect(token.split('.')).toHaveLength(3);
      expect(jwtPart(token, 0)).toMatchObject({ typ: 'at+jwt', alg: 'RS256' });
      const claims = jwtPart(token, 1);
      expect(claims).toMatchObject({
        sub: owner.accountId,
        iss: 'http://127.0.0.1:8080',
        aud: 'http://127.0.0.1:8080/v1',
      });
      expect(String(claims.scope).split(' ')).toContain('api');
      expect(Number(claims.exp) - Number(claims.iat)).toBe(3600);
    });

    it('refuses an e-mail address without an account, with exit code 1', async () => {
      const run = await witty(['token', '--email', 'nobody@example.com'], settings);

      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toBe('witty: no account for nobody@example.com\n');
    });
  });

  describe('clients create', () => {
    it('registers a public client (PKCE, no secret) and prints its metadata', async () => {
      const client = await wittyJson(
        ['clients', 'create', '--name', 'App', '--redirect-uri', 'http://localhost:3000/cb'],
        settings,
      );

      expect(client).toEqual({
        client_id: expect.stringMatching(GUID),
        client_name: 'App',
        redirect_uris: ['http://localhost:3000/cb'],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
      });
    });
  });

  describe('devices', () => {
    it('provisions a station with a generated password, lists it, and refuses a duplicate uid', async () => {
      const device = await wittyJson(
        [
          'devices',
          'provision',
          '--uid',
          'Fbo5WTTsSeeLQ8YYoLzNwN',
          '--serial',
          '1234ABCDEF5678',
          '--mac',
          'f8:f5:05:dc:33:83',
        ],
        settings,
      );
      expect(device).toEqual({
        uid: 'Fbo5WTTsSeeLQ8YYoLzNwN',
        serialNumber: '1234ABCDEF5678',
        macAddress: 'F8-F5-05-DC-33-83',
        productionDate: expect.any(String),
        productReference: 'XEVFR',
        password: expect.stringMatching(/^[\w-]{24}$/),
      });
      const list = await wittyJson<Record<string, unknown>[]>(['devices', 'list'], settings);
      expect(list).toContainEqual({ ...device, password: undefined });
      expect(JSON.stringify(list)).not.toContain(String(device.password));
      const again = await witty(
        ['devices', 'provision', '--uid', 'Fbo5WTTsSeeLQ8YYoLzNwN', '--serial', 'OTHER'],
        settings,
      );
      expect(again.code).toBe(1);
      expect(again.stderr).toBe('witty: a device with uid Fbo5WTTsSeeLQ8YYoLzNwN already exists\n');
    });
  });

  describe('webhooks', () => {
    // Five witty processes in a row: more time than one spawn's limit on a loaded machine.
    it(
      'lists subscriptions, shows a delivery log and makes a delivery due again',
      { timeout: 4 * SPAWN_TIMEOUT_MS },
      async () => {
        // A subscription with one failed delivery, as the platform would have left them.
        const platform = await buildPlatform(
          loadConfig({ ...settings, WITTY_LOG_LEVEL: 'silent' }),
        );
        const ids = { subscription: randomUUID(), event: randomUUID(), delivery: randomUUID() };
        try {
          const installation = await platform.installations.create(
            { account: { accountId: owner.accountId } } as never,
            {
              name: 'Maison',
              locationName: 'Paris',
              locationGpsCoordinates: { latitude: 48.8, longitude: 2.3 },
            },
          );
          const now = new Date().toISOString();
          const db = platform.store.db;
          await db
            .insertInto('event_subscriptions')
            .values({
              id: ids.subscription,
              installation_id: installation.installationId,
              account_id: owner.accountId,
              protocol_code: 'Webhook',
              endpoint_url: 'https://receiver.example/hook',
              event_type: null,
              subject_begins_with: '',
              subject_ends_with: '',
              state: 'Created',
              state_reason: null,
              validation_code: null,
              validation_expires_at: null,
              secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
              previous_secret: null,
              previous_secret_expires_at: null,
              created_at: now,
              modified_at: null,
              last_success_at: null,
            })
            .execute();
          await db
            .insertInto('events')
            .values({
              id: ids.event,
              installation_id: installation.installationId,
              station_id: randomUUID(),
              type: 'XEVFR.state_EVCS_cybersecurity',
              subject: 'installations/1/charging-stations/x',
              data: '{}',
              event_time: now,
              created_at: now,
            })
            .execute();
          await db
            .insertInto('webhook_deliveries')
            .values({
              id: ids.delivery,
              event_id: ids.event,
              subscription_id: ids.subscription,
              state: 'failed',
              attempt_count: 1,
              next_attempt_at: null,
              lease_until: null,
              first_failure_at: null,
              created_at: now,
              completed_at: now,
            })
            .execute();
        } finally {
          await platform.closeNotifications();
          await platform.store.close();
        }
        const list = await wittyJson<Record<string, unknown>[]>(['webhooks', 'list'], settings);
        expect(list).toContainEqual(
          expect.objectContaining({ eventSubscriptionId: ids.subscription, state: 'Created' }),
        );
        const log = await wittyJson<Record<string, unknown>[]>(
          ['webhooks', 'deliveries', '--subscription', ids.subscription],
          settings,
        );
        expect(log).toEqual([
          expect.objectContaining({
            deliveryId: ids.delivery,
            eventId: ids.event,
            state: 'failed',
          }),
        ]);
        const again = await wittyJson(
          ['webhooks', 'redeliver', '--subscription', ids.subscription, '--delivery', ids.delivery],
          settings,
        );
        expect(again).toEqual({ deliveryId: ids.delivery, eventId: ids.event, state: 'pending' });
        const unknown = await witty(
          ['webhooks', 'redeliver', '--subscription', ids.subscription, '--delivery', GUID_EXAMPLE],
          settings,
        );
        expect(unknown.code).toBe(1);
        expect(unknown.stderr).toContain(`witty: Delivery ${GUID_EXAMPLE} is not in this log.`);
      },
    );
  });

  describe('migrate', () => {
    it('applies the migrations the first time and none the second', async () => {
      const freshSettings = { WITTY_DATA_DIR: freshDataDir() };

      const first = await wittyJson<{ dialect: string; applied: string[] }>(
        ['migrate'],
        freshSettings,
      );
      const second = await wittyJson(['migrate'], freshSettings);

      expect(first.dialect).toBe('sqlite');
      expect(first.applied.length).toBeGreaterThan(0);
      expect(first.applied).toContain('0001-foundation');
      expect(second).toEqual({ dialect: 'sqlite', applied: [] });
    });
  });

  describe('settings', () => {
    it('exits with code 1 and names an invalid setting', async () => {
      const run = await witty(['migrate'], { ...settings, PORT: 'abc' });

      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/^witty: Invalid configuration:\n {2}- PORT: .*"abc"/);
    });
  });
});

describe('witty serve, end to end', () => {
  let server: ChildProcess | undefined;

  afterEach(() => {
    // Only reached with a live server when the test failed half-way.
    if (server && server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
  });

  it(
    'answers an API call made with keys and a token from the CLI, then stops cleanly on SIGTERM',
    { timeout: 60_000 },
    async () => {
      const port = await freePort();
      const shutdownTimeoutMs = 5000;
      // The same PORT everywhere: the token's issuer and audience derive from it.
      const settings = {
        WITTY_DATA_DIR: freshDataDir(),
        PORT: String(port),
        WITTY_SHUTDOWN_TIMEOUT_MS: String(shutdownTimeoutMs),
      };
      const keys = await wittyJson(['apikeys', 'create', '--email', 'dev@example.com'], settings);
      await wittyJson(newAccount('owner@example.com'), settings);
      const { access_token } = await wittyJson(['token', '--email', 'owner@example.com'], settings);

      const serve = await startServe(cliEnvironment(settings));
      server = serve.child;
      const { exited } = serve;
      expect(serve.output().stdout).toContain(`API        http://127.0.0.1:${port}/v1`);

      const response = await fetch(`http://127.0.0.1:${port}/v1/installations`, {
        headers: {
          'Ocp-Apim-Subscription-Key': keys.primaryKey as string,
          Authorization: `Bearer ${access_token as string}`,
        },
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual([]);

      const stoppedAt = Date.now();
      serve.child.kill('SIGTERM');
      const code = await Promise.race([
        exited,
        new Promise<string>((resolve) =>
          setTimeout(() => resolve('still running'), shutdownTimeoutMs + 2000),
        ),
      ]);
      expect(code, serve.output().stderr).toBe(0);
      expect(Date.now() - stoppedAt).toBeLessThan(shutdownTimeoutMs);
    },
  );
});
