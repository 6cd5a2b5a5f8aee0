import { ESLint, type Linter } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';

// The rule table is plain JavaScript, read by eslint.config.js.
const rulesModule: string = '../../eslint.boundaries.js';
const { boundaries } = (await import(rulesModule)) as { boundaries: () => Linter.Config[] };

/** ESLint with the room rule alone (no type-aware rules). */
const eslint = new ESLint({
  cwd: process.cwd(),
  overrideConfigFile: true,
  overrideConfig: [
    { files: ['**/*.ts'], languageOptions: { parser: tseslint.parser } },
    ...boundaries(),
  ],
});

/** Lints code as if it were at `filePath`. */
async function violations(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((message) => `${message.ruleId}: ${message.message}`);
}

describe('which room may import which', () => {
  it.each([
    ['telemetry imports no other feature', 'src/telemetry/planted.ts', '../stations/index.js'],
    ['stations do not import the gateway', 'src/stations/planted.ts', '../gateway/index.js'],
    ['the simulator imports nothing of the platform', 'src/sim/planted.ts', '../stations/index.js'],
    ['the simulator has no database', 'src/sim/planted.ts', '../db/database.js'],
    ['a feature is entered through its index.ts', 'src/grid/planted.ts', '../stations/store.js'],
    ['the composition root too', 'src/app.ts', './stations/store.js'],
    ['and the command line', 'src/cli/planted.ts', '../demo/backfill.js'],
    ['domain rules are pure', 'src/domain/planted.ts', '../db/schema.js'],
    ['the protocol is pure', 'src/protocol/planted.ts', '../stations/index.js'],
    ['no feature imports the composition root', 'src/grid/planted.ts', '../app.js'],
    [
      'stations raise events through a port, not notifications',
      'src/stations/planted.ts',
      '../notifications/index.js',
    ],
    [
      'notifications know nothing of stations',
      'src/notifications/planted.ts',
      '../stations/index.js',
    ],
    ['mail knows nothing of stations', 'src/mail/planted.ts', '../stations/index.js'],
    [
      'stations alert owners through the event port, not mail',
      'src/stations/planted.ts',
      '../mail/index.js',
    ],
    ['sharing knows nothing of stations', 'src/sharing/planted.ts', '../stations/index.js'],
    ['sharing is entered through its index.ts', 'src/app.ts', './sharing/store.js'],
  ])('%s: a planted import fails', async (_name, filePath, source) => {
    const found = await violations(filePath, `import { x } from '${source}';\nexport { x };\n`);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^no-restricted-imports: /);
  });

  it.each([
    ['src/grid/planted.ts', '../stations/index.js'],
    ['src/stations/planted.ts', '../protocol/index.js'],
    ['src/sim/planted.ts', '../protocol/index.js'],
    ['src/telemetry/planted.ts', '../db/unit-of-work.js'],
    ['src/stations/planted.ts', './store.js'],
    ['src/app.ts', './stations/index.js'],
    ['src/demo/planted.ts', '../app.js'],
    ['src/notifications/planted.ts', '../installations/index.js'],
    ['src/app.ts', './mail/index.js'],
  ])('%s may import %s', async (filePath, source) => {
    expect(await violations(filePath, `import { x } from '${source}';\nexport { x };\n`)).toEqual(
      [],
    );
  });

  it('the source tree keeps the rule', async () => {
    const results = await eslint.lintFiles(['src/**/*.ts']);
    const broken = results.flatMap((result) =>
      result.messages
        .filter((message) => message.ruleId === 'no-restricted-imports')
        .map((message) => `${result.filePath}: ${message.message}`),
    );
    expect(broken).toEqual([]);
  });
});
