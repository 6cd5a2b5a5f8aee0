import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import type { Caller } from '../../src/identity/index.js';
import { freshDatabase } from '../helpers/test-app.js';

// Sharing mails go through the platform's mail queue, in the unit of work of the change: an
// invitation is in the mail outbox with its code and link once the call returns; the log
// never holds the code.
let app: FastifyInstance;
let drop: () => Promise<void>;
const lines: string[] = [];

beforeAll(async () => {
  const database = await freshDatabase('sqlite');
  drop = database.drop;
  app = await buildApp(
    loadConfig({ ...database.env, WITTY_LOG_LEVEL: 'debug', PUBLIC_URL: 'https://witty.example' }),
    { logStream: { write: (line) => lines.push(line) } },
  );
});
afterAll(async () => {
  await app.close();
  await drop();
});

it('an invitation is queued in the mail outbox in its culture, with its code and link, and never logged', async () => {
  const { platform } = app;
  const account = await platform.identity.createAccount({
    email: 'owner@example.com',
    password: 'a long password',
    role: 'owner',
  });
  const caller: Caller = {
    account,
    subscription: { subscriptionId: 's', productId: 'p', developerAccountId: 'd' },
  };
  const installation = await platform.installations.create(caller, {
    name: 'Maison',
    locationName: 'Paris',
    locationGpsCoordinates: { latitude: 48.85, longitude: 2.35 },
  });
  lines.length = 0;
  await platform.sharing.invite(caller, installation.installationId, {
    email: 'installer@example.com',
    cultureCode: 'de-DE',
  });
  const mails = await platform.mailStore.list({ to: 'installer@example.com', limit: 10 });
  expect(mails).toHaveLength(1);
  const [mail] = mails;
  expect(mail).toMatchObject({ kind: 'invitation', culture: 'de-DE' });
  const link = /https:\/\/witty\.example\/invitations\/([A-Za-z0-9_-]{43})/.exec(mail!.text);
  expect(link).not.toBeNull();
  expect(mail!.html).toContain(link![1]);
  expect(lines.join('\n')).not.toContain(link![1]);
});
