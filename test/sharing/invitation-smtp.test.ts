import { afterAll, beforeAll, expect, it } from 'vitest';
import { MAIL_CULTURES } from '../../src/mail/index.js';
import { anInstallation } from '../helpers/builders.js';
import { TestSmtpServer, type ReceivedMail } from '../helpers/smtp-server.js';
import { createTestApp, describeEachDialect, type TestApp } from '../helpers/test-app.js';

// The whole sharing flow as the people involved see it, with a real SMTP server: the owner
// invites through the API, the installer takes the code from the mail that reached the server
// (the link in the HTML part, the code in the text part), opens the link, and accepts; the
// owner is told by mail; the owner removes the installer and is told again.
describeEachDialect('sharing mails over SMTP', (dialect) => {
  const smtp = new TestSmtpServer();
  let t: TestApp;

  beforeAll(async () => {
    await smtp.start();
    t = await createTestApp(dialect, {
      WITTY_SMTP_URL: smtp.url,
      WITTY_MAIL_FROM: 'Witty-Home <noreply@witty.example>',
      PUBLIC_URL: 'https://witty.example',
    });
  });
  afterAll(async () => {
    await t.close();
    await smtp.stop();
  });

  /** Sends what is queued: it must be one mail, to `to`. */
  async function theMailTo(to: string): Promise<ReceivedMail> {
    await t.app.platform.mails.runOnce();
    const mails = smtp.received.splice(0);
    expect(
      mails.map((mail) => mail.envelopeTo),
      `one mail, to ${to}`,
    ).toEqual([[to]]);
    return mails[0]!;
  }

  it.each(MAIL_CULTURES)(
    'in %s: the code and link of the mail work, and the owner hears of the acceptance and the removal',
    async (culture) => {
      const owner = await t.user('owner', undefined, { firstName: 'Alice', lastName: 'Martin' });
      const installationId = await anInstallation(t, owner.token, { name: `Maison ${culture}` });
      const base = `/v1/installations/${installationId}`;
      const address = `installer-${culture.toLowerCase()}-${installationId}@example.com`;

      const invited = await t.api('POST', `${base}/invitations`, {
        token: owner.token,
        body: { email: address, cultureCode: culture },
      });
      expect(invited.statusCode).toBe(201);

      const invitation = (await theMailTo(address)).parsed;
      expect(invitation.from?.value).toEqual([
        { address: 'noreply@witty.example', name: 'Witty-Home' },
      ]);
      expect(String(invitation.html)).toContain(`lang="${culture}"`);
      const href = /href="(https:\/\/witty\.example\/invitations\/([A-Za-z0-9_-]+))"/.exec(
        String(invitation.html),
      );
      expect(href, 'the HTML part links to the invitation page').not.toBeNull();
      const [, link, code] = href!;
      expect(code).toHaveLength(43);
      expect(invitation.text).toContain(link);
      expect(invitation.text).toContain(code);

      // The link opens the invitation page of this platform.
      const page = await t.app.inject(new URL(link!).pathname);
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain(`Maison ${culture}`);

      // The installer accepts with the code from the mail.
      const installer = await t.user('installer', address, {
        firstName: 'Bob',
        lastName: 'Durand',
      });
      const accepted = await t.api('POST', `/v1/invitations/operators/accept/${code}`, {
        token: installer.token,
      });
      expect(accepted.statusCode).toBe(200);
      expect(accepted.json()).toMatchObject({ email: address, installationId });
      expect(
        (await t.api('GET', base, { token: installer.token })).statusCode,
        'the installer reads the installation',
      ).toBe(200);

      const told = (await theMailTo(owner.account.email)).parsed;
      expect(told.subject).toContain('Bob Durand');
      expect(told.subject).toContain(`Maison ${culture}`);
      expect(String(told.html)).toContain(`lang="${culture}"`);

      // The owner removes the installer: gone for them, and the owner is told.
      const removed = await t.api('DELETE', `${base}/users/${installer.account.accountId}`, {
        token: owner.token,
      });
      expect(removed.statusCode).toBe(204);
      expect((await t.api('GET', base, { token: installer.token })).statusCode).toBe(404);
      const notice = (await theMailTo(owner.account.email)).parsed;
      expect(notice.subject).not.toBe(told.subject);
      expect(notice.text).toContain('Bob Durand');
      expect(String(notice.html)).toContain(`lang="${culture}"`);
    },
  );
});
