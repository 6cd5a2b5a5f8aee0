import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, expect, it } from 'vitest';
import { freePort } from '../helpers/http.js';

const REPO_ROOT = path.resolve(import.meta.dirname, '../..');
const DAYS = 20;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'witty-demo-restart-'));
let demo: ChildProcess | undefined;

afterAll(() => {
  demo?.kill('SIGKILL');
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** `witty demo` on the test's data folder; `lines` resolves once its output matches. */
async function startDemo() {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    WITTY_DATA_DIR: dataDir,
    PORT: String(await freePort()),
    WITTY_LOG_LEVEL: 'warn',
  };
  delete env.DATABASE_URL;
  const child = spawn(
    process.execPath,
    ['bin/witty.js', 'demo', '--days', String(DAYS), '--control-port', String(await freePort())],
    { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  demo = child;
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    output: () => output,
    async until(pattern: RegExp, timeoutMs = 120_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(output)) {
        if (child.exitCode !== null) throw new Error(`demo exited: ${output}`);
        if (Date.now() > deadline) throw new Error(`no ${String(pattern)} in: ${output}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async stop(signal: NodeJS.Signals) {
      child.kill(signal);
      await exited;
    },
  };
}

function query<T>(sql: string): T[] {
  const db = new Database(path.join(dataDir, 'witty.db'), { readonly: true, timeout: 5000 });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

it('the demo killed while its history fills resumes it at the next start, and a start after that feeds none', async () => {
  // First start: killed as soon as the first home is live, the others' history under way.
  let run = await startDemo();
  await run.until(/Maison HC\/HP: history in/);
  await run.stop('SIGKILL');
  const cut = query<{ uid: string; completed_at: string | null }>(
    'select uid, completed_at from history_backfills order by uid',
  );
  expect(cut.filter((row) => row.completed_at === null).length + (3 - cut.length)).toBeGreaterThan(
    0,
  );

  // Second start: the first home goes live at once; the others' history is resumed and ends.
  run = await startDemo();
  await run.until(/History complete/);
  expect(run.output()).not.toMatch(/Maison HC\/HP: history in/);
  expect(run.output()).toMatch(/History of Maison Tempo, Maison Standard \(/);
  await run.stop('SIGTERM');

  // Third start: nothing to fill.
  run = await startDemo();
  await run.until(/curl -H/);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  expect(run.output()).not.toMatch(/History/);
  await run.stop('SIGTERM');

  // Every history complete, each step stored once.
  const plans = query<{ uid: string; start_at: string; end_at: string; completed_at: string }>(
    'select * from history_backfills',
  );
  expect(plans).toHaveLength(3);
  for (const plan of plans) {
    expect(plan.completed_at).not.toBeNull();
    const [meter] = query<{ id: string; station_id: string }>(
      `select id, station_id from grid_meters where uid = '${plan.uid}'`,
    );
    const inHistory = `at > '${plan.start_at}' and at <= '${plan.end_at}'`;
    // The Linky's frame of each 10 minutes: its apparent power, once per step.
    const [frames] = query<{ count: number; distinct: number }>(
      `select count(*) as count, count(distinct at) as "distinct" from measure_samples
       where device_id = '${meter!.id}' and measure = 'ApparentPower' and ${inHistory}`,
    );
    expect(frames!.count).toBe(DAYS * 144);
    expect(frames!.distinct).toBe(frames!.count);
    const duplicates = query(
      `select device_id, measure, at, tariff from measure_samples
       where device_id in ('${meter!.id}', '${meter!.station_id}') and ${inHistory}
       group by device_id, measure, at, tariff having count(*) > 1`,
    );
    expect(duplicates).toEqual([]);
    const sessions = query<{ started_at: string }>(
      `select started_at from charging_sessions where uid = '${plan.uid}' and started_at < '${plan.end_at}'
       group by started_at having count(*) > 1`,
    );
    expect(sessions).toEqual([]);
  }
}, 300_000);
