import { afterAll, beforeAll, expect, it } from 'vitest';
import { aHome } from '../helpers/builders.js';
import { DashboardUser } from '../helpers/dashboard.js';
import { TestStation } from '../helpers/station.js';
import { createTestApp, describeEachDialect, type TestApp } from '../helpers/test-app.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';

const PASSWORD = 'a long password';

// The owner's webhooks in the dashboard, against a real HTTP endpoint in the test process:
// added (handshake answered, secret shown once), events delivered and listed with their
// attempts, sent again, deleted; what the API refuses is said on the page.
describeEachDialect('the owner dashboard: webhooks', (dialect) => {
  let t: TestApp;
  let home: Awaited<ReturnType<typeof aHome>>;
  let station: TestStation;
  let owner: DashboardUser;
  let ownerToken: string;
  let receiver: WebhookReceiver;
  let page: string;

  beforeAll(async () => {
    t = await createTestApp(dialect, { WITTY_WEBHOOK_ALLOW_PRIVATE: 'true' }, { listen: true });
    const { account, token } = await t.user('owner', `hooks-${dialect}@example.com`);
    ownerToken = token;
    home = await aHome(t, token, { serialNumber: 'DASHWEBHOOKS001' });
    page = `/dashboard/installations/${home.installationId}/webhooks`;
    station = await TestStation.online(t.wsUrl, home.device);
    receiver = new WebhookReceiver();
    await receiver.start();
    owner = new DashboardUser(t.config.publicUrl);
    await owner.signIn(account.email, PASSWORD);
  });
  afterAll(async () => {
    await station.close();
    await receiver.stop();
    await t.close();
  });

  const apiWebhooks = async () =>
    (
      await t.api('GET', `/v1/installations/${home.installationId}/event-subscriptions`, {
        token: ownerToken,
      })
    ).json<{ eventSubscriptionId: string; protocolData: string; state: string }[]>();

  it('add: the endpoint answers the handshake, the secret is shown once and never in a URL', async () => {
    const station = await owner.get(`/dashboard/installations/${home.installationId}`);
    expect(station.html).toContain(`href="${page}">Webhooks</a>`);
    expect((await owner.get(page)).html).toContain('No webhook yet.');
    const added = await owner.send(page, page, {
      endpoint: `${receiver.url}/hook`,
      eventType: 'XEVFR.state_EVCS_socketState',
    });
    expect(added.status).toBe(201);
    expect(added.text).toContain('Webhook added.');
    const secret = /<code id="webhook-secret">(whsec_[^<]+)<\/code>/.exec(added.text)?.[1];
    expect(secret).toBeDefined();
    const [hook] = await apiWebhooks();
    expect(hook).toMatchObject({ protocolData: `${receiver.url}/hook`, state: 'Created' });
    const listed = (await owner.get(page)).html;
    expect(listed).toContain('Receiving events');
    expect(listed).toContain('socketState');
    expect(listed).not.toContain(secret!);
  });

  it('the delivery log lists each event with its attempts; a delivered event is sent again', async () => {
    const [hook] = await apiWebhooks();
    receiver.received.length = 0;
    await station.status(1, 'Preparing');
    await t.app.platform.deliveries.runOnce();
    expect(receiver.events()).toHaveLength(1);
    const log = `${page}/${hook!.eventSubscriptionId}`;
    const { status, html } = await owner.get(log);
    expect(status).toBe(200);
    expect(html).toContain('Delivered');
    expect(html).toMatch(/— 200 \(\d+ ms\)/);
    const deliveryId = /deliveries\/([0-9a-f-]{36})\/redeliver/.exec(html)?.[1];
    expect(deliveryId).toBeDefined();

    const again = await owner.send(log, `${log}/deliveries/${deliveryId}/redeliver`);
    expect(again.status).toBe(303);
    expect(again.response.headers.get('location')).toBe(`${log}?done=redelivered`);
    await t.app.platform.deliveries.runOnce();
    expect(receiver.events()).toHaveLength(2);
    expect(receiver.events()[1]!.headers['webhook-id']).toBe(
      receiver.events()[0]!.headers['webhook-id'],
    );
    expect((await owner.get(`${log}?done=redelivered`)).html).toContain(
      'The event is queued to be sent again.',
    );
  });

  it('refusals: a private address is said on the page with the form kept; no CSRF, unknown ids → 403, 404', async () => {
    const refused = await owner.send(page, page, {
      endpoint: 'ftp://example.com/hook',
      eventType: '',
    });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('role="alert"');
    expect(refused.text).toContain('value="ftp://example.com/hook"');
    const [hook] = await apiWebhooks();
    const forged = await owner.browser.submit(
      `${t.config.publicUrl}${page}/${hook!.eventSubscriptionId}/delete`,
      {},
    );
    expect(forged.status).toBe(403);
    expect(
      (await owner.send(page, `${page}/00000000-0000-4000-8000-000000000000/delete`)).status,
    ).toBe(404);
    expect((await owner.get(`${page}/00000000-0000-4000-8000-000000000000`)).status).toBe(404);
    expect((await owner.get('/dashboard/installations/999999/webhooks')).status).toBe(404);
    expect(await apiWebhooks()).toHaveLength(1);
  });

  it('send again: an unknown delivery or no CSRF is refused; a disabled subscription’s refusal is worded', async () => {
    const [hook] = await apiWebhooks();
    const log = `${page}/${hook!.eventSubscriptionId}`;
    const unknown = await owner.send(
      log,
      `${log}/deliveries/00000000-0000-4000-8000-000000000000/redeliver`,
    );
    expect(unknown.status).toBe(404);
    const deliveryId = /deliveries\/([0-9a-f-]{36})\/redeliver/.exec(
      (await owner.get(log)).html,
    )?.[1];
    const forged = await owner.browser.submit(
      `${t.config.publicUrl}${log}/deliveries/${deliveryId}/redeliver`,
      {},
    );
    expect(forged.status).toBe(403);

    // The endpoint answers 410 Gone: the subscription is disabled and takes no event again.
    receiver.answer = () => ({ status: 410 });
    await station.status(1, 'Available');
    await t.app.platform.deliveries.runOnce();
    expect((await apiWebhooks())[0]!.state).toBe('Disabled');
    const refused = await owner.send(log, `${log}/deliveries/${deliveryId}/redeliver`);
    expect(refused.status).toBe(303);
    const location = refused.response.headers.get('location')!;
    expect(location).toBe(`${log}?refused=EVENT_SUBSCRIPTION_NOT_ACTIVE`);
    const { html } = await owner.get(location);
    expect(html).toContain('role="alert"');
    expect(html).toContain('this webhook receives no events (see its state).');
    expect(html).toContain('Disabled');
  });

  it('delete: gone from the API and the page', async () => {
    const [hook] = await apiWebhooks();
    const deleted = await owner.send(page, `${page}/${hook!.eventSubscriptionId}/delete`);
    expect(deleted.status).toBe(303);
    expect(deleted.response.headers.get('location')).toBe(`${page}?done=deleted`);
    expect(await apiWebhooks()).toHaveLength(0);
    const { html } = await owner.get(`${page}?done=deleted`);
    expect(html).toContain('Webhook deleted.');
    expect(html).toContain('No webhook yet.');
  });
});
