/**
 * Every bench, one after the other, each in a process of its own (`node --import tsx bench/X.ts`),
 * then one report of their figures: bench/report.json and bench/report.md, with the machine they
 * ran on. A bench records its figures with `recordFigure` (bench/figures.ts) into the file that
 * WITTY_BENCH_FIGURES names; a bench that exits non-zero, or records nothing, is reported failed
 * with the tail of its output, and the others still run. A figure that misses its target is a
 * FAIL in the table, not a failure of the run.
 *
 *   npm run bench [-- --quick] [-- --only gateway,webhooks] [-- --verbose]
 *
 * --quick: fewer stations and seconds, under 3 minutes on 2 cores; its figures show the benches
 * work, not what the platform does (WITTY_BENCH_QUICK=1 is set for the benches that read it).
 * A bench that runs past TIMEOUT_MS is stopped and reported failed.
 * --only: runs by name (`webhooks` runs both databases, `webhooks:postgresql` one).
 * --verbose: each bench's output as it comes, instead of its tail when it fails.
 * PostgreSQL runs use TEST_DATABASE_URL, or postgres://postgres@127.0.0.1:5432/test, when it
 * answers. Exits 1 when a bench failed.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import pg from 'pg';
import * as prettier from 'prettier';
import { meetsTarget, type Figure } from './figures.js';
import { buildIsCurrent } from './processes.js';

const root = path.resolve(import.meta.dirname, '..');

/** One run of one bench. */
interface BenchRun {
  /** The bench's file under bench/, without `.ts`. */
  bench: string;
  /** Arguments of the full run, and of the quick one (null: the full run only). */
  args: string[];
  quickArgs: string[] | null;
  /**
   * `postgresql`: the run is on PostgreSQL (DATABASE_URL, of which the bench takes a fresh
   * schema) and needs it. `both`: the bench runs SQLite, and PostgreSQL itself when
   * TEST_DATABASE_URL is set. Otherwise SQLite only.
   */
  database?: 'postgresql' | 'both';
}

/**
 * The runs, in order. The quick runs keep each bench's load real but short (most of their time
 * on two cores goes to starting processes); the PostgreSQL runs of the webhooks and the API are
 * in the full run only.
 */
const RUNS: BenchRun[] = [
  {
    bench: 'gateway',
    // Then, on the same platform process, 1,000 to 10,000 stations until the command p99 passes 50 ms.
    args: ['--find-max', '--steps', '1000,2000,4000,7000,10000'],
    // At 300× a station's heartbeat and meter values come every 2 s: each sends in the window.
    quickArgs: [
      '--stations',
      '200',
      '--seconds',
      '2',
      '--speed',
      '300',
      '--commands',
      '10',
      '--find-max',
      '--steps',
      '100,200,400',
      '--step-seconds',
      '1.5',
    ],
  },
  { bench: 'ingest-ceiling', args: [], quickArgs: ['--stations', '10', '--seconds', '2'] },
  {
    bench: 'ingest-ceiling',
    args: ['--seconds', '10'],
    quickArgs: ['--stations', '10', '--seconds', '2'],
    database: 'postgresql',
  },
  {
    bench: 'aggregation',
    args: [],
    quickArgs: ['--stations', '2', '--days', '30', '--queries', '30'],
    database: 'both',
  },
  // The endpoint concurrency of the runs in docs/benchmarks.md that the target is stated for.
  {
    bench: 'webhooks',
    args: ['--endpoint-concurrency', '64'],
    quickArgs: [
      '--endpoint-concurrency',
      '64',
      '--installations',
      '5',
      '--seconds',
      '2',
      '--warmup',
      '1',
    ],
  },
  {
    bench: 'webhooks',
    args: ['--endpoint-concurrency', '64'],
    quickArgs: null,
    database: 'postgresql',
  },
  { bench: 'ocpp-flood', args: [], quickArgs: ['--calls', '1000', '--polls', '50'] },
  {
    bench: 'abuse-memory',
    args: [],
    quickArgs: [
      '--stations',
      '20',
      '--rounds',
      '1',
      '--idle',
      '5',
      '--churn',
      '300',
      '--requests',
      '200',
    ],
  },
  { bench: 'ingest-path', args: [], quickArgs: ['--stations', '300', '--seconds', '1.5'] },
  { bench: 'statements', args: [], quickArgs: ['--iterations', '2000'] },
  { bench: 'api', args: [], quickArgs: ['--seconds', '2', '--routes', 'station,installations'] },
  { bench: 'api', args: [], quickArgs: null, database: 'postgresql' },
  // Scale-out on one machine: what a second node adds (or costs) there.
  { bench: 'workers', args: [], quickArgs: null, database: 'postgresql' },
  { bench: 'api-nodes', args: [], quickArgs: null, database: 'postgresql' },
  {
    bench: 'cross-node',
    args: [],
    quickArgs: ['--stations', '200', '--commands', '20', '--seconds', '4'],
    database: 'postgresql',
  },
  // The same measure in both: the start of the real demo, with its 90 days of history.
  { bench: 'cold-start', args: [], quickArgs: ['--quick'] },
];

