import { afterAll, beforeAll, expect, it } from 'vitest';
import { SandboxStations } from '../../src/sandbox/index.js';
import { browserTest, checkAccessibility, screenshots } from '../helpers/browser.js';
import { freePort } from '../helpers/http.js';
import { TestSmtpServer } from '../helpers/smtp-server.js';

// The partner's whole journey in a real browser, as the guide opens: sign up, open the
// confirmation link from the mail (a real SMTP server), subscribe to the Starter Pack, an
// administrator approves (mailed), the key is on the profile, and a try-it call from the API
// reference answers 200 with the sandbox's live station.
const smtp = new TestSmtpServer();
smtp.port = await freePort();
beforeAll(async () => {
  await smtp.start();
});
afterAll(async () => {
  await smtp.stop();
});
const browser = browserTest({ env: { WITTY_SMTP_URL: smtp.url } });

let stations: SandboxStations | undefined;
afterAll(async () => {
  await stations?.stop();
});

/** Sends the queued mails and returns the link of the newest one to `to` matching `path`. */
async function linkInMail(to: string, path: RegExp): Promise<string> {
  await browser.t.app.platform.mails.runOnce();
  const mail = smtp.received.filter((m) => m.envelopeTo.includes(to)).at(-1);
  expect(mail, `a mail to ${to}`).toBeDefined();
  const link = new RegExp(`${browser.baseUrl}${path.source}`).exec(mail!.parsed.text ?? '')?.[0];
  expect(link, `a ${path.source} link in the mail`).toBeDefined();
  return link!;
}

it(
  'sign up → confirm from the mail → subscribe → approved → key → try-it on the sandbox',
  { timeout: 120_000 },
  async () => {
    const { t } = browser;
    stations = new SandboxStations({
      sandboxes: t.app.sandboxes,
      resetSecret: (uid) => t.app.platform.devices.resetSecret(uid),
      url: t.wsUrl,
      log: (error) => {
        throw error;
      },
    });
    await stations.start();
    await t.app.platform.identity.createAccount({
      email: 'admin@example.com',
      password: 'an admin password',
      role: 'admin',
      firstName: 'Grace',
      lastName: 'Hopper',
    });

    // Sign up.
    const page = await browser.open('/');
    await checkAccessibility(page);
    await screenshots(page, 'portal-home');
    await page.getByRole('link', { name: 'Create your developer account' }).click();
    await checkAccessibility(page);
    await screenshots(page, 'portal-sign-up');
    await page.getByLabel('First name').fill('Ada');
    await page.getByLabel('Last name').fill('Lovelace');
    await page.getByLabel('E-mail address').fill('ada@example.com');
    await page.getByLabel('Password').fill('a long enough password');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: 'Check your mailbox' }).waitFor();
    await checkAccessibility(page);
    await screenshots(page, 'portal-check-mail');

    // The confirmation link, from the mail the SMTP server received.
    await page.goto(await linkInMail('ada@example.com', /\/confirm\/[A-Za-z0-9_-]{43}/));
    await page.getByText('Your e-mail address is confirmed').waitFor();
    await checkAccessibility(page);
    await screenshots(page, 'portal-sign-in');
    await page.getByLabel('E-mail address').fill('ada@example.com');
    await page.getByLabel('Password').fill('a long enough password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Your profile' }).waitFor();

    // Subscribe.
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Products' })
      .click();
    await checkAccessibility(page);
    await screenshots(page, 'portal-products');
    await page.getByLabel('Subscription name').fill('Ada’s home app');
    await page.getByRole('button', { name: 'Subscribe' }).click();
    await page.getByText('Your subscription is waiting for approval').waitFor();
    await checkAccessibility(page);
    await screenshots(page, 'portal-profile-pending');
    await page.getByRole('button', { name: 'Sign out' }).click();

    // An administrator approves.
    await page.getByRole('banner').getByRole('link', { name: 'Sign in' }).click();
    await page.getByLabel('E-mail address').fill('admin@example.com');
    await page.getByLabel('Password').fill('an admin password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page
      .getByRole('navigation', { name: 'Administration' })
      .getByRole('link', { name: 'Subscriptions' })
      .click();
    await checkAccessibility(page);
    await screenshots(page, 'admin-subscriptions');
    await page.getByRole('button', { name: /^Approve: Ada’s home app/ }).click();
    await page.getByText('“Ada’s home app” approved').waitFor();
    for (const path of ['/admin/accounts', '/admin/devices', '/admin/webhooks', '/mailbox']) {
      await page.goto(path);
      await checkAccessibility(page);
      await screenshots(page, `admin-${path.split('/').pop()}`);
    }
    await page.getByRole('button', { name: 'Sign out' }).click();
    const approvedLink = await linkInMail('ada@example.com', /\/profile/);
    expect(approvedLink).toBe(`${browser.baseUrl}/profile`);

    // The key, on the profile.
    await page.goto('/signin');
    await page.getByLabel('E-mail address').fill('ada@example.com');
    await page.getByLabel('Password').fill('a long enough password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: /^Create: Primary key/ }).click();
    const key = (await page.locator('#new-key').textContent())?.trim();
    expect(key).toMatch(/^[0-9a-f]{32}$/);
    await checkAccessibility(page);
    await screenshots(page, 'portal-profile-key');

    // Try-it, from the API reference, on the sandbox's live station.
    await page.getByRole('link', { name: 'Try the API with your sandbox' }).first().click();
    const banner = page.locator('#try-it');
    await banner.getByText('Your subscription key from the profile is filled in').waitFor();
    const installationId = /installation (\d+)/.exec((await banner.textContent()) ?? '')?.[1];
    expect(installationId).toBeDefined();
    const operation = page.locator('.opblock-get', {
      has: page.locator('[data-path="/installations/{installationId}/charging-stations"]'),
    });
    await operation.locator('.opblock-summary').click();
    await operation.getByRole('button', { name: 'Try it out' }).click();
    await operation.locator('input[placeholder="installationId"]').fill(installationId!);
    await operation.getByRole('button', { name: 'Execute' }).click();
    const status = operation.locator('.live-responses-table .response .response-col_status');
    await status.first().waitFor();
    expect((await status.first().textContent())?.trim()).toBe('200');
    const body = await operation
      .locator('.live-responses-table .response-col_description pre')
      .first()
      .textContent();
    const [station] = JSON.parse(body ?? '[]') as { uuid: string }[];
    const sandbox = (await t.app.sandboxes.list()).at(-1)!;
    expect(station?.uuid).toBe(sandbox.stationUid);
    await screenshots(page, 'docs-try-it');
  },
);
