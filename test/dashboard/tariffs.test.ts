import { afterAll, beforeAll, expect, it } from 'vitest';
import { aHome } from '../helpers/builders.js';
import { DashboardUser } from '../helpers/dashboard.js';
import { TestStation } from '../helpers/station.js';
import {
  createTestApp,
  describeEachDialect,
  RecordingMailer,
  type TestApp,
} from '../helpers/test-app.js';

const PASSWORD = 'a long password';

interface Tariff {
  id: string;
  currency: string;
  isDefault: boolean;
  values: { beginDate: string; value: number }[];
}

// The owner's tariffs page: the prices of the detected subscription's tariffs, and new prices
// from a day, set through the API; what the API refuses is said on the page.
describeEachDialect('the owner dashboard: tariffs and prices', (dialect) => {
  let t: TestApp;
  let home: Awaited<ReturnType<typeof aHome>>;
  let owner: DashboardUser;
  let ownerToken: string;
  let page: string;
  let station: TestStation;
  const mailer = new RecordingMailer();

  beforeAll(async () => {
    t = await createTestApp(dialect, {}, { listen: true, sharingMailer: mailer });
    const { account, token } = await t.user('owner', `tariffs-${dialect}@example.com`);
    ownerToken = token;
    home = await aHome(t, token, { serialNumber: 'DASHTARIFFS0001' });
    page = `/dashboard/installations/${home.installationId}/tariffs`;
    station = new TestStation({
      url: t.wsUrl,
      uid: home.device.uid,
      password: home.device.password,
    });
    station.configuration.set('WittyAuthorizeTic', 'false');
    await station.connect();
    await station.boot();
    owner = new DashboardUser(t.config.publicUrl);
    await owner.signIn(account.email, PASSWORD);
  });
  afterAll(async () => {
    await station.close();
    await t.close();
  });

  const apiTariffs = async () => {
    const response = await t.api('GET', `${home.meterPath}/tariffs`, { token: ownerToken });
    expect(response.statusCode).toBe(200);
    return response.json<Tariff[]>();
  };

  it('says why there is nothing to price: no TIC consent, then no subscription detected yet', async () => {
    const stationPage = await owner.get(`/dashboard/installations/${home.installationId}`);
    expect(stationPage.html).toContain(`href="${page}">Tariffs and prices</a>`);
    const before = await owner.get(page);
    expect(before.status).toBe(200);
    expect(before.html).toContain('give your consent to TIC data on the station page');
    expect(before.html).not.toContain('name="price_');
    const consent = await t.api('POST', `${home.meterPath}/operators/authorize-tic`, {
      token: ownerToken,
      body: { authorizeTIC: true },
    });
    expect(consent.statusCode).toBe(200);
    expect((await owner.get(page)).html).toContain('Your subscription is not known yet');
    // The station's Linky sends a frame of its HC/HP subscription.
    await station.dataTransfer('Tic', {
      labels: {
        ADCO: '021728123456',
        OPTARIF: 'HC..',
        ISOUSC: '30',
        HCHC: '001000000',
        HCHP: '002000000',
        PTEC: 'HP..',
        IINST: '007',
        PAPP: '01500',
      },
      timestamp: new Date().toISOString(),
    });
  });

  it('shows the tariffs of the subscription with their default price', async () => {
    const tariffs = await apiTariffs();
    expect(tariffs.length).toBeGreaterThan(0);
    const { status, html } = await owner.get(page);
    expect(status).toBe(200);
    for (const tariff of tariffs) {
      expect(html).toContain(`name="price_${tariff.id}"`);
      expect(tariff.isDefault).toBe(true);
    }
    expect(html).toContain('(default price)');
  });

  it('new prices from a day: 303 back to the page, which shows them; the API has them from the start of that day', async () => {
    const tariffs = await apiTariffs();
    const fields = Object.fromEntries(
      tariffs.map((tariff, n) => [`price_${tariff.id}`, n === 0 ? '0,2516' : '0.31']),
    );
    const sent = await owner.send(page, page, {
      ...fields,
      meter: home.meterId,
      currency: 'eur',
      from: '2026-03-01',
    });
    expect(sent.status).toBe(303);
    expect(sent.response.headers.get('location')).toBe(`${page}?saved=1`);
    const after = await apiTariffs();
    expect(after[0]).toMatchObject({ isDefault: false, currency: 'eur' });
    // Midnight in Paris (the station's Romance Standard Time), in winter.
    expect(after[0]!.values[0]).toEqual({ beginDate: '2026-02-28T23:00:00.000Z', value: 0.2516 });
    const { html } = await owner.get(`${page}?saved=1`);
    expect(html).toContain('Prices saved: the costs are counted again from that day.');
    expect(html).toContain('0.2516 €');
    // Shown as the day it was given, where the station is.
    expect(html).toContain('<td>2026-03-01</td>');
  });

  it('what is refused is said on the page with the form kept: no number, no day, a price the API refuses', async () => {
    const tariffs = await apiTariffs();
    // Every tariff at `price`, from 2026-03-01 in euros unless `change` says otherwise.
    const submit = (price: string, change: { from?: string; currency?: string } = {}) =>
      owner.send(page, page, {
        ...Object.fromEntries(tariffs.map((tariff) => [`price_${tariff.id}`, price])),
        meter: home.meterId,
        currency: 'eur',
        from: '2026-03-01',
        ...change,
      });
    const notANumber = await submit('cheap');
    expect(notANumber.status).toBe(400);
    expect(notANumber.text).toContain('Not done: Price per kWh');
    expect(notANumber.text).toContain('value="cheap"');
    const noDay = await submit('0.2', { from: 'soon' });
    expect(noDay.status).toBe(400);
    const tooDear = await submit('500');
    expect(tooDear.status).toBe(400);
    expect(tooDear.text).toContain('role="alert"');
    const badCurrency = await submit('0.2', { currency: 'usd' });
    expect(badCurrency.status).toBe(400);
    expect((await apiTariffs())[0]!.values[0]!.value).toBe(0.2516);
  });

  it('without TIC data the owner declares the subscription, whose tariffs can then be priced; refused hours are said; it can be removed', async () => {
    // The TIC-fed home: its subscription is the Linky's, nothing to declare.
    const ticPage = await owner.get(page);
    expect(ticPage.html).toContain('HCHP, read from your Linky');
    expect(ticPage.html).not.toContain('name="gridSubscription"');

    const generic = await aHome(t, ownerToken, { serialNumber: 'DASHTARIFFS0002' });
    const genericPage = `/dashboard/installations/${generic.installationId}/tariffs`;
    const before = await owner.get(genericPage);
    expect(before.html).toContain('No subscription is known');
    expect(before.html).toContain('name="gridSubscription"');
    expect(before.html).not.toContain('name="price_');
    /** The page's subscription form, sent with HCHP and the off-peak hours as typed. */
    const declareHchp = (offPeakHours: string) =>
      owner.send(genericPage, genericPage.replace(/\/tariffs$/, '/subscription'), {
        meter: generic.meterId,
        gridSubscription: 'HCHP',
        offPeakHours,
      });

    const noHours = await declareHchp('');
    expect(noHours.status).toBe(400);
    expect(noHours.text).toContain('Not done:');
    expect(noHours.text).toContain('HCHP needs its off-peak hours');
    const badWindow = await declareHchp('25:00-06:00');
    expect(badWindow.status).toBe(400);
    expect(badWindow.text).toContain('value="25:00-06:00"');

    const declared = await declareHchp('22:00-06:00, 12:30-14:30');
    expect(declared.status).toBe(303);
    expect(declared.response.headers.get('location')).toBe(`${genericPage}?saved=subscription`);
    const api = await t.api('GET', `${generic.meterPath}/subscription`, { token: ownerToken });
    expect(api.json()).toMatchObject({
      gridSubscription: 'HCHP',
      source: 'declared',
      offPeakHours: ['22:00-06:00', '12:30-14:30'],
    });
    const after = await owner.get(`${genericPage}?saved=subscription`);
    expect(after.html).toContain('Subscription saved');
    expect(after.html).toContain(
      'HCHP, as you declared it, off-peak hours 22:00-06:00, 12:30-14:30',
    );
    expect(after.html).toContain('name="price_hc"');
    expect(after.html).toContain('name="price_hp"');

    const removed = await owner.send(
      genericPage,
      `${genericPage.replace('/tariffs', '')}/subscription/remove`,
      { meter: generic.meterId },
    );
    expect(removed.status).toBe(303);
    expect((await owner.get(genericPage)).html).toContain('No subscription is known');
    const gone = await t.api('GET', `${generic.meterPath}/subscription`, { token: ownerToken });
    expect(gone.statusCode).toBe(409);
  });

  it('refused without CSRF (403), for another meter or installation (404), and to an installer (404)', async () => {
    const forged = await owner.browser.submit(`${t.config.publicUrl}${page}`, {
      meter: home.meterId,
      currency: 'eur',
      from: '2026-03-01',
    });
    expect(forged.status).toBe(403);
    const otherMeter = await owner.send(page, page, {
      meter: '00000000-0000-4000-8000-000000000000',
      currency: 'eur',
      from: '2026-03-01',
    });
    expect(otherMeter.status).toBe(404);
    expect((await owner.get('/dashboard/installations/999999/tariffs')).status).toBe(404);
    // The subscription's forms likewise.
    const subscription = page.replace(/\/tariffs$/, '/subscription');
    for (const target of [subscription, `${subscription}/remove`]) {
      const fields = { meter: home.meterId, gridSubscription: 'BASE', offPeakHours: '' };
      expect((await owner.browser.submit(`${t.config.publicUrl}${target}`, fields)).status).toBe(
        403,
      );
      const wrongMeter = await owner.send(page, target, {
        ...fields,
        meter: '00000000-0000-4000-8000-000000000000',
      });
      expect(wrongMeter.status).toBe(404);
      const unknown = await owner.send(
        page,
        target.replace(`/installations/${home.installationId}/`, '/installations/999999/'),
        fields,
      );
      expect(unknown.status).toBe(404);
    }

    const invited = await t.api('POST', `/v1/installations/${home.installationId}/invitations`, {
      token: ownerToken,
      body: { email: `pro-${dialect}@example.com`, cultureCode: 'en-GB' },
    });
    expect(invited.statusCode).toBe(201);
    const installer = await t.user('installer', `pro-${dialect}@example.com`);
    const code = mailer.of('invitation').at(-1)!.activationCode;
    expect(
      (
        await t.api('POST', `/v1/invitations/operators/accept/${code}`, {
          token: installer.token,
        })
      ).statusCode,
    ).toBe(200);
    const user = new DashboardUser(t.config.publicUrl);
    await user.signIn(`pro-${dialect}@example.com`, PASSWORD);
    expect((await user.get(page)).status).toBe(404);
    const station = await user.get(`/dashboard/installations/${home.installationId}`);
    expect(station.html).not.toContain('Tariffs and prices');
    // Nor may the installer declare or remove the subscription.
    for (const target of [subscription, `${subscription}/remove`]) {
      const refused = await user.send(`/dashboard/installations/${home.installationId}`, target, {
        meter: home.meterId,
        gridSubscription: 'BASE',
        offPeakHours: '',
      });
      expect(refused.status).toBe(404);
    }
    expect(
      (await t.api('GET', `${home.meterPath}/subscription`, { token: ownerToken })).json(),
    ).toMatchObject({ source: 'tic' });
  });
});