/** How long one bench may run before it is stopped and reported failed. */
const TIMEOUT_MS = { quick: 150_000, full: 45 * 60_000 };
/** Lines of a failed bench's output kept in the report. */
const TAIL_LINES = 30;
const DEFAULT_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';

/** The bench running now, stopped with the harness. */
let running: ChildProcess | undefined;

interface RunResult {
  name: string;
  bench: string;
  database: 'sqlite' | 'postgresql' | 'both';
  command: string;
  status: 'passed' | 'failed' | 'skipped';
  /** Why it failed or was skipped. */
  reason?: string;
  seconds?: number;
  figures: (Figure & { result?: 'PASS' | 'FAIL' })[];
  /** The last lines of a failed bench's output. */
  outputTail?: string;
}

const runName = (run: BenchRun) =>
  run.database === 'postgresql' ? `${run.bench}:postgresql` : run.bench;

const print = (line: string) => process.stdout.write(`${line}\n`);

/** `select version()` of the database at `url`, or undefined when it does not answer. */
async function postgresVersion(url: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const { rows } = await client.query<{ version: string }>('select version()');
    return rows[0]?.version;
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function git(...args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

function operatingSystem(): string {
  let distribution = '';
  try {
    distribution =
      /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(fs.readFileSync('/etc/os-release', 'utf8'))?.[1] ?? '';
  } catch {
    // Not Linux, or no os-release: the kernel alone.
  }
  return `${os.type()} ${os.release()}${distribution ? ` (${distribution})` : ''}`;
}

async function machine(quick: boolean, postgres: string | undefined) {
  const sqlite = new Database(':memory:');
  const sqliteVersion = (
    sqlite.prepare('select sqlite_version() as version').get() as {
      version: string;
    }
  ).version;
  sqlite.close();
  const commit = git('rev-parse', 'HEAD');
  return {
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.cpus().length,
    memoryGiB: Number((os.totalmem() / 2 ** 30).toFixed(1)),
    os: operatingSystem(),
    node: process.version,
    sqlite: sqliteVersion,
    postgresql: postgres ?? 'not reachable',
    date: new Date().toISOString(),
    commit,
    /** Changes to tracked files not in the commit when the run started. */
    uncommittedChanges: git('status', '--porcelain', '--untracked-files=no') !== '',
    quick,
    /** What `witty serve` ran: the build, or the sources through tsx when dist/ was older. */
    server: buildIsCurrent() ? 'dist (current build)' : 'src through tsx (dist/ missing or older)',
    loadAverageAtStart: os.loadavg().map((load) => Number(load.toFixed(2))),
  };
}

/** Runs one bench to its end (or its timeout); its figures and how it went. */
async function runBench(
  run: BenchRun,
  options: {
    quick: boolean;
    verbose: boolean;
    postgresUrl: string | undefined;
    /** Called as the bench starts, with its arguments. */
    onStart: (args: string[]) => void;
  },
): Promise<RunResult> {
  const name = runName(run);
  const file = path.join('bench', `${run.bench}.ts`);
  const benchArgs = options.quick ? run.quickArgs : run.args;
  const args = ['--import', 'tsx', file, ...(benchArgs ?? [])];
  const command = `node ${args.join(' ')}`;
  const result: RunResult = {
    name,
    bench: run.bench,
    database: run.database ?? 'sqlite',
    command,
    status: 'skipped',
    figures: [],
  };
  if (!fs.existsSync(path.join(root, file))) {
    result.reason = `${file} not present`;
    return result;
  }
  if (!benchArgs) {
    result.reason = 'in the full run only';
    return result;
  }
  const env: NodeJS.ProcessEnv = { ...process.env };
  // The run's database is the harness's choice, not the caller's environment's.
  delete env.DATABASE_URL;
  delete env.TEST_DATABASE_URL;
  if (run.database === 'postgresql') {
    if (!options.postgresUrl) {
      result.reason = 'PostgreSQL not reachable';
      return result;
    }
    env.DATABASE_URL = options.postgresUrl;
  } else if (run.database === 'both' && options.postgresUrl) {
    env.TEST_DATABASE_URL = options.postgresUrl;
  }
  const figuresFile = path.join(
    os.tmpdir(),
    `witty-bench-figures-${process.pid}-${name.replace(':', '-')}.jsonl`,
  );
  fs.rmSync(figuresFile, { force: true });
  env.WITTY_BENCH_FIGURES = figuresFile;
  if (options.quick) env.WITTY_BENCH_QUICK = '1';

  options.onStart(benchArgs);
  const started = performance.now();
  // A process group of its own, so that what the bench started is stopped with it.
  const child = spawn(process.execPath, args, {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > 1_000_000) output = output.slice(-200_000);
    if (options.verbose) process.stdout.write(chunk);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  let timedOut = false;
  const timeoutMs = options.quick ? TIMEOUT_MS.quick : TIMEOUT_MS.full;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup(child.pid, 'SIGKILL');
  }, timeoutMs);
  running = child;
  const closed = new Promise((resolve) => child.once('close', resolve));
  const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(
    (resolve) => {
      child.once('error', (error) => {
        output += `\n${error.message}`;
        resolve({ code: null, signal: null });
      });
      child.once('exit', (code, signal) => resolve({ code, signal }));
    },
  );
  clearTimeout(timer);
  running = undefined;
  result.seconds = Number(((performance.now() - started) / 1000).toFixed(1));
  // Whatever the bench left running (a server it did not stop when it failed), which may hold
  // its output open.
  killGroup(child.pid, 'SIGTERM');
  await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 2000))]);

  const problems: string[] = [];
  if (timedOut) problems.push(`stopped after ${timeoutMs / 1000} s`);
  else if (exit.code !== 0)
    problems.push(exit.signal ? `killed by ${exit.signal}` : `exited with code ${exit.code}`);
  if (fs.existsSync(figuresFile)) {
    for (const line of fs.readFileSync(figuresFile, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        const figure = JSON.parse(line) as Figure;
        const meets = meetsTarget(figure);
        result.figures.push({
          ...figure,
          ...(meets === undefined ? {} : { result: meets ? 'PASS' : 'FAIL' }),
        });
      } catch {
        problems.push(`recorded a line that is not a figure: ${line.slice(0, 80)}`);
      }
    }
    fs.rmSync(figuresFile, { force: true });
  }
  if (problems.length === 0 && result.figures.length === 0) problems.push('recorded no figure');
  if (problems.length > 0) {
    result.status = 'failed';
    result.reason = problems.join('; ');
    result.outputTail = output.trimEnd().split('\n').slice(-TAIL_LINES).join('\n');
  } else {
    result.status = 'passed';
  }
  return result;
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals) {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is gone: nothing left running.
  }
}

