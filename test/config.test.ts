import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

/** The ConfigError thrown for an environment; fails the test when nothing is thrown. */
function configErrorOf(environment: Record<string, string>): ConfigError {
  try {
    loadConfig(environment);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(environment)}`);
}

/** The settings named by a ConfigError's problems ("PORT: must be integer …" → PORT). */
function settingsNamedBy(error: ConfigError): string[] {
  return [
    ...new Set(error.problems.map((problem) => problem.slice(0, problem.indexOf(':')))),
  ].sort();
}

describe('loadConfig', () => {
  describe('defaults', () => {
    it('serves on 127.0.0.1:8080 with an SQLite file under ./data', () => {
      const config = loadConfig({});
      const dataDir = path.resolve('data');

      expect(config).toEqual({
        port: 8080,
        host: '127.0.0.1',
        publicUrl: 'http://127.0.0.1:8080',
        dataDir,
        database: { dialect: 'sqlite', file: path.join(dataDir, 'witty.db') },
        logLevel: 'info',
        rateLimit: { max: 600, windowSeconds: 60 },
        oauth: {
          apiAudience: 'http://127.0.0.1:8080/v1',
          accessTokenTtlSeconds: 3600,
          refreshTokenTtlSeconds: 30 * 86400,
        },
        trustProxy: false,
        commandTimeoutMs: 30_000,
        shutdownTimeoutMs: 10_000,
        http: {
          requestTimeoutMs: 30_000,
          headersTimeoutMs: 10_000,
          idleTimeoutMs: 60_000,
          keepAliveTimeoutMs: 10_000,
          bodyLimitBytes: 65_536,
          maxHeaderBytes: 16_384,
          authCacheSeconds: 2,
        },
        metricsToken: null,
        signIn: { freeFailures: 5, maxDelaySeconds: 900 },
        anonymousRateLimitMax: 60,
        associationRateLimit: { max: 10, windowSeconds: 3600 },
        ocppMaxFrameBytes: 65_536,
        webhooks: {
          retryDelaysSeconds: [10, 30, 60, 300, 600, 1800, ...Array<number>(24).fill(3600)],
          allowPrivate: false,
          timeoutMs: 30_000,
          validationTimeoutMs: 10_000,
          concurrency: 256,
          endpointConcurrency: 16,
          pollMs: 1000,
          retentionDays: 30,
        },
        mail: {
          smtpUrl: null,
          from: 'Witty-Home <no-reply@localhost>',
          retryDelaysSeconds: [60, 300, 900, 1800, ...Array<number>(24).fill(3600)],
        },
        invitationTtlSeconds: 7 * 86400,
        portal: { sessionTtlSeconds: 7 * 86400, openMailbox: false },
        sandboxStations: true,
        role: 'all',
        sampleRetentionDays: 0,
        chargeSwitchPollMs: 15_000,
        chargeStopLeadMs: 60_000,
        nodeId: `${os.hostname()}-${process.pid}`,
        natsUrl: null,
      });
    });

    it('sends mail through WITTY_SMTP_URL (smtp:// or smtps://) from WITTY_MAIL_FROM or the public host', () => {
      const config = loadConfig({
        WITTY_SMTP_URL: 'smtps://user:p%40ss@mail.example.org:465',
        PUBLIC_URL: 'https://witty.example.org',
      });
      expect(config.mail.smtpUrl).toBe('smtps://user:p%40ss@mail.example.org:465');
      expect(config.mail.from).toBe('Witty-Home <no-reply@witty.example.org>');
      expect(loadConfig({ WITTY_MAIL_FROM: 'Maison <m@example.com>' }).mail.from).toBe(
        'Maison <m@example.com>',
      );
      expect(
        loadConfig({ WITTY_MAIL_RETRY_DELAYS_SECONDS: '5, 10' }).mail.retryDelaysSeconds,
      ).toEqual([5, 10]);
      for (const [key, bad] of [
        ['WITTY_SMTP_URL', 'http://mail.example.org'],
        ['WITTY_SMTP_URL', 'smtp://mail.example.org/path'],
        ['WITTY_MAIL_FROM', 'no address'],
        ['WITTY_MAIL_RETRY_DELAYS_SECONDS', '1;2'],
      ] as const)
        expect(() => loadConfig({ [key]: bad })).toThrow(new RegExp(key));
    });

    it('takes the webhook retry schedule as a comma list, and refuses anything else', () => {
      expect(
        loadConfig({ WITTY_WEBHOOK_RETRY_DELAYS_SECONDS: ' 1, 2,3 ' }).webhooks.retryDelaysSeconds,
      ).toEqual([1, 2, 3]);
      for (const bad of ['1,,2', 'ten', '1;2', '-1'])
        expect(() => loadConfig({ WITTY_WEBHOOK_RETRY_DELAYS_SECONDS: bad })).toThrow(
          /WITTY_WEBHOOK_RETRY_DELAYS_SECONDS/,
        );
    });

    it('puts the SQLite database at <WITTY_DATA_DIR>/witty.db, as an absolute path', () => {
      const config = loadConfig({ WITTY_DATA_DIR: 'some/relative/dir' });

      expect(config.dataDir).toBe(path.resolve('some/relative/dir'));
      expect(config.database).toEqual({
        dialect: 'sqlite',
        file: path.join(path.resolve('some/relative/dir'), 'witty.db'),
      });
    });

    it('treats an empty value as unset', () => {
      expect(loadConfig({ PORT: '', HOST: '', DATABASE_URL: '', WITTY_LOG_LEVEL: '' })).toEqual(
        loadConfig({}),
      );
    });

    it('ignores environment variables it does not know', () => {
      const config = loadConfig({
        PATH: '/usr/bin',
        HOME: '/root',
        WITTY_UNKNOWN_SETTING: 'whatever',
        port: 'lowercase is another variable',
      });

      expect(config).toEqual(loadConfig({}));
    });
  });

  describe('conversions', () => {
    it.each([
      ['PORT', '9000', 'port', 9000],
      ['PORT', '0', 'port', 0],
      ['WITTY_RATE_LIMIT_MAX', '50', 'rateLimit.max', 50],
      ['WITTY_SHUTDOWN_TIMEOUT_MS', '2500', 'shutdownTimeoutMs', 2500],
      ['WITTY_OCPP_MAX_FRAME_BYTES', '4096', 'ocppMaxFrameBytes', 4096],
      ['WITTY_ACCESS_TOKEN_TTL_SECONDS', '600', 'oauth.accessTokenTtlSeconds', 600],
      ['WITTY_TRUST_PROXY', 'true', 'trustProxy', true],
      ['WITTY_TRUST_PROXY', 'false', 'trustProxy', false],
      ['WITTY_LOG_LEVEL', 'silent', 'logLevel', 'silent'],
    ])('%s=%s gives %s = %j', (variable, value, property, expected) => {
      expect(loadConfig({ [variable]: value })).toHaveProperty(property, expected);
    });

    it.each([
      ['postgres://witty:secret@db:5432/witty'],
      ['postgresql://witty@localhost/witty?sslmode=disable'],
    ])('DATABASE_URL=%s selects PostgreSQL', (url) => {
      expect(loadConfig({ DATABASE_URL: url }).database).toEqual({
        dialect: 'postgres',
        url,
        poolSize: 10,
      });
    });

    it('WITTY_DATABASE_POOL_SIZE sets the PostgreSQL connections of the process', () => {
      const url = 'postgres://witty@db/witty';
      expect(
        loadConfig({ DATABASE_URL: url, WITTY_DATABASE_POOL_SIZE: '40' }).database,
      ).toMatchObject({ poolSize: 40 });
      expect(() => loadConfig({ DATABASE_URL: url, WITTY_DATABASE_POOL_SIZE: '0' })).toThrow(
        /WITTY_DATABASE_POOL_SIZE/,
      );
    });

    it('DATABASE_URL=sqlite://<path> selects that SQLite file', () => {
      expect(loadConfig({ DATABASE_URL: 'sqlite:///var/lib/witty/other.db' }).database).toEqual({
        dialect: 'sqlite',
        file: '/var/lib/witty/other.db',
      });
    });
  });

  it('WITTY_AUTH_CACHE_SECONDS bounds how long checked callers are trusted: 2 s, 0 to 5', () => {
    expect(loadConfig({}).http.authCacheSeconds).toBe(2);
    expect(loadConfig({ WITTY_AUTH_CACHE_SECONDS: '0' }).http.authCacheSeconds).toBe(0);
    expect(() => loadConfig({ WITTY_AUTH_CACHE_SECONDS: '6' })).toThrow(/WITTY_AUTH_CACHE_SECONDS/);
  });

  it('WITTY_ROLE, WITTY_NODE_ID and WITTY_NATS_URL: all, HOSTNAME-PID and none by default', () => {
    const config = loadConfig({});
    expect(config.role).toBe('all');
    expect(config.nodeId).toBe(`${os.hostname()}-${process.pid}`);
    expect(config.natsUrl).toBeNull();
    const node = loadConfig({
      WITTY_ROLE: 'gateway',
      WITTY_NODE_ID: 'gw-1',
      WITTY_NATS_URL: 'nats://10.0.0.5:4222',
    });
    expect([node.role, node.nodeId, node.natsUrl]).toEqual([
      'gateway',
      'gw-1',
      'nats://10.0.0.5:4222',
    ]);
    expect(() => loadConfig({ WITTY_ROLE: 'boss' })).toThrow(/WITTY_ROLE/);
    expect(() => loadConfig({ WITTY_NODE_ID: 'a b' })).toThrow(/WITTY_NODE_ID/);
    expect(() => loadConfig({ WITTY_NATS_URL: 'http://nats:4222' })).toThrow(/WITTY_NATS_URL/);
  });

  describe('public URL and API audience', () => {
    it.each([
      [{ PORT: '9000' }, 'http://127.0.0.1:9000'],
      [{ HOST: '0.0.0.0' }, 'http://localhost:8080'],
      [{ HOST: '::', PORT: '9000' }, 'http://localhost:9000'],
      [{ HOST: 'witty.lan' }, 'http://witty.lan:8080'],
      [{ PUBLIC_URL: 'https://witty.example.com/' }, 'https://witty.example.com'],
      [{ PUBLIC_URL: 'https://example.com/witty//' }, 'https://example.com/witty'],
      [{ PUBLIC_URL: 'https://witty.example.com', HOST: '0.0.0.0' }, 'https://witty.example.com'],
    ])('%j gives %s', (environment, publicUrl) => {
      const config = loadConfig(environment);

      expect(config.publicUrl).toBe(publicUrl);
      expect(config.oauth.apiAudience).toBe(`${publicUrl}/v1`);
    });
  });

  it('returns a deeply frozen object', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://db/witty' });

    expect(Object.isFrozen(config)).toBe(true);
    for (const inner of [config.database, config.rateLimit, config.oauth]) {
      expect(Object.isFrozen(inner)).toBe(true);
    }
    expect(() => {
      (config as { port: number }).port = 1;
    }).toThrow(TypeError);
    expect(() => {
      (config.oauth as { apiAudience: string }).apiAudience = 'https://evil.example';
    }).toThrow(TypeError);
  });

  describe('invalid settings', () => {
    it.each([
      ['PORT', 'abc'],
      ['PORT', '70000'],
      ['PORT', '-1'],
      ['PUBLIC_URL', 'ftp://witty.example.com'],
      ['PUBLIC_URL', 'witty.example.com'],
      ['DATABASE_URL', 'mysql://db/witty'],
      ['WITTY_LOG_LEVEL', 'loud'],
      ['WITTY_RATE_LIMIT_MAX', '0'],
      ['WITTY_ACCESS_TOKEN_TTL_SECONDS', '10'],
      ['WITTY_ACCESS_TOKEN_TTL_SECONDS', '100000'],
      ['WITTY_REFRESH_TOKEN_TTL_SECONDS', '60'],
      ['WITTY_TRUST_PROXY', 'yes'],
      ['WITTY_SHUTDOWN_TIMEOUT_MS', '-5'],
      ['WITTY_INVITATION_TTL_SECONDS', '10'],
    ])('%s=%j is rejected, naming the setting and the value', (variable, value) => {
      const error = configErrorOf({ [variable]: value });

      expect(settingsNamedBy(error)).toEqual([variable]);
      expect(error.message).toContain(variable);
      expect(error.message).toContain(value);
    });

    it('reports every invalid setting in one ConfigError', () => {
      const error = configErrorOf({
        PORT: 'abc',
        WITTY_LOG_LEVEL: 'loud',
        DATABASE_URL: 'mysql://x',
      });

      expect(error.name).toBe('ConfigError');
      expect(settingsNamedBy(error)).toEqual(['DATABASE_URL', 'PORT', 'WITTY_LOG_LEVEL']);
      expect(error.message).toMatch(/^Invalid configuration:\n/);
      for (const problem of error.problems) expect(error.message).toContain(`  - ${problem}`);
    });
  });

  describe('reporting', () => {
    it('names every invalid setting even when one of them yields many errors', () => {
      // Each setting is checked on its own: a union with many branches cannot crowd out others.
      const error = configErrorOf({
        WITTY_LOG_LEVEL: 'loud',
        WITTY_TRUST_PROXY: 'yes',
        WITTY_SHUTDOWN_TIMEOUT_MS: '-1',
      });

      expect(settingsNamedBy(error)).toEqual([
        'WITTY_LOG_LEVEL',
        'WITTY_SHUTDOWN_TIMEOUT_MS',
        'WITTY_TRUST_PROXY',
      ]);
    });

    it.each(['80.5', '0x1F', '1e3'])('rejects PORT=%s instead of converting it', (port) => {
      expect(() => loadConfig({ PORT: port })).toThrow(ConfigError);
    });

    it('lists the accepted log levels', () => {
      expect(configErrorOf({ WITTY_LOG_LEVEL: 'loud' }).problems).toEqual([
        'WITTY_LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent (got "loud")',
      ]);
    });

    it('puts an IPv6 HOST in brackets in the default public URL', () => {
      expect(loadConfig({ HOST: '::1' }).publicUrl).toBe('http://[::1]:8080');
    });
  });
});
