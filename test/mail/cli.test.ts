import { execFile } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildPlatform } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import type { MailMessage } from '../../src/mail/index.js';
import { freePort } from '../helpers/http.js';
import { startServe } from '../helpers/serve.js';
import { TestSmtpServer } from '../helpers/smtp-server.js';
import { describeEachDialect, freshDatabase } from '../helpers/test-app.js';

// `witty mail list` and `witty mail show`, spawned as an operator runs them, reading the local
// outbox (no WITTY_SMTP_URL) that a platform filled.

const REPO_ROOT = path.resolve(import.meta.dirname, '../..');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The child's environment: ours, minus any platform setting, plus the given ones. */
function cliEnvironment(settings: Record<string, string>): NodeJS.ProcessEnv {
  const environment: NodeJS.ProcessEnv = { ...process.env, WITTY_LOG_LEVEL: 'silent' };
  for (const name of ['DATABASE_URL', 'PUBLIC_URL', 'PORT', 'HOST', 'WITTY_SMTP_URL'])
    delete environment[name];
  return { ...environment, ...settings };
}

function witty(args: string[], settings: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['bin/witty.js', ...args],
      { cwd: REPO_ROOT, env: cliEnvironment(settings), timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

async function wittyJson<T>(args: string[], settings: Record<string, string>): Promise<T> {
  const run = await witty(args, settings);
  expect(run, `witty ${args.join(' ')} failed: ${run.stderr}`).toMatchObject({ code: 0 });
  return JSON.parse(run.stdout) as T;
}

describeEachDialect('the local outbox through the command line', (dialect) => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  const invitation: MailMessage = {
    kind: 'invitation',
    to: 'Installer@Example.com',
    culture: 'fr-FR',
    installationName: 'Maison',
    inviterName: '',
    activationCode: 'local-outbox-code',
    link: 'http://127.0.0.1:8080/invitations/local-outbox-code',
    expirationDate: '2026-12-10T12:00:00.000Z',
  };

  beforeAll(async () => {
    database = await freshDatabase(dialect);
    // No SMTP server: the worker keeps each mail in the local outbox.
    const platform = await buildPlatform(
      loadConfig({ ...database.env, WITTY_LOG_LEVEL: 'silent' }),
    );
    try {
      await platform.uow.run(async (stores) => {
        await stores.mail.enqueue(invitation);
        await stores.mail.enqueue({
          kind: 'invitationAccepted',
          to: 'owner@example.com',
          culture: 'en-GB',
          installationName: 'Maison',
          installerName: '',
          installerEmail: 'installer@example.com',
        });
      });
      await platform.mails.runOnce();
    } finally {
      await platform.closeNotifications();
      await platform.store.close();
    }
  });
  afterAll(() => database.drop());

  it('lists the mails, newest first, and one address with --to', { timeout: 120_000 }, async () => {
    const all = await wittyJson<Record<string, unknown>[]>(['mail', 'list'], database.env);
    expect(all).toHaveLength(2);
    for (const mail of all) expect(mail).toMatchObject({ state: 'local', attempts: 1 });
    expect(all.map((mail) => mail.kind).sort()).toEqual(['invitation', 'invitationAccepted']);
    const mine = await wittyJson<Record<string, unknown>[]>(
      ['mail', 'list', '--to', 'installer@example.com', '--limit', '5'],
      database.env,
    );
    expect(mine).toEqual([
      expect.objectContaining({
        to: 'Installer@Example.com',
        kind: 'invitation',
        culture: 'fr-FR',
        subject: 'Invitation à suivre l’installation «\u00a0Maison\u00a0»',
        sentAt: expect.any(String),
      }),
    ]);
    const one = await wittyJson<unknown[]>(['mail', 'list', '--limit', '1'], database.env);
    expect(one).toHaveLength(1);
  });

  it(
    'shows a mail with its text and HTML parts and the message it was rendered from',
    { timeout: 120_000 },
    async () => {
      const [listed] = await wittyJson<{ id: string }[]>(
        ['mail', 'list', '--to', 'installer@example.com'],
        database.env,
      );
      const shown = await wittyJson<Record<string, unknown>>(
        ['mail', 'show', listed!.id],
        database.env,
      );
      expect(shown).toMatchObject({ id: listed!.id, state: 'local', message: invitation });
      expect(shown.text).toContain('local-outbox-code');
      expect(shown.text).toContain(invitation.link);
      expect(shown.html).toContain(`href="${invitation.link}"`);
    },
  );

  it.each([
    [['mail', 'show'], 2, 'give the id of a mail'],
    [['mail', 'show', 'nope'], 2, 'give the id of a mail'],
    [['mail', 'list', '--limit', '0'], 2, '--limit must be a whole number from 1 to 1000'],
    [['mail', 'list', '--to', 'nobody'], 2, '--to must be a mail address'],
    [['mail', 'show', '00000000-0000-4000-8000-000000000000'], 1, 'no mail 00000000'],
  ])('witty %j fails with exit code %i', { timeout: 60_000 }, async (args, code, message) => {
    const run = await witty(args, database.env);
    expect(run.code).toBe(code);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`witty: ${message}`);
  });
});

describeEachDialect('witty serve and the mail worker', (dialect) => {
  it(
    'sends the mails queued before it started, then stops cleanly on SIGTERM',
    { timeout: 120_000 },
    async () => {
      const smtp = new TestSmtpServer();
      await smtp.start();
      const database = await freshDatabase(dialect);
      try {
        const settings = {
          ...database.env,
          PORT: String(await freePort()),
          WITTY_SMTP_URL: smtp.url,
        };
        const platform = await buildPlatform(
          loadConfig({ ...settings, WITTY_LOG_LEVEL: 'silent' }),
        );
        try {
          await platform.uow.run((stores) =>
            stores.mail.enqueue({
              kind: 'installerRemoved',
              to: 'queued-before@example.com',
              culture: 'de-DE',
              installationName: 'Haus',
              installerName: 'Bruno',
              installerEmail: 'bruno@example.com',
            }),
          );
        } finally {
          await platform.closeNotifications();
          await platform.store.close();
        }
        const serve = await startServe(cliEnvironment(settings));
        try {
          for (let i = 0; i < 100 && smtp.received.length === 0; i++)
            await new Promise((resolve) => setTimeout(resolve, 100));
          expect(smtp.received.map((mail) => mail.parsed.subject)).toEqual([
            'Der Zugang von Bruno (bruno@example.com) zu „Haus“ wurde entfernt',
          ]);
        } finally {
          serve.child.kill('SIGTERM');
        }
        expect(await serve.exited).toBe(0);
      } finally {
        await database.drop();
        await smtp.stop();
      }
    },
  );
});
