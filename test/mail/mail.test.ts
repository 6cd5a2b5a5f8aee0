import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { MAIL_CULTURES, type MailMessage } from '../../src/mail/index.js';
import { aHome } from '../helpers/builders.js';
import { TestSmtpServer, type ReceivedMail } from '../helpers/smtp-server.js';
import { TestStation } from '../helpers/station.js';
import {
  createTestApp,
  describeEachDialect,
  freshDatabase,
  type TestApp,
} from '../helpers/test-app.js';

const HOUR_MS = 3_600_000;
const SETTINGS_PATH = '/v1/account/notification-settings';

describeEachDialect('mail over SMTP and owner alerts', (dialect) => {
  const smtp = new TestSmtpServer();
  let t: TestApp;
  let owner: Awaited<ReturnType<TestApp['user']>>;
  let home: Awaited<ReturnType<typeof aHome>>;
  let station: TestStation;
  const sendNow = () => t.app.platform.mails.runOnce();
  const mailsTo = (address: string) =>
    smtp.received.filter((mail) => mail.envelopeTo.includes(address));
  const subjects = (mails: ReceivedMail[]) => mails.map((mail) => mail.parsed.subject);

  async function enqueue(...messages: MailMessage[]): Promise<void> {
    await t.app.platform.uow.run(async (stores) => {
      for (const message of messages) await stores.mail.enqueue(message);
    });
  }

  async function connectStation(): Promise<void> {
    station = new TestStation({
      url: t.wsUrl,
      uid: home.device.uid,
      password: home.device.password,
    });
    await station.connect();
  }

  /** The station reports the guide's error `code` on its M3 socket (0: back to normal). */
  async function reportError(code: number): Promise<void> {
    if (code === 0) await station.status(1, 'Available');
    else
      await station.status(1, 'Faulted', {
        errorCode: 'OtherError',
        vendorId: 'fr.hager.witty',
        vendorErrorCode: String(code),
      });
  }

  beforeAll(async () => {
    await smtp.start();
    t = await createTestApp(
      dialect,
      {
        WITTY_SMTP_URL: smtp.url,
        WITTY_MAIL_FROM: 'Witty-Home <alerts@witty.example>',
        // Short retries: the clock is moved past each delay.
        WITTY_MAIL_RETRY_DELAYS_SECONDS: '10,60,300',
      },
      { listen: true },
    );
    owner = await t.user('owner');
    home = await aHome(t, owner.token, { serialNumber: 'MAILTEST0000001' });
    await connectStation();
    await station.boot();
  });
  afterAll(async () => {
    await station.close();
    await t.close();
    await smtp.stop();
  });
  beforeEach(async () => {
    t.clock.set(new Date());
    smtp.refuseWith = null;
    await sendNow();
    smtp.received.length = 0;
  });
  afterEach(() => {
    smtp.refuseWith = null;
  });

  it.each(MAIL_CULTURES)(
    'the %s invitation reaches the SMTP server with its code and link, in text and HTML',
    async (culture) => {
      const to = `installer-${culture.toLowerCase()}@example.com`;
      const code = `code-${culture}-0123456789abcdefghij`;
      const link = `${t.config.publicUrl}/invitations/${code}`;
      await enqueue({
        kind: 'invitation',
        to,
        culture,
        installationName: 'Maison <script>alert(1)</script>',
        inviterName: 'Alice Martin',
        activationCode: code,
        link,
        expirationDate: '2026-12-10T12:00:00.000Z',
      });
      await sendNow();
      const [mail] = mailsTo(to);
      expect(mail, 'the mail reached the server').toBeDefined();
      const { parsed } = mail!;
      expect(parsed.from?.value).toEqual([{ address: 'alerts@witty.example', name: 'Witty-Home' }]);
      expect(parsed.subject).toContain('Alice Martin');
      expect(parsed.messageId).toMatch(/^<[0-9a-f-]{36}@witty\.example>$/);
      expect(parsed.text).toContain(code);
      expect(parsed.text).toContain(link);
      expect(parsed.text).toContain('<script>alert(1)</script>');
      const html = String(parsed.html);
      expect(html).toContain(`href="${link}"`);
      expect(html).toContain(code);
      expect(html).not.toContain('<script>');
      expect(html).toContain('&#60;script&#62;');
      expect(html).toContain(`lang="${culture}"`);
      const [stored] = await t.app.platform.mailStore.list({ to, limit: 5 });
      expect(stored).toMatchObject({ state: 'sent', attempts: 1, kind: 'invitation', culture });
    },
  );

  it('an error of the station is mailed to its owner in the station culture, once an hour per code', async () => {
    await reportError(5);
    await sendNow();
    expect(subjects(mailsTo(owner.account.email))).toEqual([
      `Votre borne de recharge «\u00a0${home.device.uid}\u00a0» signale une erreur\u00a0: Défaut de délestage`,
    ]);
    const [raised] = mailsTo(owner.account.email);
    expect(raised!.parsed.text).toContain('code 5 LoadSheddingFailure');
    expect(raised!.parsed.text).toContain('«\u00a0Maison\u00a0»');

    // Cleared: the raise was mailed, so is its clearing.
    await reportError(0);
    await sendNow();
    expect(subjects(mailsTo(owner.account.email)).at(-1)).toMatch(/^Erreur résolue/);

    // Again within the hour: neither the raise nor its clearing is mailed.
    t.clock.advance(30 * 60_000);
    await reportError(5);
    await reportError(0);
    await sendNow();
    expect(mailsTo(owner.account.email)).toHaveLength(2);

    // Past the hour, on the test clock: mailed again.
    t.clock.advance(31 * 60_000);
    await reportError(5);
    await sendNow();
    expect(mailsTo(owner.account.email)).toHaveLength(3);
    await reportError(0);
    await sendNow();
    expect(mailsTo(owner.account.email)).toHaveLength(4);
  });

  it('the limit is per code: another error within the hour is mailed', async () => {
    // Past the hour of the last mail of error 5.
    t.clock.advance(3 * HOUR_MS);
    await reportError(5);
    await reportError(4);
    await reportError(0);
    await sendNow();
    const mails = subjects(mailsTo(owner.account.email));
    // Sent concurrently: in any order.
    expect(mails).toHaveLength(3);
    expect(mails).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/erreur\u00a0: Défaut de délestage$/),
        expect.stringMatching(/erreur\u00a0: Défaut de ventilation/),
        // The clearing follows the error the owner was told of last.
        expect.stringMatching(/^Erreur résolue.*Défaut de ventilation/),
      ]),
    );
  });

  it('a station going offline is mailed, and its return', async () => {
    await station.close();
    await new Promise((resolve) => setTimeout(resolve, 200));
    await sendNow();
    expect(subjects(mailsTo(owner.account.email))).toEqual([
      `Votre borne de recharge «\u00a0${home.device.uid}\u00a0» est hors ligne`,
    ]);
    await connectStation();
    await new Promise((resolve) => setTimeout(resolve, 200));
    await sendNow();
    expect(subjects(mailsTo(owner.account.email))).toEqual([
      `Votre borne de recharge «\u00a0${home.device.uid}\u00a0» est hors ligne`,
      `Votre borne de recharge «\u00a0${home.device.uid}\u00a0» est de nouveau en ligne`,
    ]);
  });

  it('an owner who turned alerts off gets none; turned on again, alerts come back', async () => {
    const off = await t.api('PUT', SETTINGS_PATH, {
      token: owner.token,
      body: { stationErrorEmails: false },
    });
    expect(off.statusCode).toBe(200);
    expect(off.json()).toEqual({ stationErrorEmails: false });
    expect((await t.api('GET', SETTINGS_PATH, { token: owner.token })).json()).toEqual({
      stationErrorEmails: false,
    });
    await reportError(9);
    await reportError(0);
    await sendNow();
    expect(mailsTo(owner.account.email)).toEqual([]);

    const on = await t.api('PUT', SETTINGS_PATH, {
      token: owner.token,
      body: { stationErrorEmails: true },
    });
    expect(on.json()).toEqual({ stationErrorEmails: true });
    await reportError(9);
    await sendNow();
    expect(subjects(mailsTo(owner.account.email))).toEqual([
      expect.stringContaining('Courant de fuite continu détecté'),
    ]);
    await reportError(0);
  });

  it('notification settings: on by default; bad bodies and missing credentials are refused', async () => {
    const other = await t.user('owner');
    const read = await t.api('GET', SETTINGS_PATH, { token: other.token });
    expect(read.statusCode).toBe(200);
    expect(read.json()).toEqual({ stationErrorEmails: true });
    for (const body of [
      {},
      { stationErrorEmails: 'no' },
      { stationErrorEmails: true, more: 1 },
      [],
    ]) {
      const response = await t.api('PUT', SETTINGS_PATH, { token: other.token, body });
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect(response.json().code).toBe('VALIDATION_FAILED');
    }
    const text = await t.app.inject({
      method: 'PUT',
      url: SETTINGS_PATH,
      headers: {
        'ocp-apim-subscription-key': t.apiKey,
        authorization: `Bearer ${other.token}`,
        'content-type': 'text/plain',
      },
      payload: 'stationErrorEmails=false',
    });
    expect(text.statusCode).toBe(415);
    for (const payload of ['null', '{"stationErrorEmails": tru', '']) {
      const raw = await t.app.inject({
        method: 'PUT',
        url: SETTINGS_PATH,
        headers: {
          'ocp-apim-subscription-key': t.apiKey,
          authorization: `Bearer ${other.token}`,
          'content-type': 'application/json',
        },
        payload,
      });
      expect(raw.statusCode, payload).toBe(400);
    }
    expect((await t.api('GET', SETTINGS_PATH)).statusCode).toBe(401);
    expect((await t.api('GET', SETTINGS_PATH, { token: other.token, key: null })).statusCode).toBe(
      401,
    );
    // Nothing changed by the refused calls.
    expect((await t.api('GET', SETTINGS_PATH, { token: other.token })).json()).toEqual({
      stationErrorEmails: true,
    });
  });

  it.each([421, 451])(
    'a server answering %i: the mail is retried on the schedule and sent when it accepts',
    async (reply) => {
      const to = `retry-${reply}@example.com`;
      smtp.refuseWith = reply;
      await enqueue({
        kind: 'installerRemoved',
        to,
        culture: 'en-GB',
        installationName: 'Home',
        installerName: '',
        installerEmail: 'fitter@example.com',
      });
      await sendNow();
      const [pending] = await t.app.platform.mailStore.list({ to, limit: 1 });
      expect(pending).toMatchObject({ state: 'pending', attempts: 1 });
      expect(pending!.last_error).toContain(String(reply));
      // Not before its delay (10 s ± 20 %).
      await sendNow();
      expect((await t.app.platform.mailStore.list({ to, limit: 1 }))[0]!.attempts).toBe(1);
      smtp.refuseWith = null;
      t.clock.advance(13_000);
      await sendNow();
      expect(subjects(mailsTo(to))).toEqual(['fitter@example.com no longer has access to “Home”']);
      expect((await t.app.platform.mailStore.list({ to, limit: 1 }))[0]).toMatchObject({
        state: 'sent',
        attempts: 2,
        last_error: null,
      });
    },
  );

  it('a mail refused for good (550) is not retried', async () => {
    const to = 'refused@example.com';
    smtp.refuseWith = 550;
    await enqueue({
      kind: 'invitationAccepted',
      to,
      culture: 'de-DE',
      installationName: 'Haus',
      installerName: 'Bruno',
      installerEmail: 'bruno@example.com',
    });
    await sendNow();
    expect((await t.app.platform.mailStore.list({ to, limit: 1 }))[0]).toMatchObject({
      state: 'failed',
      attempts: 1,
    });
  });

  it('with the server down the mail waits, and is sent once it is back', async () => {
    const to = 'down@example.com';
    await smtp.stop();
    try {
      await enqueue({
        kind: 'invitationAccepted',
        to,
        culture: 'en-GB',
        installationName: 'Home',
        installerName: 'Bruno Keller',
        installerEmail: 'bruno@example.com',
      });
      await sendNow();
      t.clock.advance(13_000);
      await sendNow();
      const [waiting] = await t.app.platform.mailStore.list({ to, limit: 1 });
      expect(waiting).toMatchObject({ state: 'pending', attempts: 2 });
      expect(waiting!.last_error).toMatch(/ECONNREFUSED|connect/i);
    } finally {
      await smtp.start();
    }
    t.clock.advance(80_000);
    await sendNow();
    expect(subjects(mailsTo(to))).toEqual([
      'Bruno Keller (bruno@example.com) has accepted your invitation to “Home”',
    ]);
    const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/witty_mails_total\{outcome="sent"\} [1-9]/);
    expect(metrics.body).toMatch(/witty_mails_total\{outcome="retrying"\} [1-9]/);
    expect(metrics.body).toMatch(/witty_mail_queue_depth 0/);
  });
});

