import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/index.js';
import { loadConfig } from '../../src/config.js';
import { openStore } from '../../src/db/database.js';
import { describeEachDialect, freshDatabase } from '../helpers/test-app.js';

// `witty tariff-calendar import`, run in this process (main() is what bin/witty.js calls) on a
// database of each dialect: its output, its exit codes, and what it leaves in the table.

describeEachDialect('witty tariff-calendar import', (dialect) => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let env: Record<string, string>;

  beforeAll(async () => {
    database = await freshDatabase(dialect);
    env = { ...database.env, WITTY_LOG_LEVEL: 'silent' };
  });
  afterAll(() => database.drop());
  afterEach(() => vi.restoreAllMocks());

  /** Writes a calendar file and runs the command on it: exit code, stdout and stderr. */
  async function run(calendar: string, text: string | null) {
    const file = path.join(database.dataDir, `calendar-${Math.random()}.csv`);
    if (text !== null) fs.writeFileSync(file, text);
    const out: string[] = [];
    const err: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => out.push(String(chunk)) > 0);
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => err.push(String(chunk)) > 0);
    const code = await main(
      ['tariff-calendar', 'import', '--calendar', calendar, '--file', file],
      env,
    );
    vi.restoreAllMocks();
    return { code, stdout: out.join(''), stderr: err.join('') };
  }

  async function stored(calendar: 'TEMPO' | 'EJP') {
    const store = openStore(loadConfig(env).database);
    try {
      return await store.db
        .selectFrom('tariff_calendar_days')
        .select(['day', 'value'])
        .where('calendar', '=', calendar)
        .orderBy('day')
        .execute();
    } finally {
      await store.close();
    }
  }

  it('imports a Tempo file: header, French colours, either separator', async () => {
    const result = await run(
      'TEMPO',
      'Date;Couleur\n2026-01-14;ROUGE\r\n2026-01-15,blanc\n\n# a comment\n2026-01-16;BLUE\n',
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      calendar: 'TEMPO',
      imported: 3,
      from: '2026-01-14',
      to: '2026-01-16',
    });
    expect(await stored('TEMPO')).toEqual([
      { day: '2026-01-14', value: 'RED' },
      { day: '2026-01-15', value: 'WHITE' },
      { day: '2026-01-16', value: 'BLUE' },
    ]);
  });

  it('a day imported again takes its new value', async () => {
    expect((await run('TEMPO', '2026-01-16;WHITE\n')).code).toBe(0);
    expect((await stored('TEMPO')).at(-1)).toEqual({ day: '2026-01-16', value: 'WHITE' });
  });

  it('imports EJP peak days, alone or marked', async () => {
    const result = await run(
      'ejp',
      '2026-01-20\n2026-01-21;EJP\n2026-01-22;PEAK\n2026-01-23;NORMAL\n',
    );
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ calendar: 'EJP', imported: 4 });
    expect(await stored('EJP')).toEqual([
      { day: '2026-01-20', value: 'PEAK' },
      { day: '2026-01-21', value: 'PEAK' },
      { day: '2026-01-22', value: 'PEAK' },
      { day: '2026-01-23', value: 'NORMAL' },
    ]);
  });

  it.each([
    ['a colour Tempo has not', 'TEMPO', '2026-02-01;BLUE\n2026-02-02;GREEN\n', 'line 2: "GREEN"'],
    ['a Tempo day with no colour', 'TEMPO', '2026-02-01;BLUE\n2026-02-02\n', 'line 2: ""'],
    [
      'a day that does not exist',
      'TEMPO',
      '2026-02-01;RED\n2026-02-30;RED\n',
      'line 2: 2026-02-30',
    ],
    ['a date in another form', 'TEMPO', 'date;colour\n2026-02-01;RED\n01/02/2026;RED\n', 'line 3'],
    ['a header after the first line', 'TEMPO', '2026-02-01;RED\nDate;Couleur\n', 'line 2'],
    ['a day given twice', 'TEMPO', '2026-02-01;RED\n2026-02-01;BLUE\n', 'line 2: 2026-02-01'],
    ['more fields', 'TEMPO', '2026-02-01;RED;extra\n', 'line 1'],
    ['an EJP value', 'EJP', '2026-02-01\n2026-02-02;RED\n', 'line 2: "RED"'],
    ['a file with no day', 'EJP', 'date\n\n', 'holds no day'],
  ])('%s: exit 1, the line named, nothing written', async (_case, calendar, text, message) => {
    const result = await run(calendar, text);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(message);
    expect(result.stderr).toContain('nothing was imported');
    const days = (await stored(calendar as 'TEMPO' | 'EJP')).map((row) => row.day);
    expect(days.filter((day) => day.startsWith('2026-02'))).toEqual([]);
  });

  it('a file that cannot be read: exit 1', async () => {
    const result = await run('TEMPO', null);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^witty: cannot read /);
  });

  it.each([
    [['tariff-calendar', 'import', '--calendar', 'BBR', '--file', 'x.csv'], 'TEMPO or EJP'],
    [['tariff-calendar', 'import', '--file', 'x.csv'], '--calendar is required'],
    [['tariff-calendar', 'import', '--calendar', 'EJP'], '--file is required'],
  ])('usage errors exit 2: %j', async (args, message) => {
    const err: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => err.push(String(chunk)) > 0);
    expect(await main(args, env)).toBe(2);
    expect(err.join('')).toContain(message);
  });
});
