import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startJobs, type Job } from '../../src/jobs.js';
import type { CommandRow } from '../../src/stations/store.js';
import { aHome } from '../helpers/builders.js';
import { TestStation } from '../helpers/station.js';
import { createTestApp, describeEachDialect, type TestApp } from '../helpers/test-app.js';

const silentLog = { warn: () => undefined } as never;

describeEachDialect('pending commands expire by their deadline', (dialect) => {
  let t: TestApp;
  let expire: Job;

  beforeAll(async () => {
    t = await createTestApp(dialect, { WITTY_COMMAND_TIMEOUT_SECONDS: '30' }, { listen: true });
    const job = t.app.jobs.find((candidate) => candidate.name === 'expire overdue commands');
    if (!job) throw new Error('no command expiry job');
    expire = job;
  });
  afterAll(() => t.close());

  /** A command as a process that crashed right after issuing it would have left it. */
  async function leftPending(createdMsAgo: number, deadline: 'none' | number): Promise<string> {
    const now = t.clock.now().getTime();
    const row: CommandRow = {
      id: randomUUID(),
      station_id: randomUUID(),
      uid: 'CRASHED-1',
      type: 'update',
      request: '{}',
      status: 'pending',
      calls: '[]',
      requested_by: randomUUID(),
      created_at: new Date(now - createdMsAgo).toISOString(),
      completed_at: null,
      deadline_at: deadline === 'none' ? null : new Date(now + deadline).toISOString(),
    };
    await t.app.platform.stationStore.insertCommand(row);
    return row.id;
  }
  const statusOf = async (id: string) =>
    await t.app.platform.store.db
      .selectFrom('station_commands')
      .select(['status', 'completed_at'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();

  it('a command left pending stays pending until its deadline, then times out at the next run', async () => {
    const id = await leftPending(10_000, 20_000); // issued 10 s before a crash, 30 s deadline
    await expire.run();
    expect((await statusOf(id)).status).toBe('pending');
    t.clock.advance(21_000);
    await expire.run();
    expect(await statusOf(id)).toEqual({ status: 'timedOut', completed_at: expect.any(String) });
  });

  it('a command stored without a deadline times out one command timeout after its creation', async () => {
    const recent = await leftPending(20_000, 'none');
    const old = await leftPending(31_000, 'none');
    await expire.run();
    expect((await statusOf(recent)).status).toBe('pending');
    expect((await statusOf(old)).status).toBe('timedOut');
  });

  it('the runner gives each command a deadline of one timeout per OCPP call', async () => {
    const { token } = await t.user('owner');
    const home = await aHome(t, token, { serialNumber: 'EXPIRY-1' });
    const station = await TestStation.online(t.wsUrl, home.device);
    station.answers.set('ChangeConfiguration', () => new Promise(() => undefined)); // never answers
    try {
      const response = await t.api('PUT', home.stationPath, {
        token,
        body: { ledPower: 60, tariff1: 'hp', tariff2: 'hc' },
      });
      expect(response.statusCode).toBe(202);
      const row = await t.app.platform.store.db
        .selectFrom('station_commands')
        .selectAll()
        .where('uid', '=', home.device.uid)
        .where('type', '=', 'update')
        .executeTakeFirstOrThrow();
      const planned = Date.parse(row.deadline_at!) - Date.parse(row.created_at);
      // Three ChangeConfiguration calls of 30 s each, and a little slack for the database.
      expect(planned).toBeGreaterThanOrEqual(3 * 30_000);
      expect(planned).toBeLessThan(4 * 30_000);
      // Still running in this process: not expired before its deadline.
      await expire.run();
      expect((await statusOf(row.id)).status).toBe('pending');
    } finally {
      await station.close();
    }
  });
});

describe('startJobs', () => {
  afterEach(() => vi.useRealTimers());

  it('runs each job at start and then every interval, never twice at once, until stopped', async () => {
    vi.useFakeTimers();
    let runs = 0;
    let release: (() => void) | undefined;
    const job: Job = {
      name: 'counting',
      intervalMs: 1000,
      run: () => {
        runs++;
        return new Promise<void>((resolve) => (release = resolve));
      },
    };
    const jobs = startJobs([job], silentLog);
    expect(runs).toBe(1);
    await vi.advanceTimersByTimeAsync(2500); // still running: no second run
    expect(runs).toBe(1);
    release?.();
    await vi.advanceTimersByTimeAsync(1000);
    expect(runs).toBe(2);
    release?.();
    await jobs.stop();
    await vi.advanceTimersByTimeAsync(5000);
    expect(runs).toBe(2);
  });

  it('a failing run is logged and the job keeps running', async () => {
    vi.useFakeTimers();
    const warnings: unknown[] = [];
    let runs = 0;
    const jobs = startJobs(
      [
        {
          name: 'failing',
          intervalMs: 1000,
          run: () => Promise.reject(new Error(`run ${++runs}`)),
        },
      ],
      { warn: (...args: unknown[]) => warnings.push(args) } as never,
    );
    await vi.advanceTimersByTimeAsync(2100);
    expect(runs).toBe(3);
    expect(warnings).toHaveLength(3);
    await jobs.stop();
  });
});