describeEachDialect('mail across a restart', (dialect) => {
  const smtp = new TestSmtpServer();
  beforeAll(() => smtp.start());
  afterAll(() => smtp.stop());

  it('mails left pending, or taken by a process that stopped, are sent by the next one', async () => {
    const database = await freshDatabase(dialect);
    try {
      const settings = { WITTY_SMTP_URL: smtp.url };
      const first = await createTestApp(dialect, settings, { database });
      const message = (to: string): MailMessage => ({
        kind: 'installerRemoved',
        to,
        culture: 'fr-FR',
        installationName: 'Maison',
        installerName: 'Bruno',
        installerEmail: 'bruno@example.com',
      });
      // Queued, never sent: this process stops before its worker runs.
      await first.app.platform.uow.run((stores) =>
        stores.mail.enqueue(message('left@example.com')),
      );
      // Queued and taken (leased), as by a worker killed while it was sending.
      await first.app.platform.uow.run((stores) =>
        stores.mail.enqueue(message('taken@example.com')),
      );
      const now = first.clock.now();
      const taken = await first.app.platform.mailStore.claimDue({
        now: now.toISOString(),
        leaseUntil: new Date(now.getTime() + 120_000).toISOString(),
        limit: 1,
      });
      expect(taken).toHaveLength(1);
      await first.close();
      expect(smtp.received).toEqual([]);

      const second = await createTestApp(dialect, settings, { database });
      try {
        // On PostgreSQL another node may still hold the lease: it runs out first.
        second.clock.advance(121_000);
        await second.app.platform.mails.runOnce();
        expect(smtp.received.flatMap((mail) => mail.envelopeTo).sort()).toEqual([
          'left@example.com',
          'taken@example.com',
        ]);
        expect(await second.app.platform.mailStore.pendingCount()).toBe(0);
      } finally {
        await second.close();
      }
    } finally {
      await database.drop();
    }
  });
});
