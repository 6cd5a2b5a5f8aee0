import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, expect, it } from 'vitest';
import { backfill } from '../../src/demo/index.js';
import {
  appOn,
  copyOf,
  dumpHistory,
  expectSameHistory,
  historyFixture,
  removeCopies,
  type HistoryFixture,
} from './history-fixture.js';

const REPO_ROOT = path.resolve(import.meta.dirname, '../..');
const DAYS = 60;
let fixture: HistoryFixture | undefined;
let child: ChildProcess | undefined;

afterAll(() => {
  child?.kill('SIGKILL');
  removeCopies(fixture);
});

/** `witty sim backfill` of the fixture's station, in a process of its own. */
function simBackfill(dataDir: string, uid: string): ChildProcess {
  const env: NodeJS.ProcessEnv = { ...process.env, WITTY_DATA_DIR: dataDir };
  delete env.DATABASE_URL;
  return spawn(
    process.execPath,
    [
      'bin/witty.js',
      'sim',
      'backfill',
      '--station',
      uid,
      '--days',
      String(DAYS),
      '--subscription',
      'HCHP',
      '--charge-mode',
      'deferred',
    ],
    { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
}

interface Progress {
  start_at: string;
  end_at: string;
  done_until: string;
  completed_at: string | null;
}

/** The backfill's progress as another process sees it (null before its plan is stored). */
function progressIn(dataDir: string): Progress | null {
  const db = new Database(path.join(dataDir, 'witty.db'), { readonly: true, timeout: 5000 });
  try {
    const table = db.prepare(`select 1 from sqlite_master where name = 'history_backfills'`).get();
    if (!table) return null;
    return (db.prepare('select * from history_backfills').get() as Progress | undefined) ?? null;
  } finally {
    db.close();
  }
}

const exitOf = (process: ChildProcess) =>
  new Promise<number | null>((resolve) => process.once('exit', (code) => resolve(code)));

it('killed (SIGKILL) in the middle of its history, the backfill started again ends it complete, without a duplicate', async () => {
  fixture = await historyFixture();
  const crashed = copyOf(fixture);

  // Killed once some days are stored and most are not.
  child = simBackfill(crashed, fixture.uid);
  const exited = exitOf(child);
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let progress: Progress | null = null;
  for (let polls = 0; ; polls++) {
    if (child.exitCode !== null)
      throw new Error(`sim backfill ended before it was killed: ${output}`);
    if (polls > 6000) throw new Error('sim backfill stored no day in time');
    progress = progressIn(crashed);
    if (progress && progress.done_until > progress.start_at) break;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  child.kill('SIGKILL');
  await exited;
  const cut = progressIn(crashed)!;
  expect(cut.completed_at).toBeNull();
  expect(Date.parse(cut.done_until)).toBeLessThan(Date.parse(cut.end_at));

  // Started again, it carries on from the last day stored and ends.
  child = simBackfill(crashed, fixture.uid);
  expect(await exitOf(child)).toBe(0);
  expect(progressIn(crashed)!.completed_at).not.toBeNull();

  // The same history as one run that was never cut, on the same plan.
  const whole = copyOf(fixture);
  const t = await appOn(whole);
  await backfill(t.app.platform, {
    uid: fixture.uid,
    days: DAYS,
    end: new Date(cut.end_at),
    subscription: 'HCHP',
    chargeMode: 'deferred',
  });
  await t.close();
  expectSameHistory(dumpHistory(crashed), dumpHistory(whole));
}, 240_000);
