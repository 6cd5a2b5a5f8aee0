import { afterEach, beforeEach, expect, it } from 'vitest';
import type { Store } from '../src/db/database.js';
import { JobLeases, startJobs, type Job } from '../src/jobs.js';
import { describeEachDialect, migratedStore } from './helpers/test-app.js';

const silentLog = { warn: () => undefined } as never;

describeEachDialect('job leases: one node runs each interval of a periodic job', (dialect) => {
  let store: Store;
  let close: () => Promise<void>;
  beforeEach(async () => {
    ({ store, close } = await migratedStore(dialect));
  });
  afterEach(() => close());

  const job = { name: 'purge', intervalMs: 60_000 };
  const at = (ms: number) => new Date(Date.parse('2026-12-04T10:00:00.000Z') + ms);

  it('the first node takes the run; the others get it once 90 % of the interval has passed', async () => {
    const a = new JobLeases(store.db, 'node-a');
    const b = new JobLeases(store.db, 'node-b');
    expect(await a.claim(job, at(0))).toBe(true);
    expect(await b.claim(job, at(0))).toBe(false);
    expect(await b.claim(job, at(30_000))).toBe(false);
    expect(await b.claim(job, at(54_000))).toBe(true);
    expect(await a.claim(job, at(60_000))).toBe(false);
    // Another job has a lease of its own.
    expect(await a.claim({ name: 'expire', intervalMs: 1000 }, at(60_000))).toBe(true);
  });

  it('nodes claiming at the same moment: exactly one takes the run', async () => {
    const nodes = Array.from({ length: 6 }, (_, i) => new JobLeases(store.db, `node-${i}`));
    for (const moment of [0, 60_000, 120_000]) {
      const taken = await Promise.all(nodes.map((node) => node.claim(job, at(moment))));
      expect(taken.filter(Boolean)).toHaveLength(1);
    }
  });
});

it('startJobs with a claim runs a job only when the claim gives it the run', async () => {
  let runs = 0;
  const answers = [false, true];
  const job: Job = {
    name: 'counting',
    intervalMs: 60_000,
    run: () => {
      runs++;
      return Promise.resolve();
    },
  };
  const first = startJobs([job], silentLog, () => Promise.resolve(answers.shift() ?? false));
  await first.stop();
  expect(runs).toBe(0);
  const second = startJobs([job], silentLog, () => Promise.resolve(answers.shift() ?? false));
  await second.stop();
  expect(runs).toBe(1);
});
