import { DateTime } from 'luxon';
import type { Page } from 'playwright-core';
import { afterAll, expect, it } from 'vitest';
import {
  SimClock,
  Simulation,
  VirtualCar,
  VirtualLinky,
  VirtualStation,
  type LinkyOptions,
} from '../../src/sim/index.js';
import { browserTest, checkAccessibility, screenshots } from '../helpers/browser.js';
import { aHome } from '../helpers/builders.js';

// The owner's journey in a real browser, against a virtual station of the simulator: sign in
// through the platform's OpenID provider, see the live station, set deferred mode, plug a car,
// start, watch the session's energy grow, stop, and find the day's bar on the energy chart.
const browser = browserTest();
// Off-peak hours far from now: at 120× the journey spans a few simulated hours, and a deferred
// station that saw off-peak hours begin would start charging on its own before "Start" is clicked.
const offPeakStart = DateTime.now().setZone('Europe/Paris').plus({ hours: 12 });
const LINKY: LinkyOptions = {
  subscription: 'HCHP',
  mode: 'historic',
  intensitySubscribedA: 45,
  hcWindows: [[offPeakStart.toFormat('HH:mm'), offPeakStart.plus({ hours: 2 }).toFormat('HH:mm')]],
};
let simulation: Simulation | undefined;

/** The datasets of the page's energy chart, once its script has fetched the figures and drawn it. */
async function chartDatasets(page: Page): Promise<{ label: string; data: number[] }[]> {
  const drawn = await page.waitForFunction(() => {
    const chart = (
      globalThis as unknown as {
        Chart?: {
          getChart(
            id: string,
          ): { data: { datasets: { label: string; data: number[] }[] } } | undefined;
        };
      }
    ).Chart?.getChart('energy-chart');
    return chart?.data.datasets.map((set) => ({ label: set.label, data: set.data }));
  });
  return (await drawn.jsonValue()) as { label: string; data: number[] }[];
}
afterAll(async () => {
  await simulation?.stop();
});