/** A figure for a reader: 3 significant figures at most, thousands grouped. */
function formatNumber(value: number | undefined): string {
  if (value === undefined) return '';
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  const digits = magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : 2;
  return value.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The figure's bench, and its database when it says: `webhooks (PostgreSQL)`. */
function benchText(figure: Figure): string {
  const database = figure.conditions?.database;
  if (database === undefined) return figure.bench;
  const name = String(database).startsWith('postgres')
    ? 'PostgreSQL'
    : database === 'sqlite'
      ? 'SQLite'
      : database;
  return `${figure.bench} (${name})`;
}

function conditionsText(figure: Figure): string {
  return Object.entries(figure.conditions ?? {})
    .filter(([key]) => key !== 'database')
    .map(([key, value]) => `${key} ${value}`)
    .join(', ');
}

/** The figures' table, in markdown. */
function figuresTable(runs: RunResult[]): string {
  const lines = [
    '| Bench | Figure | Value | Baseline | Ratio | Target | Result | Conditions |',
    '| --- | --- | --: | --- | --: | --- | --- | --- |',
  ];
  for (const run of runs)
    for (const figure of run.figures)
      lines.push(
        `| ${[
          benchText(figure),
          figure.label,
          `${formatNumber(figure.value)} ${figure.unit}`,
          figure.baseline
            ? `${formatNumber(figure.baseline.value)} ${figure.unit} (${figure.baseline.label})`
            : '',
          formatNumber(figure.ratio),
          figure.target?.text ?? '',
          figure.result ?? '',
          conditionsText(figure),
        ]
          .map(cell)
          .join(' | ')} |`,
      );
  return lines.join('\n');
}

type Machine = Awaited<ReturnType<typeof machine>>;

function markdownReport(
  host: Machine,
  runs: RunResult[],
  seconds: number,
): { full: string; summary: string } {
  const summary = [figuresTable(runs)];
  const failed = runs.filter((run) => run.status === 'failed');
  const skipped = runs.filter((run) => run.status === 'skipped');
  if (failed.length > 0)
    summary.push(
      `**Failed:** ${failed.map((run) => `${run.name} (${run.reason ?? ''})`).join('; ')}.`,
    );
  if (skipped.length > 0)
    summary.push(
      `Not run: ${skipped.map((run) => `${run.name} (${run.reason ?? ''})`).join('; ')}.`,
    );

  const notes = runs.flatMap((run) =>
    run.figures
      .filter((figure) => figure.note)
      .map((figure) => `- ${run.name}, ${figure.label}: ${figure.note}`),
  );
  const full = [
    '# Bench report',
    `Written by \`npm run bench${host.quick ? ' -- --quick' : ''}\` (bench/run.ts) on ${host.date}, ` +
      `commit ${host.commit.slice(0, 7)}${host.uncommittedChanges ? ' with uncommitted changes' : ''}, ` +
      `in ${Math.round(seconds)} s.` +
      (host.quick
        ? ' **Quick run**: fewer stations and seconds than the benches’ defaults; its figures show that the benches work, not what the platform does.'
        : ''),
    '| Machine | |\n| --- | --- |\n' +
      [
        ['CPU', `${host.cpu}, ${host.cores} cores`],
        ['Memory', `${host.memoryGiB} GiB`],
        ['OS', host.os],
        ['Node.js', host.node],
        ['SQLite', host.sqlite],
        // The version and its build, without the compiler.
        ['PostgreSQL', host.postgresql.split(' on ')[0]],
        ['Server', host.server],
        ['Load average at start', host.loadAverageAtStart.join(' ')],
      ]
        .map(([key, value]) => `| ${key} | ${cell(value ?? '')} |`)
        .join('\n'),
    '## Figures',
    'Baseline: the same measure, in the same run, of what the figure is compared with; ratio: ' +
      'the figure ÷ the baseline unless the figure says otherwise. Result: the target met (PASS) ' +
      'or not (FAIL).',
    ...summary,
    ...(notes.length > 0 ? ['## Notes', notes.join('\n')] : []),
    ...(failed.length > 0
      ? [
          '## Failed runs',
          ...failed.map(
            (run) =>
              `### ${run.name}: ${run.reason ?? ''}\n\n\`${run.command}\`, after ${run.seconds ?? 0} s; the end of its output:\n\n\`\`\`text\n${run.outputTail ?? ''}\n\`\`\``,
          ),
        ]
      : []),
    '## Runs',
    runs
      .map(
        (run) =>
          `- ${run.name}: ${run.status}${run.reason ? ` (${run.reason})` : ''}${
            run.seconds !== undefined ? `, ${run.seconds} s` : ''
          }, \`${run.command}\``,
      )
      .join('\n'),
  ];
  return { full: full.join('\n\n'), summary: summary.join('\n\n') };
}

async function formatted(text: string, file: string): Promise<string> {
  const options = (await prettier.resolveConfig(file)) ?? {};
  return prettier.format(text, { ...options, filepath: file });
}

async function main() {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      verbose: { type: 'boolean', default: false },
    },
  });
  const quick = values.quick;
  const only = values.only?.split(',').map((name) => name.trim());
  const unknown = only?.filter(
    (name) => !RUNS.some((run) => run.bench === name || runName(run) === name),
  );
  if (unknown && unknown.length > 0) {
    process.stderr.write(
      `unknown bench: ${unknown.join(', ')}; the runs are ${RUNS.map(runName).join(', ')}\n`,
    );
    process.exit(2);
  }
  const runs = RUNS.filter(
    (run) => !only || only.includes(run.bench) || only.includes(runName(run)),
  );

  const postgresUrl = process.env.TEST_DATABASE_URL ?? DEFAULT_POSTGRES_URL;
  const postgres = await postgresVersion(postgresUrl);
  const host = await machine(quick, postgres);
  print(
    `bench: ${runs.length} run(s)${quick ? ', quick' : ''}; ${host.cpu}, ${host.cores} cores, ` +
      `Node ${host.node}, SQLite ${host.sqlite}, PostgreSQL ${
        postgres ? `at ${new URL(postgresUrl).host}` : 'not reachable: its runs are skipped'
      }; commit ${host.commit.slice(0, 7)}`,
  );
  if (!buildIsCurrent())
    print(
      'bench: dist/ is missing or older than src/: `witty serve` runs the sources through tsx (`npm run build` first to measure the build)',
    );

  // The benches run in process groups of their own, out of reach of the terminal's Ctrl-C.
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => {
      killGroup(running?.pid, 'SIGTERM');
      process.exit(130);
    });

  const started = performance.now();
  const results: RunResult[] = [];
  for (const [index, run] of runs.entries()) {
    const step = `[${index + 1}/${runs.length}] ${runName(run)}`;
    const result = await runBench(run, {
      quick,
      verbose: values.verbose,
      postgresUrl: postgres ? postgresUrl : undefined,
      onStart: (args) => print(`${step}: ${args.join(' ') || 'its defaults'}…`),
    });
    results.push(result);
    if (result.status === 'skipped') print(`${step}: skipped, ${result.reason ?? ''}`);
    else if (result.status === 'failed')
      print(
        `${step}: FAILED after ${result.seconds} s, ${result.reason ?? ''}; its output ends:\n${(
          result.outputTail ?? ''
        )
          .split('\n')
          .slice(-10)
          .map((line) => `    ${line}`)
          .join('\n')}`,
      );
    else {
      const missed = result.figures.filter((figure) => figure.result === 'FAIL').length;
      print(
        `${step}: ${result.figures.length} figure(s) in ${result.seconds} s${
          missed > 0 ? `, ${missed} target(s) missed` : ''
        }`,
      );
    }
  }
  const seconds = (performance.now() - started) / 1000;

  const jsonFile = path.join(root, 'bench/report.json');
  const markdownFile = path.join(root, 'bench/report.md');
  const report = markdownReport(host, results, seconds);
  fs.writeFileSync(
    jsonFile,
    await formatted(
      JSON.stringify({ machine: host, seconds: Math.round(seconds), runs: results }),
      jsonFile,
    ),
  );
  fs.writeFileSync(markdownFile, await formatted(report.full, markdownFile));
  print(`\n${await formatted(report.summary, markdownFile)}`);
  print(
    `bench: ${Math.round(seconds)} s; report in bench/report.md and bench/report.json${
      quick ? ' (a quick run: not to be committed)' : ''
    }`,
  );
  process.exit(results.some((result) => result.status === 'failed') ? 1 : 0);
}

void main();
