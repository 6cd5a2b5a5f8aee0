import { afterAll, beforeAll, expect, it } from 'vitest';
import { aHome } from '../helpers/builders.js';
import { TestStation } from '../helpers/station.js';
import { createTestApp, describeEachDialect, type TestApp } from '../helpers/test-app.js';
import { echoHandshake, WebhookReceiver } from '../helpers/webhook-receiver.js';

describeEachDialect('a slow receiver holds up only its own deliveries', (dialect) => {
  let t: TestApp;
  let station: TestStation;
  let slow: WebhookReceiver;
  let fast: WebhookReceiver;
  let base: string;
  let token: string;

  beforeAll(async () => {
    t = await createTestApp(
      dialect,
      {
        WITTY_WEBHOOK_ALLOW_PRIVATE: 'true',
        WITTY_WEBHOOK_ENDPOINT_CONCURRENCY: '2',
        WITTY_WEBHOOK_TIMEOUT_SECONDS: '2',
        WITTY_WEBHOOK_POLL_MS: '50',
      },
      { listen: true },
    );
    ({ token } = await t.user('owner'));
    const home = await aHome(t, token, { serialNumber: 'WEBHOOK00000003' });
    base = `/v1/installations/${home.installationId}/event-subscriptions`;
    station = await TestStation.online(t.wsUrl, home.device);
    slow = new WebhookReceiver();
    fast = new WebhookReceiver();
    await slow.start();
    await fast.start();
  });
  afterAll(async () => {
    await t.app.platform.deliveries.stop(0);
    await station.close();
    await slow.stop();
    await fast.stop();
    await t.close();
  });

  it('five events: the fast endpoint gets them all while the slow one holds two at a time', async () => {
    for (const receiver of [slow, fast]) {
      const created = await t.api('POST', base, {
        token,
        body: {
          protocolCode: 'Webhook',
          protocolData: `${receiver.url}/hook`,
          eventType: 'XEVFR.state_EVCS_cybersecurity',
        },
      });
      expect(created.json().state).toBe('Created');
    }
    // The slow endpoint answers nothing: each of its POSTs waits for the 2 s timeout.
    slow.answer = (request) =>
      request.headers['aeg-event-type'] === 'Notification' ? 'hang' : echoHandshake(request);
    t.app.platform.deliveries.start();
    for (let event = 0; event < 5; event++)
      await station.dataTransfer('CyberSecurity', { event: event % 5 });
    await fast.waitFor(() => fast.events().length === 5, 5000);
    // Meanwhile the slow endpoint has its two slots, no more, until its POSTs time out (2 s).
    await slow.waitFor(() => slow.events().length >= 2, 1000);
    expect(slow.events()).toHaveLength(2);
  });
});