it(
  'sign in → live station → deferred → plug → start → energy grows → stop → the day on the chart → TIC consent → the house on the chart → prices → webhooks',
  { timeout: 180_000 },
  async () => {
    const { t } = browser;
    const owner = await t.user('owner', 'olivia@example.com', {
      firstName: 'Olivia',
      lastName: 'Martin',
    });
    const home = await aHome(t, owner.token, { serialNumber: 'OWNERJOURNEY001' });
    // Simulated time runs 120 times faster: a meter reading every 5 s of real time. It starts
    // no later than 20:00 in Paris, so that the journey's few simulated hours stay within the
    // local day whose bar the chart shows (a start at 23:50 put the energy on tomorrow's).
    const parisNow = DateTime.now().setZone('Europe/Paris');
    const latestStart = parisNow.startOf('day').plus({ hours: 20 });
    const simStart = parisNow < latestStart ? parisNow : latestStart;
    simulation = new Simulation(new SimClock(simStart.toJSDate(), 120));
    const station = new VirtualStation({
      url: t.wsUrl,
      uid: home.device.uid,
      password: home.device.password,
      clock: simulation.clock,
      linky: new VirtualLinky(LINKY),
      linkyOptions: LINKY,
      chargeMode: 'immediate',
    });
    simulation.add(station);
    await simulation.start();

    // Sign in at the platform's provider, as the dashboard's OpenID client.
    const page = await browser.open('/dashboard');
    await checkAccessibility(page);
    await screenshots(page, 'dashboard-provider-sign-in');
    await page.getByLabel('E-mail').fill('olivia@example.com');
    await page.getByLabel('Password').fill('a long password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.getByRole('heading', { name: 'My installations' }).waitFor();
    await checkAccessibility(page);
    await screenshots(page, 'dashboard-installations');

    // The live station.
    await page.getByRole('link', { name: 'Maison' }).click();
    const field = (name: string) => page.locator(`#station-state [data-field="${name}"]`);
    await expect
      .poll(() => field('heartbeat').textContent(), { timeout: 20_000 })
      .toContain('Online');
    await checkAccessibility(page);
    await screenshots(page, 'dashboard-station');

    // Deferred mode, with the command's progress until the station answers.
    await page.getByRole('button', { name: 'Deferred' }).click();
    const progress = page.locator('#command-progress');
    await expect
      .poll(() => progress.textContent(), { timeout: 20_000 })
      .toContain('accepted by the station');
    await expect
      .poll(() => field('chargeMode').textContent(), { timeout: 20_000 })
      .toContain('Deferred');

    // A car is plugged in: the page follows without a reload.
    station.plug(new VirtualCar({ stateOfCharge: 0.2 }), 'm3');
    await expect.poll(() => field('plug').textContent(), { timeout: 20_000 }).toContain('M3');

    // Start, then the session's energy grows.
    await page.getByRole('button', { name: 'Start charging' }).click();
    await expect
      .poll(() => progress.textContent(), { timeout: 20_000 })
      .toContain('accepted by the station');
    await expect
      .poll(() => field('availability').textContent(), { timeout: 30_000 })
      .toContain('Charging');
    const energy = async () =>
      Number(
        /([\d.,]+) kWh/.exec((await field('energy').textContent()) ?? '')?.[1]?.replace(',', '.') ??
          0,
      );
    await expect.poll(energy, { timeout: 30_000 }).toBeGreaterThan(0);
    const first = await energy();
    await expect.poll(energy, { timeout: 30_000 }).toBeGreaterThan(first);
    await screenshots(page, 'dashboard-charging');

    // Stop: the session ends, and the day's energy is on the chart.
    await page.getByRole('button', { name: 'Stop charging' }).click();
    await expect
      .poll(() => progress.textContent(), { timeout: 20_000 })
      .toContain('accepted by the station');
    await expect
      .poll(() => field('availability').textContent(), { timeout: 30_000 })
      .not.toContain('Charging');
    await page.reload();
    const lastDay = async () =>
      (await chartDatasets(page)).reduce((sum, set) => sum + (set.data.at(-1) ?? 0), 0);
    await expect.poll(lastDay, { timeout: 20_000 }).toBeGreaterThan(0);
    // And the session is first in the list of the last sessions.
    await expect
      .poll(() => page.locator('section[aria-labelledby="sessions-title"]').textContent())
      .toMatch(/kWh/);
    await checkAccessibility(page);
    await screenshots(page, 'dashboard-after-session');

    // The TIC consent: given from the page, the station sends its Linky's data and the house
    // joins the chart.
    await page.getByRole('button', { name: 'Give my consent' }).click();
    await page.getByText('Consent given: the station now sends the TIC data.').waitFor();
    await expect
      .poll(
        async () => {
          await page.reload();
          const datasets = await chartDatasets(page);
          return datasets.filter((set) => set.label.startsWith('House')).length;
        },
        { timeout: 60_000, interval: 3_000 },
      )
      .toBeGreaterThan(0);
    await page.getByRole('button', { name: 'Withdraw my consent' }).waitFor();
    await checkAccessibility(page);
    // The chart by month, in cost: the links over it.
    await page.getByRole('link', { name: 'By month' }).click();
    await page.getByRole('link', { name: 'Cost' }).click();
    await page.getByRole('heading', { name: 'Cost by month, last 12 months' }).waitFor();
    await chartDatasets(page);
    await checkAccessibility(page);
    await screenshots(page, 'dashboard-cost-by-month');

    // With the subscription read from the TIC data, its tariffs get prices from a day.
    await page.getByRole('link', { name: 'Tariffs and prices' }).click();
    await page.getByRole('heading', { name: 'Tariffs and prices of Maison' }).waitFor();
    const priceInputs = page.getByLabel(/^Price per kWh, /);
    expect(await priceInputs.count()).toBeGreaterThan(0);
    for (const input of await priceInputs.all()) await input.fill('0.2276');
    await page.getByLabel('From (day)').fill('2026-01-15');
    await page.getByRole('button', { name: 'Save the prices' }).click();
    await page.getByText('Prices saved: the costs are counted again from that day.').waitFor();
    expect(await page.locator('table').textContent()).toContain('0.2276 €');
    await checkAccessibility(page);
    await screenshots(page, 'dashboard-tariffs');

    // The installation's webhooks page, linked from the station page.
    await page.getByRole('link', { name: 'Maison' }).first().click();
    await page.getByRole('link', { name: 'Webhooks' }).click();
    await page.getByRole('heading', { name: 'Webhooks of Maison' }).waitFor();
    await page.getByLabel('Endpoint URL').waitFor();
    await checkAccessibility(page);
    await screenshots(page, 'dashboard-webhooks');
  },
);
