import { afterAll, beforeAll, expect, it } from 'vitest';
import { aHome } from '../helpers/builders.js';
import { DashboardUser } from '../helpers/dashboard.js';
import { TestStation } from '../helpers/station.js';
import { createTestApp, describeEachDialect, type TestApp } from '../helpers/test-app.js';

/** A historic HCHP frame as label → value. */
const hchp = (hc: number, hp: number, ptec: 'HC..' | 'HP..') => ({
  ADCO: '021728123456',
  OPTARIF: 'HC..',
  ISOUSC: '30',
  HCHC: String(hc).padStart(9, '0'),
  HCHP: String(hp).padStart(9, '0'),
  PTEC: ptec,
  IINST: '007',
  PAPP: '01500',
});

interface Chart {
  days: string[];
  series: { source: string; tariff: string; label: string; values: number[] }[];
}

describeEachDialect('the owner dashboard: energy of the station and the house', (dialect) => {
  let t: TestApp;
  let token: string;
  let home: Awaited<ReturnType<typeof aHome>>;
  let station: TestStation;
  let owner: DashboardUser;
  const now = Date.now();
  const at = (minutesAgo: number) => new Date(now - minutesAgo * 60_000).toISOString();
  const period = {
    startDate: new Date(now - 30 * 86_400_000).toISOString(),
    endDate: new Date(now + 60_000).toISOString(),
    step: 'day',
  };

  beforeAll(async () => {
    t = await createTestApp(dialect, {}, { listen: true });
    const user = await t.user('owner', 'camille@example.com');
    token = user.token;
    home = await aHome(t, token, { serialNumber: 'ENERGY-1' });
    station = new TestStation({
      url: t.wsUrl,
      uid: home.device.uid,
      password: home.device.password,
    });
    station.configuration.set('WittyAuthorizeTic', 'false');
    await station.connect();
    await station.boot();
    owner = new DashboardUser(t.config.publicUrl);
    await owner.signIn(user.account.email, 'a long password');
  });
  afterAll(async () => {
    await station.close();
    await t.close();
  });

  /** The API's daily sums of a measure, by local day and tariff class. */
  async function apiSums(path: string): Promise<Map<string, number>> {
    const response = await t.api('POST', `${path}/measures/1/operators/sum`, {
      token,
      body: period,
    });
    expect(response.statusCode).toBe(200);
    const sums = new Map<string, number>();
    for (const row of response.json<{ date: string; tariffType: string; value: number }[]>()) {
      const day = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris' }).format(
        new Date(row.date),
      );
      const key = `${day} ${row.tariffType}`;
      sums.set(key, (sums.get(key) ?? 0) + row.value);
    }
    return sums;
  }

  const chart = async () => {
    const { status, html } = await owner.get(
      `/dashboard/installations/${home.installationId}/energy`,
    );
    expect(status).toBe(200);
    return JSON.parse(html) as Chart;
  };

  it('without consent: the station alone, in Base', async () => {
    await station.meterValues(1, undefined, at(300), 5_000);
    await station.meterValues(1, undefined, at(290), 5_600);
    const { series } = await chart();
    expect(series.map((s) => `${s.source} ${s.tariff}`)).toEqual(['station base']);
    expect(series[0]!.values.reduce((a, b) => a + b, 0)).toBeCloseTo(0.6, 9);
  });

  const page = () => `/dashboard/installations/${home.installationId}`;
  const consentOf = async () =>
    (await t.api('GET', home.stationPath, { token })).json<{
      properties: { authorizeTic: string };
    }>().properties.authorizeTic;

  it('the owner gives the TIC consent from the page, through the API', async () => {
    const before = (await owner.get(page())).html;
    expect(before).toContain('once you consent to TIC data');
    expect(before).toContain(`name="meter" value="${home.meterId}"`);
    expect(before).toMatch(/name="authorize" value="true"[^>]*>Give my consent</);
    const sent = await owner.send(page(), `${page()}/tic-consent`, {
      meter: home.meterId,
      authorize: 'true',
    });
    expect(sent.status).toBe(303);
    expect(sent.response.headers.get('location')).toBe(`${page()}?tic=given`);
    expect(await consentOf()).toBe('consent');
    const after = (await owner.get(`${page()}?tic=given`)).html;
    expect(after).toContain('Consent given: the station now sends the TIC data.');
    expect(after).toMatch(/name="authorize" value="false"[^>]*>Withdraw my consent</);
  });

  it('with consent: the house too, each stacked by HC and HP as the API sums them', async () => {
    expect(await consentOf()).toBe('consent');
    const tic = (labels: Record<string, string>, timestamp: string) =>
      station.dataTransfer('Tic', { labels, timestamp });
    await tic(hchp(1_000_000, 2_000_000, 'HP..'), at(130));
    await station.meterValues(1, undefined, at(125), 6_000);
    await tic(hchp(1_000_000, 2_000_500, 'HP..'), at(120));
    await station.meterValues(1, undefined, at(115), 6_700);
    await tic(hchp(1_000_300, 2_000_500, 'HC..'), at(110));
    await station.meterValues(1, undefined, at(105), 7_100);
    await tic(hchp(1_000_500, 2_000_500, 'HC..'), at(100));
    await station.meterValues(1, undefined, at(95), 8_000);

    const { days, series } = await chart();
    const names = series.map((s) => `${s.source} ${s.tariff}`);
    expect(names).toEqual(expect.arrayContaining(['house hc', 'house hp']));
    expect(names.filter((n) => n.startsWith('station'))).not.toHaveLength(0);
    expect(series.find((s) => s.source === 'house' && s.tariff === 'hc')!.label).toBe(
      'House, off-peak (HC)',
    );
    for (const [source, path] of [
      ['station', home.stationPath],
      ['house', home.meterPath],
    ] as const) {
      const sums = await apiSums(path);
      for (const tariff of ['hc', 'hp'] as const) {
        const shown = series.find(
          (s) =>
            s.source === source &&
            (s.tariff === tariff || (s.tariff === 'base' && tariff === 'hp')),
        );
        days.forEach((day, n) =>
          expect(shown?.values[n] ?? 0, `${source} ${tariff} ${day}`).toBeCloseTo(
            sums.get(`${day} ${tariff}`) ?? 0,
            9,
          ),
        );
      }
    }
    const house = series.filter((s) => s.source === 'house').flatMap((s) => s.values);
    expect(house.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    // The page says nothing of a missing consent any more, and its table has the house columns.
    const page = (await owner.get(`/dashboard/installations/${home.installationId}`)).html;
    expect(page).not.toContain('once you consent to TIC data');
    expect(page).toContain('<th scope="col">House, peak (HP)</th>');
  });

  it('by month and in cost: 12 months, the costs summed by the API, the view links marked', async () => {
    const view = '?step=month&measure=cost';
    const { status, html } = await owner.get(
      `/dashboard/installations/${home.installationId}/energy${view}`,
    );
    expect(status).toBe(200);
    const costs = JSON.parse(html) as Chart & { unit: string };
    expect(costs.unit).toBe('EUR');
    expect(costs.days).toHaveLength(12);
    expect(costs.days.at(-1)).toBe(
      new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris' }).format(new Date()).slice(0, 7),
    );
    const response = await t.api('POST', `${home.stationPath}/measures/3/operators/sum`, {
      token,
      body: { ...period, startDate: new Date(now - 300 * 86_400_000).toISOString(), step: 'month' },
    });
    expect(response.statusCode).toBe(200);
    const total = response.json<{ value: number }[]>().reduce((sum, row) => sum + row.value, 0);
    expect(total).toBeGreaterThan(0);
    const shown = costs.series
      .filter((s) => s.source === 'station')
      .flatMap((s) => s.values)
      .reduce((a, b) => a + b, 0);
    expect(shown).toBeCloseTo(total, 9);

    const page = (await owner.get(`/dashboard/installations/${home.installationId}${view}`)).html;
    expect(page).toContain('Cost by month, last 12 months');
    expect(page).toContain(
      `data-source="/dashboard/installations/${home.installationId}/energy${view.replace('&', '&amp;')}"`,
    );
    expect(page).toMatch(/aria-current="page">By month</);
    expect(page).toMatch(/aria-current="page">Cost</);
    expect(page).toContain('<th scope="col">Month</th>');
    // Anything else asked is the default view.
    const other = (
      await owner.get(`/dashboard/installations/${home.installationId}?step=year&measure=x`)
    ).html;
    expect(other).toContain('Energy by day, last 30 days');
  });

  it('the consent form: withdrawn from the page; refused without CSRF, with a bad value or another meter', async () => {
    const forged = await owner.browser.submit(`${t.config.publicUrl}${page()}/tic-consent`, {
      meter: home.meterId,
      authorize: 'false',
    });
    expect(forged.status).toBe(403);
    const bad = await owner.send(page(), `${page()}/tic-consent`, {
      meter: home.meterId,
      authorize: 'maybe',
    });
    expect(bad.status).toBe(400);
    const otherMeter = await owner.send(page(), `${page()}/tic-consent`, {
      meter: '00000000-0000-4000-8000-000000000000',
      authorize: 'false',
    });
    expect(otherMeter.status).toBe(404);
    expect(await consentOf()).toBe('consent');

    const withdrawn = await owner.send(page(), `${page()}/tic-consent`, {
      meter: home.meterId,
      authorize: 'false',
    });
    expect(withdrawn.response.headers.get('location')).toBe(`${page()}?tic=withdrawn`);
    expect(await consentOf()).toBe('noConsent');
    const html = (await owner.get(`${page()}?tic=withdrawn`)).html;
    expect(html).toContain('Consent withdrawn: the TIC data is no longer kept.');
    expect(html).toContain('once you consent to TIC data');
    expect((await chart()).series.every((s) => s.source === 'station')).toBe(true);
  });

  it('an open event stream ends when the platform stops', async () => {
    const stream = await owner.browser.request(
      `${t.config.publicUrl}/dashboard/installations/${home.installationId}/events`,
    );
    const reader = stream.body!.getReader();
    expect((await reader.read()).done).toBe(false);
    await station.close();
    const closing = t.app.close();
    for (;;) {
      if ((await reader.read()).done) break;
    }
    await closing;
  });
});
