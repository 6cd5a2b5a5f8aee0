import { expect, it } from 'vitest';
import { browserTest, checkAccessibility, screenshots } from '../helpers/browser.js';
import { aHome } from '../helpers/builders.js';

// An owner invites an installer from the dashboard; the installer opens the link of the mail,
// accepts in the dashboard after signing in, and sees the station without costs or buttons.
const browser = browserTest();

it(
  'invited from the dashboard, the installer accepts from the mail link and sees the station without costs or buttons',
  { timeout: 120_000 },
  async () => {
    const { t } = browser;
    const owner = await t.user('owner', 'owen@example.com', {
      firstName: 'Owen',
      lastName: 'Petit',
    });
    await aHome(t, owner.token, { serialNumber: 'INSTALLERJRNY01' });
    await t.user('installer', 'ines@example.com', { firstName: 'Inès', lastName: 'Roux' });

    const signIn = async (page: Awaited<ReturnType<typeof browser.open>>, email: string) => {
      await page.getByLabel('E-mail').fill(email);
      await page.getByLabel('Password').fill('a long password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('button', { name: 'Allow' }).click();
    };

    // The owner invites from the dashboard.
    const page = await browser.open('/dashboard');
    await signIn(page, 'owen@example.com');
    await page.getByRole('link', { name: 'Maison' }).click();
    await page.getByRole('link', { name: 'Installers of this installation' }).click();
    await page.getByLabel('Installer’s e-mail address').fill('ines@example.com');
    await page.getByLabel('Language of the invitation mail').selectOption('fr-FR');
    await page.getByRole('button', { name: 'Send the invitation' }).click();
    await page.getByText('An invitation was mailed to ines@example.com.').waitFor();
    await expect
      .poll(() => page.getByRole('listitem').filter({ hasText: 'ines@example.com' }).count())
      .toBe(1);
    await checkAccessibility(page);
    await screenshots(page, 'dashboard-sharing');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForLoadState('load');

    // The link of the mail (in French, as asked), opened by the installer.
    const [mail] = await t.app.platform.mailStore.list({ to: 'ines@example.com', limit: 5 });
    expect(mail).toMatchObject({ kind: 'invitation', culture: 'fr-FR' });
    const link = new RegExp(`${browser.baseUrl}/invitations/[A-Za-z0-9_-]{43}`).exec(
      mail!.text,
    )?.[0];
    expect(link).toBeDefined();
    await page.goto(link!);
    await page.getByRole('link', { name: 'Accept it in the Witty-Home dashboard' }).click();
    await signIn(page, 'ines@example.com');
    await page.getByRole('heading', { name: 'Installer invitation' }).waitFor();
    await checkAccessibility(page);
    await screenshots(page, 'dashboard-accept-invitation');
    await page.getByRole('button', { name: 'Accept the invitation' }).click();

    // The station, as its installer sees it: no cost, no command, no chart.
    await page.getByText('You see this station as its installer').waitFor();
    expect(await page.getByRole('heading', { name: 'Commands' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Start charging' }).count()).toBe(0);
    expect(await page.locator('[data-field="cost"]').count()).toBe(0);
    expect(await page.locator('#energy-chart').count()).toBe(0);
    await checkAccessibility(page);
    await screenshots(page, 'dashboard-installer-station');

    // The owner's page of installers lists the installer, enabled.
    const users = await t.api('GET', '/v1/installations/1/users', { token: owner.token });
    expect(users.json()).toContainEqual(
      expect.objectContaining({
        accountEmail: 'ines@example.com',
        roleCode: 'installer',
        enabled: true,
      }),
    );
  },
);
