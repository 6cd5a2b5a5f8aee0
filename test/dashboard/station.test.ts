import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Reads a Server-Sent Events stream: the `state` events, as they come. */
class EventReader {
  private buffer = '';
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly decoder = new TextDecoder();

  constructor(response: Response) {
    this.reader = response.body!.getReader();
  }

  /** The next `state` event whose state passes the test, within the time given. */
  async next(
    test: (state: Record<string, unknown>) => boolean,
    withinMs = 6000,
  ): Promise<{ state: Record<string, unknown>; html: string }> {
    const deadline = Date.now() + withinMs;
    for (;;) {
      let end: number;
      while ((end = this.buffer.indexOf('\n\n')) >= 0) {
        const block = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 2);
        const lines = block.split('\n');
        if (!lines.includes('event: state')) continue;
        const data = lines.find((l) => l.startsWith('data: '))!.slice(6);
        const event = JSON.parse(data) as { state: Record<string, unknown>; html: string };
        if (test(event.state)) return event;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('no such state event in time');
      const chunk = await Promise.race([
        this.reader.read(),
        sleep(left).then(() => ({ done: true, value: undefined })),
      ]);
      if (chunk.done) throw new Error('the stream ended');
      this.buffer += this.decoder.decode(chunk.value, { stream: true });
    }
  }

  async cancel(): Promise<void> {
    await this.reader.cancel();
  }
}

