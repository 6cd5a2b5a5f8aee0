import fs from 'node:fs';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { registerClient } from '../../src/identity/index.js';
import {
  browserTest,
  checkAccessibility,
  type AxeExclusion,
  screenshots,
  SCREENSHOT_WIDTHS,
} from '../helpers/browser.js';
import { anInstallation } from '../helpers/builders.js';
import { RecordingMailer } from '../helpers/test-app.js';

const mailer = new RecordingMailer();
const browser = browserTest({ sharingMailer: mailer });

/** The width of a PNG, read from its IHDR chunk. */
const pngWidth = (file: string) => fs.readFileSync(file).readUInt32BE(16);

/** Checks the page with axe and screenshots it at both widths. */
async function reviewPage(page: Page, name: string, exclude: AxeExclusion[] = []) {
  await checkAccessibility(page, { exclude });
  const files = await screenshots(page, name);
  expect(files.map(pngWidth)).toEqual([...SCREENSHOT_WIDTHS]);
}

describe('the pages of the platform in a real browser', () => {
  it('/ presents the platform to partners and owners and links to the API reference', async () => {
    const page = await browser.open('/');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(
      'Build on the Witty-Home platform',
    );
    expect(await page.locator('main a[href="/docs"]').textContent()).toBe('API reference');
    await reviewPage(page, 'landing');
  });

  it(
    '/docs renders the API reference from the OpenAPI document',
    { timeout: 120_000 },
    async () => {
      const page = await browser.open('/docs');
      await page.locator('.swagger-ui .opblock').first().waitFor();
      expect(await page.locator('.swagger-ui .info .title').textContent()).toContain(
        'Witty-Home API',
      );
      await reviewPage(page, 'docs');
      // Opening an operation still puts it in the address (deep links), without a nested link.
      await page.locator('.swagger-ui .opblock-summary-control').first().click();
      await expect.poll(() => new URL(page.url()).hash).toMatch(/^#\/.+/);
      await checkAccessibility(page);
      // The "Try it out" form of that operation, and the Authorize dialog.
      await page.getByRole('button', { name: 'Try it out' }).first().click();
      await page.getByRole('button', { name: 'Execute' }).first().waitFor();
      await checkAccessibility(page);
      await page.getByRole('button', { name: 'Authorize' }).first().click();
      await page.locator('.swagger-ui .dialog-ux').waitFor();
      await checkAccessibility(page);
    },
  );

  describe('OpenID sign-in', () => {
    const redirectUri = 'http://127.0.0.1:9/callback';
    const authorization = () =>
      `/oauth2/authorize?${new URLSearchParams({
        client_id: 'browser-partner',
        response_type: 'code',
        redirect_uri: redirectUri,
        scope: 'openid offline_access api',
        state: 'browser-state',
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        code_challenge_method: 'S256',
        prompt: 'consent',
      })}`;

    it('an authorization request of a registered client leads to the sign-in page', async () => {
      const { identityStore, clock } = browser.t.app.platform;
      await registerClient(identityStore, clock, {
        clientId: 'browser-partner',
        name: 'Partner energy app',
        redirectUris: [redirectUri],
      });
      const page = await browser.open(authorization());
      expect(new URL(page.url()).pathname).toMatch(/^\/interaction\/[^/]+$/);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(
        'Sign in to Witty-Home',
      );
      await reviewPage(page, 'oidc-sign-in');

      // A wrong password shows the page again with its error read out (role=alert).
      browser.expectResponse({ path: `${new URL(page.url()).pathname}/login`, status: 401 });
      await page.getByLabel('E-mail').fill('nobody@example.com');
      await page.getByLabel('Password').fill('not the password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      expect(await page.getByRole('alert').textContent()).toBe('Wrong e-mail or password.');
      await reviewPage(page, 'oidc-sign-in-error');
    });

    it('signing in leads to the consent page, which names the client and what it asks', async () => {
      await browser.t.app.platform.identity.createAccount({
        email: 'alice@example.com',
        password: 'correct horse',
        role: 'owner',
      });
      const page = await browser.open(authorization());
      await page.getByLabel('E-mail').fill('alice@example.com');
      await page.getByLabel('Password').fill('correct horse');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Authorize Partner energy app' }).waitFor();
      expect(await page.getByRole('listitem').allTextContents()).toContain(
        'Read and command your installations, charging stations and grid meter',
      );
      await reviewPage(page, 'oidc-consent');
    });
  });

  describe('/invitations/{code}', () => {
    it('the link of an invitation mail tells the installer what to do', async () => {
      const owner = await browser.t.user('owner');
      const installationId = await anInstallation(browser.t, owner.token, { name: 'Maison' });
      const invited = await browser.t.api(
        'POST',
        `/v1/installations/${installationId}/invitations`,
        {
          token: owner.token,
          body: { email: 'installer@example.com', cultureCode: 'en-GB' },
        },
      );
      expect(invited.statusCode).toBe(201);
      const { link, activationCode } = mailer.of('invitation').at(-1)!;
      expect(new URL(link).origin).toBe(browser.baseUrl);

      const page = await browser.open(link);
      expect(await page.locator('strong').textContent()).toBe('Maison');
      expect(await page.locator('code').first().textContent()).toBe(activationCode);
      await reviewPage(page, 'invitation');
    });

    it('an unknown code answers 404 with a page that says so', async () => {
      const page = await browser.open(`/invitations/${'B'.repeat(43)}`, { status: 404 });
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(
        'Witty-Home installer invitation',
      );
      await reviewPage(page, 'invitation-unknown');
    });
  });
});

describe('what the browser harness catches', () => {
  // A page of the platform's origin with every fault the harness looks for, served by the browser.
  const BROKEN_PAGE = `<!doctype html><html><head><title>Broken on purpose</title></head><body>
<img src="/missing.png"><input type="text">
<script>console.error('logged on purpose')</script>
<script src="https://cdn.example.com/library.js"></script>
<script>throw new Error('thrown on purpose')</script></body></html>`;

  async function openBrokenPage(): Promise<Page> {
    const page = await browser.open('/');
    await page.route('**/broken', (route) =>
      route.fulfill({ contentType: 'text/html', body: BROKEN_PAGE }),
    );
    await page.goto('/broken');
    return page;
  }

  it('console errors, uncaught exceptions, unexpected statuses and requests leaving the platform', async () => {
    await openBrokenPage();
    expect(browser.takeProblems().sort()).toEqual([
      `console error: logged on purpose (${browser.baseUrl}/broken)`,
      'request outside the platform: GET https://cdn.example.com/library.js',
      'uncaught exception: Error: thrown on purpose',
      `unexpected 404: GET ${browser.baseUrl}/missing.png`,
    ]);
  });

  it('a status the test expects is not a problem', async () => {
    browser.expectResponse({ path: '/missing.png', status: 404 });
    await openBrokenPage();
    expect(browser.takeProblems()).not.toContainEqual(expect.stringContaining('missing.png'));
  });

  it('serious and critical axe violations, less the excluded elements of one rule', async () => {
    const page = await openBrokenPage();
    browser.takeProblems();
    const failure = checkAccessibility(page);
    await expect(failure).rejects.toThrow(/- image-alt \(critical\)[^]*- label \(critical\)/);
    await expect(failure).rejects.toThrow(/- html-has-lang \(serious\)/);
    const excluded = checkAccessibility(page, {
      exclude: [{ rule: 'image-alt', selector: 'img' }],
    });
    await expect(excluded).rejects.toThrow(/label \(critical\)/);
    await expect(excluded).rejects.not.toThrow(/image-alt/);
    // An exclusion holds for its rule only.
    const otherRule = checkAccessibility(page, { exclude: [{ rule: 'label', selector: 'img' }] });
    await expect(otherRule).rejects.toThrow(/image-alt/);
  });
});
