import { expect, it } from 'vitest';
import { browserTest, checkAccessibility, screenshots } from '../helpers/browser.js';
import { aHome } from '../helpers/builders.js';

// An owner whose charger sends no TIC data declares the subscription on the tariffs page, in a
// real browser: the page says none is known, the declaration with its off-peak hours is saved,
// and the subscription's tariffs can then be priced.
const browser = browserTest();

it('no subscription known → declare HCHP with its off-peak hours → its tariffs get prices', async () => {
  const { t } = browser;
  const owner = await t.user('owner', 'gaspard@example.com', {
    firstName: 'Gaspard',
    lastName: 'Leroy',
  });
  const home = await aHome(t, owner.token, { serialNumber: 'DECLAREDSUB0001' });

  const page = await browser.open(`/dashboard/installations/${home.installationId}/tariffs`);
  await page.getByLabel('E-mail').fill('gaspard@example.com');
  await page.getByLabel('Password').fill('a long password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Allow' }).click();
  await page.getByRole('heading', { name: 'Your subscription' }).waitFor();
  await page.getByText('No subscription is known').waitFor();
  await checkAccessibility(page);
  await screenshots(page, 'dashboard-subscription-none');

  // A window the platform refuses is said, with what was typed kept (answered 400).
  browser.expectResponse({
    path: `/dashboard/installations/${home.installationId}/subscription`,
    status: 400,
  });
  await page.getByLabel('Contract').selectOption('HCHP');
  await page.getByLabel('Off-peak hours').fill('22:00-30:00');
  await page.getByRole('button', { name: 'Declare the subscription' }).click();
  await page.getByRole('alert').waitFor();
  expect(await page.getByLabel('Off-peak hours').inputValue()).toBe('22:00-30:00');
  await checkAccessibility(page);

  await page.getByLabel('Off-peak hours').fill('22:00-06:00');
  await page.getByRole('button', { name: 'Declare the subscription' }).click();
  await page.getByText('Subscription saved').waitFor();
  await page.getByText('HCHP, as you declared it, off-peak hours 22:00-06:00').waitFor();
  await checkAccessibility(page);
  await screenshots(page, 'dashboard-subscription-declared');

  const priceInputs = page.getByLabel(/^Price per kWh, /);
  expect(await priceInputs.count()).toBe(2);
  for (const input of await priceInputs.all()) await input.fill('0.2068');
  await page.getByLabel('From (day)').fill('2026-02-01');
  await page.getByRole('button', { name: 'Save the prices' }).click();
  await page.getByText('Prices saved: the costs are counted again from that day.').waitFor();
  const tariffs = await t.api('GET', `${home.meterPath}/tariffs`, { token: owner.token });
  expect(tariffs.json<{ id: string; isDefault: boolean }[]>()).toMatchObject([
    { id: 'hc', isDefault: false },
    { id: 'hp', isDefault: false },
  ]);
});