describeEachDialect('the owner dashboard: a station live', (dialect) => {
  let t: TestApp;
  let base: string;
  let home: Awaited<ReturnType<typeof aHome>>;
  let station: TestStation;
  let owner: DashboardUser;
  /** The owner's own access token, to compare with what the API answers directly. */
  let ownerToken: string;
  let page: string;
  let stationBase: string;
  const mailer = new RecordingMailer();

  beforeAll(async () => {
    t = await createTestApp(
      dialect,
      { WITTY_COMMAND_TIMEOUT_SECONDS: '3' },
      { listen: true, sharingMailer: mailer },
    );
    base = t.config.publicUrl;
    const { account, token } = await t.user('owner', 'camille@example.com');
    ownerToken = token;
    home = await aHome(t, token, { serialNumber: '1234ABCDEF5678' });
    station = await TestStation.online(t.wsUrl, home.device);
    await station.status(0, 'Available');
    await station.status(1, 'Available');
    page = `/dashboard/installations/${home.installationId}`;
    stationBase = `${page}/stations/${home.stationId}`;
    owner = new DashboardUser(base);
    // Sign-in from the station page comes back to it.
    expect((await owner.signIn(account.email, PASSWORD, page)).status).toBe(200);
  });
  afterAll(async () => {
    await station.close();
    await t.close();
  });

  /** Follows a command's progress route until the station's answer. */
  async function settledProgress(path: string) {
    for (let i = 0; i < 100; i++) {
      const { html } = await owner.get(path, { accept: 'application/json' });
      const progress = JSON.parse(html) as { status: string; done: boolean; text: string };
      if (progress.done) return progress;
      await sleep(50);
    }
    throw new Error('command still pending');
  }

  it('shows the station’s state, its commands, the chart and the live stream it listens to', async () => {
    const { status, html } = await owner.get(page);
    expect(status).toBe(200);
    expect(html).toContain('Charging station 1234ABCDEF5678');
    expect(html).toMatch(/data-field="availability">\s*Available/);
    expect(html).toMatch(/data-field="plug">\s*Nothing plugged in/);
    expect(html).toMatch(/data-field="chargeMode">\s*Immediate/);
    expect(html).toContain('>Online<');
    expect(html).toContain('No charging session.');
    expect(html).toContain(`data-events="${page}/events"`);
    expect(html).toContain(`action="${stationBase}/start"`);
    expect(html).toContain('value="deferred"');
    expect(html).toContain(`data-source="${page}/energy"`);
    expect(html).toContain('src="/dashboard/assets/chart.umd.js"');
    expect(html).toContain('The house consumption appears here once you consent');
  });

  it('serves its script and Chart.js from the platform', async () => {
    const chart = await fetch(`${base}/dashboard/assets/chart.umd.js`);
    expect(chart.status).toBe(200);
    expect(chart.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await chart.text()).toContain('Chart.js v4');
    expect((await fetch(`${base}/dashboard/assets/dashboard.js`)).status).toBe(200);
    expect((await fetch(`${base}/dashboard/assets/nothing.js`)).status).toBe(404);
  });

  it('a form without its CSRF token is refused with 403', async () => {
    const response = await owner.browser.submit(`${base}${stationBase}/start`, {});
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('This form has expired');
  });

  it('charge mode by a form without script: 303 back to the page, which follows the command to accepted', async () => {
    const sent = await owner.send(page, `${stationBase}/charge-mode`, { chargeMode: 'deferred' });
    expect(sent.status).toBe(303);
    const location = sent.response.headers.get('location')!;
    expect(location).toMatch(new RegExp(`^${page}\\?command=[0-9a-f-]{36}$`));
    const commandId = location.split('=')[1]!;
    const progress = `${stationBase}/commands/${commandId}`;
    expect((await settledProgress(progress)).text).toBe('Charge mode: accepted by the station.');
    const { html } = await owner.get(location);
    expect(html).toContain(`data-progress="${progress}"`);
    expect(html).toContain('Charge mode: accepted by the station.');
    expect(html).toMatch(/data-field="chargeMode">\s*Deferred/);
  });

  it('a command the API refuses (start with nothing plugged) says why, with and without script', async () => {
    const sent = await owner.send(page, `${stationBase}/start`);
    expect(sent.status).toBe(303);
    expect(sent.response.headers.get('location')).toBe(`${page}?refused=CAR_NOT_PLUGGED`);
    const { html } = await owner.get(`${page}?refused=CAR_NOT_PLUGGED`);
    expect(html).toContain('Not sent: no car is plugged in.');

    const json = await owner.send(page, `${stationBase}/start`, {}, { accept: 'application/json' });
    expect(json.status).toBe(409);
    expect(JSON.parse(json.text)).toEqual({
      refused: 'CAR_NOT_PLUGGED',
      text: 'Not sent: no car is plugged in.',
    });
  });

  it('the event stream sends the new state when the station reports Preparing', async () => {
    const response = await owner.browser.request(`${base}${page}/events`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const events = new EventReader(response);
    try {
      const first = await events.next(() => true);
      expect(first.state).toMatchObject({ availability: 'available', carPlugStatus: null });
      await station.status(1, 'Preparing');
      const plugged = await events.next((s) => s.availability === 'occupied');
      expect(plugged.state).toMatchObject({ carPlugStatus: 'm3', chargeMode: 'deferred' });
      expect(plugged.html).toMatch(/data-field="availability">\s*Occupied \(car plugged in\)/);
    } finally {
      await events.cancel();
    }
  });

  it('start: pending until the station answers, then accepted (the progress route says so)', async () => {
    let answer: (value: object) => void = () => undefined;
    // The station holds its answer until the test gives it.
    const received = new Promise<void>((called) =>
      station.answers.set('RemoteStartTransaction', () => {
        called();
        return new Promise<object>((resolve) => (answer = resolve));
      }),
    );
    const sent = await owner.send(page, `${stationBase}/start`, {}, { accept: 'application/json' });
    expect(sent.status).toBe(202);
    const started = JSON.parse(sent.text) as { status: string; text: string; progress: string };
    expect(started).toMatchObject({
      status: 'pending',
      text: 'Start: sent, waiting for the station…',
      progress: expect.stringMatching(new RegExp(`^${stationBase}/commands/[0-9a-f-]{36}$`)),
    });
    await received;
    const pending = JSON.parse((await owner.get(started.progress)).html);
    expect(pending).toMatchObject({ type: 'start', status: 'pending', done: false });
    answer({ status: 'Accepted' });
    expect(await settledProgress(started.progress)).toMatchObject({
      status: 'accepted',
      text: 'Start: accepted by the station.',
    });
    station.answers.delete('RemoteStartTransaction');
  });

  it('the chart route gives the daily sums the API computes from the station’s readings', async () => {
    const now = Date.now();
    const at = (hoursAgo: number) => new Date(now - hoursAgo * 3_600_000).toISOString();
    const readings: [number, number][] = [
      [50, 10_000],
      [49.8, 11_500],
      [26, 14_000],
      [3, 20_250],
      [2.8, 21_000],
    ];
    for (const [hoursAgo, wh] of readings)
      await station.meterValues(1, undefined, at(hoursAgo), wh);

    const { status, html } = await owner.get(`${page}/energy`);
    expect(status).toBe(200);
    const chart = JSON.parse(html) as {
      unit: string;
      days: string[];
      series: { source: string; tariff: string; label: string; values: number[] }[];
    };
    expect(chart.unit).toBe('kWh');
    expect(chart.days).toHaveLength(30);
    expect(chart.series).toHaveLength(1);
    const [series] = chart.series;
    expect(series).toMatchObject({ source: 'station', tariff: 'base', label: 'Station' });

    const sums = await t.api('POST', `${home.stationPath}/measures/1/operators/sum`, {
      token: ownerToken,
      body: {
        startDate: new Date(now - 30 * 86_400_000).toISOString(),
        endDate: new Date(now + 60_000).toISOString(),
        step: 'day',
      },
    });
    const byDay = new Map<string, number>();
    for (const row of sums.json<{ date: string; value: number }[]>()) {
      const day = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris' }).format(
        new Date(row.date),
      );
      byDay.set(day, (byDay.get(day) ?? 0) + row.value);
    }
    expect(byDay.size).toBeGreaterThan(0);
    chart.days.forEach((day, n) => expect(series!.values[n]).toBeCloseTo(byDay.get(day) ?? 0, 9));
    const total = series!.values.reduce((a, b) => a + b, 0);
    expect(total).toBeCloseTo((21_000 - 10_000) / 1000, 9);
    // The page's table holds the same figures for screen readers.
    const table = (await owner.get(page)).html;
    expect(table).toContain('<caption>Energy by day, last 30 days (kWh)</caption>');
    expect(table).toContain(`<th scope="row">${chart.days[29]}</th>`);
  });

  describe('who sees what', () => {
    let transactionId: number;

    it('an installer sees the station without cost and without any button', async () => {
      transactionId = await station.startTransaction(1, 21_000, new Date().toISOString());
      await station.meterValues(1, transactionId, new Date().toISOString(), 22_000, 7400);
      const ownerPage = (await owner.get(page)).html;
      expect(ownerPage).toContain('data-field="cost"');
      expect(ownerPage).toContain('data-field="energy"');

      const invited = await t.api('POST', `/v1/installations/${home.installationId}/invitations`, {
        token: ownerToken,
        body: { email: 'pro@example.com', cultureCode: 'fr-FR' },
      });
      expect(invited.statusCode).toBe(201);
      const installer = await t.user('installer', 'pro@example.com');
      const code = mailer.of('invitation').at(-1)!.activationCode;
      const accepted = await t.api('POST', `/v1/invitations/operators/accept/${code}`, {
        token: installer.token,
      });
      expect(accepted.statusCode).toBe(200);

      const user = new DashboardUser(base);
      const { status, html } = await user.signIn('pro@example.com', PASSWORD, page);
      expect(status).toBe(200);
      expect(html).toMatch(/data-field="availability">\s*Occupied/);
      expect(html).toContain('You see this station as its installer');
      expect(html).not.toContain('data-command');
      expect(html).not.toContain('<button type="submit" name="chargeMode"');
      expect(html).not.toContain('data-field="cost"');
      expect(html).not.toContain('energy-chart');
      expect(html).not.toContain('chart.umd.js');
      expect((await user.get(`${page}/energy`)).status).toBe(403);
      const stream = await user.browser.request(`${base}${page}/events`);
      const events = new EventReader(stream);
      const first = await events.next(() => true);
      await events.cancel();
      expect(first.state).toMatchObject({ availability: 'occupied', session: null });
    });

    it('the owner’s last sessions give energy and cost; the installer’s only their starts', async () => {
      await station.stopTransaction(transactionId, 23_500, new Date().toISOString());
      const { html } = await owner.get(page);
      const sessions = html.slice(html.indexOf('id="sessions-title"'));
      expect(sessions).toContain('<th scope="col">Ended</th>');
      expect(sessions).toContain('<td>2.5</td>');
      const user = new DashboardUser(base);
      const installerPage = (await user.signIn('pro@example.com', PASSWORD, page)).html;
      const starts = installerPage.slice(installerPage.indexOf('id="sessions-title"'));
      expect(starts).toContain('<th scope="col">Socket</th>');
      expect(starts).not.toContain('<th scope="col">Ended</th>');
      expect(starts).not.toContain('2.5');
    });

    it('a stranger gets 404 for the page, its stream, its chart and its commands', async () => {
      await t.user('owner', 'stranger@example.com');
      const user = new DashboardUser(base);
      await user.signIn('stranger@example.com', PASSWORD);
      for (const path of [page, `${page}/events`, `${page}/energy`]) {
        expect((await user.get(path)).status, path).toBe(404);
      }
      const sent = await user.send('/dashboard', `${stationBase}/stop`);
      expect(sent.status).toBe(404);
    });
  });

  it('an expired access token is refreshed with the refresh token, and the page shows', async () => {
    const before = owner.browser.cookie('witty_dashboard_access')!;
    const refreshBefore = owner.browser.cookie('witty_dashboard_refresh')!;
    const { iat, exp } = decodeJwt(before);
    // The provider stamps tokens with the system time and the API checks them on the platform
    // clock: the new token must be younger than the old one by more than the jump past expiry.
    const wait = (iat! + 3) * 1000 - Date.now();
    if (wait > 0) await sleep(wait);
    t.clock.set(new Date((exp! + 1) * 1000));
    const api = await t.api('GET', '/v1/installations', { token: before });
    expect(api.statusCode).toBe(401);

    const { status, html, response } = await owner.get(page);
    expect(status).toBe(200);
    expect(html).toContain('Charging station 1234ABCDEF5678');
    const after = owner.browser.cookie('witty_dashboard_access')!;
    expect(after).not.toBe(before);
    expect(decodeJwt(after).exp).toBeGreaterThan(exp!);
    expect(owner.browser.cookie('witty_dashboard_refresh')).not.toBe(refreshBefore);
    expect(response.headers.getSetCookie().join()).toMatch(/witty_dashboard_access=.*HttpOnly/);
    t.clock.set(new Date());
  });
});
