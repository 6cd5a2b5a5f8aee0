import fs from 'node:fs';
import path from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { aHome } from '../helpers/builders.js';
import { TestStation } from '../helpers/station.js';
import { createTestApp, describeEachDialect, type TestApp } from '../helpers/test-app.js';
import { echoHandshake, WebhookReceiver } from '../helpers/webhook-receiver.js';

const examples = path.resolve(import.meta.dirname, '../../../shared/spec/examples');
const guideRequest = JSON.parse(
  fs.readFileSync(path.join(examples, '04-event-subscription-create-request.json'), 'utf8'),
) as Record<string, unknown>;
const guideModel = JSON.parse(
  fs.readFileSync(path.join(examples, '03-event-subscription.json'), 'utf8'),
) as Record<string, unknown>;

const ALLOW_PRIVATE = {
  WITTY_WEBHOOK_ALLOW_PRIVATE: 'true',
  // Short retries: the clock is moved past each delay.
  WITTY_WEBHOOK_RETRY_DELAYS_SECONDS: '10,60,300',
};

describeEachDialect('webhook notifications', (dialect) => {
  let t: TestApp;
  let owner: { token: string; account: { accountId: string } };
  let home: Awaited<ReturnType<typeof aHome>>;
  let station: TestStation;
  let receiver: WebhookReceiver;
  const base = () => `/v1/installations/${home.installationId}/event-subscriptions`;
  const deliverNow = () => t.app.platform.deliveries.runOnce();

  beforeAll(async () => {
    t = await createTestApp(dialect, ALLOW_PRIVATE, { listen: true });
    owner = await t.user('owner');
    home = await aHome(t, owner.token, { serialNumber: 'WEBHOOK00000001' });
    station = await TestStation.online(t.wsUrl, home.device);
    receiver = new WebhookReceiver();
    await receiver.start();
  });
  afterAll(async () => {
    await station.close();
    await receiver.stop();
    await t.close();
  });
  beforeEach(async () => {
    // The tests move the clock by hours; tokens are checked against it.
    t.clock.set(new Date());
    await t.api('DELETE', base(), { token: owner.token });
    receiver.received.length = 0;
    receiver.answer = echoHandshake;
  });

  async function subscribe(body: Record<string, unknown> = {}) {
    const response = await t.api('POST', base(), {
      token: owner.token,
      body: { protocolCode: 'Webhook', protocolData: `${receiver.url}/hook`, ...body },
    });
    return response;
  }

  const notifications = () => receiver.events();

  it('the guide request, with a real event type, creates a subscription validated by echo', async () => {
    const response = await subscribe({
      ...guideRequest,
      protocolData: `${receiver.url}/hook`,
      eventType: 'XEVFR.state_EVCS_socketState',
    });
    expect(response.statusCode).toBe(201);
    const created = response.json();
    expect(Object.keys(created).sort()).toEqual(
      [...Object.keys(guideModel), 'eventType', 'secret'].sort(),
    );
    expect(created).toMatchObject({
      installationId: home.installationId,
      userId: owner.account.accountId,
      protocolCode: 'Webhook',
      protocolData: `${receiver.url}/hook`,
      eventType: 'XEVFR.state_EVCS_socketState',
      filter: { subjectBeginsWith: '', subjectEndsWith: '' },
      state: 'Created',
      modificationDate: '0001-01-01T00:00:00Z',
    });
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(response.headers.location).toBe(`${base()}/${created.eventSubscriptionId}`);
    // The handshake: Event Grid's SubscriptionValidationEvent.
    const [handshake] = receiver.received;
    expect(handshake?.headers['aeg-event-type']).toBe('SubscriptionValidation');
    expect(handshake?.json).toEqual([
      {
        id: expect.any(String),
        topic: `/witty-home/installations/${home.installationId}`,
        subject: '',
        eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent',
        eventTime: expect.any(String),
        data: {
          validationCode: expect.any(String),
          validationUrl: expect.stringContaining('/webhooks/validate?id='),
        },
        dataVersion: '1',
        metadataVersion: '1',
      },
    ]);
    // The secret is shown once: never in a read.
    const read = await t.api('GET', `${base()}/${created.eventSubscriptionId}`, {
      token: owner.token,
    });
    expect(read.statusCode).toBe(200);
    expect(read.json()).not.toHaveProperty('secret');
    const model = { ...created };
    delete model.secret;
    expect(read.json()).toEqual(model);
    expect((await t.api('GET', base(), { token: owner.token })).json()).toEqual([model]);
  });

  it.each([
    ["the guide's placeholder event type", { eventType: 'string' }, 'eventType'],
    ['another protocol', { protocolCode: 'Email' }, 'protocolCode'],
    ['no endpoint', { protocolData: undefined }, 'protocolData'],
    ['an unknown member', { colour: 'blue' }, 'colour'],
  ])('%s → 400 naming the field', async (_name, body, field) => {
    const response = await subscribe(body);
    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe('VALIDATION_FAILED');
    expect(JSON.stringify(response.json())).toContain(field);
    expect((await t.api('GET', base(), { token: owner.token })).json()).toEqual([]);
  });

  it('the 400 for a wrong event type lists the valid types', async () => {
    const response = await subscribe({ eventType: 'XEVFR.state_EVCS_nothing' });
    expect(response.statusCode).toBe(400);
    for (const type of ['XEVFR.state_EVCS_session', 'XEVFR.state_EVCS_cybersecurity'])
      expect(JSON.stringify(response.json())).toContain(type);
  });

  it('the guide\'s "webhook" and misspelt XEFVR session type are accepted', async () => {
    const response = await subscribe({
      protocolCode: 'webhook',
      eventType: 'XEFVR.state_EVCS_session',
    });
    expect(response.statusCode).toBe(201);
    expect(response.json()).toMatchObject({
      protocolCode: 'webhook',
      eventType: 'XEVFR.state_EVCS_session',
    });
  });

  it('each of the five event types reaches the endpoint in the Event Grid envelope, signed', async () => {
    const created = (await subscribe()).json();
    const subject = `installations/${home.installationId}/charging-stations/${home.stationId}`;
    // socket state and error
    await station.status(1, 'Faulted', {
      errorCode: 'OtherError',
      vendorId: 'fr.hager.witty',
      vendorErrorCode: '4',
    });
    await station.status(1, 'Available');
    // session
    const transactionId = await station.startTransaction(1, 1000, new Date().toISOString());
    await station.stopTransaction(transactionId, 3500, new Date(Date.now() + 60_000).toISOString());
    // charge mode, as the station reports it
    const changed = station.nextCall('ChangeConfiguration');
    const command = await t.api('POST', `${home.stationPath}/operators/set-charge-mode`, {
      token: owner.token,
      body: { chargeMode: 'deferred' },
    });
    expect(command.statusCode).toBe(202);
    await changed;
    await new Promise((resolve) => setTimeout(resolve, 100));
    // cybersecurity
    await station.dataTransfer('CyberSecurity', { event: 3, message: 'SSID changed' });
    await deliverNow();

    const events = notifications();
    const types = events.map(({ event }) => event.eventType);
    expect(new Set(types)).toEqual(
      new Set([
        'XEVFR.state_EVCS_socketState',
        'XEVFR.state_EVCS_error',
        'XEVFR.state_EVCS_session',
        'XEVFR.state_EVCS_chargeMode',
        'XEVFR.state_EVCS_cybersecurity',
      ]),
    );
    const verifier = new Webhook(created.secret);
    for (const { headers, body, event } of events) {
      expect(event).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        topic: `/witty-home/installations/${home.installationId}`,
        subject,
        eventType: expect.any(String),
        eventTime: expect.any(String),
        data: expect.objectContaining({
          installationId: home.installationId,
          chargingStationId: home.stationId,
        }),
        dataVersion: '1',
        metadataVersion: '1',
      });
      expect(headers['webhook-id']).toBe(event.id);
      expect(headers['aeg-event-type']).toBe('Notification');
      expect(() =>
        verifier.verify(body, {
          'webhook-id': String(headers['webhook-id']),
          'webhook-timestamp': String(headers['webhook-timestamp']),
          'webhook-signature': String(headers['webhook-signature']),
        }),
      ).not.toThrow();
    }
    const data = (type: string) =>
      events.filter(({ event }) => event.eventType === type).map(({ event }) => event.data);
    expect(data('XEVFR.state_EVCS_error')).toEqual([
      expect.objectContaining({ code: 4, name: 'M3VentilationError', previousCode: 0 }),
      expect.objectContaining({ code: 0, name: 'NoError', previousCode: 4 }),
    ]);
    expect(data('XEVFR.state_EVCS_socketState')).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ socketState: 3, socketStateName: 'InTrouble' }),
        expect.objectContaining({ socketState: 0, socketStateName: 'Available' }),
      ]),
    );
    expect(data('XEVFR.state_EVCS_session')).toEqual([
      expect.objectContaining({ state: 'started', sessionId: transactionId, socket: 'm3' }),
      expect.objectContaining({
        state: 'ended',
        sessionId: transactionId,
        energy: 2.5,
        sessionDuration: 60,
        cost: expect.any(Number),
      }),
    ]);
    expect(data('XEVFR.state_EVCS_chargeMode')).toEqual([
      expect.objectContaining({ chargeMode: 'deferred' }),
    ]);
    expect(data('XEVFR.state_EVCS_cybersecurity')).toEqual([
      expect.objectContaining({ event: 3, name: 'Wi-Fi SSID changed', message: 'SSID changed' }),
    ]);
  });

  it('a station going offline raises Offline (400), and NoError when it is back', async () => {
    await subscribe({ eventType: 'XEVFR.state_EVCS_error' });
    await station.close();
    await new Promise((resolve) => setTimeout(resolve, 200));
    station = new TestStation({
      url: t.wsUrl,
      uid: home.device.uid,
      password: home.device.password,
    });
    await station.connect();
    await new Promise((resolve) => setTimeout(resolve, 200));
    await deliverNow();
    expect(notifications().map(({ event }) => (event.data as { code: number }).code)).toEqual([
      400, 0,
    ]);
  });

  it('eventType and subject filters select what a subscription receives', async () => {
    await subscribe({ eventType: 'XEVFR.state_EVCS_cybersecurity' });
    await subscribe({ filter: { subjectEndsWith: '/charging-stations/another-station' } });
    await subscribe({
      filter: {
        subjectBeginsWith: `installations/${home.installationId}/`,
        subjectEndsWith: home.stationId,
      },
    });
    await station.dataTransfer('CyberSecurity', { event: 0 });
    await station.dataTransfer('KeySwitch', { keySwitch: 'locked', evcsLocked: true });
    await station.status(1, 'Preparing');
    await deliverNow();
    const bySubscription = new Map<string, string[]>();
    for (const { headers, event } of notifications()) {
      const name = String(headers['aeg-subscription-name']);
      bySubscription.set(name, [...(bySubscription.get(name) ?? []), String(event.eventType)]);
    }
    const lists = [...bySubscription.values()];
    expect(lists).toHaveLength(2);
    expect(lists).toContainEqual(['XEVFR.state_EVCS_cybersecurity']);
    expect(lists).toContainEqual([
      'XEVFR.state_EVCS_cybersecurity',
      'XEVFR.state_EVCS_socketState',
    ]);
  });

  it('an endpoint that does not echo awaits validation; its validationUrl makes it Created', async () => {
    receiver.answer = () => ({ status: 200, body: 'hello' });
    const response = await subscribe();
    expect(response.statusCode).toBe(201);
    expect(response.json()).toMatchObject({
      state: 'AwaitingValidation',
      stateReason: expect.stringContaining('validationUrl'),
    });
    // Nothing but the handshake goes to an endpoint not validated.
    await station.dataTransfer('CyberSecurity', { event: 1 });
    await deliverNow();
    expect(receiver.received).toHaveLength(1);
    const url = new URL(
      (receiver.received[0]?.json as { data: { validationUrl: string } }[])[0]!.data.validationUrl,
    );
    const wrong = await t.app.inject({
      method: 'GET',
      url: `${url.pathname}?id=${url.searchParams.get('id')}&code=nope`,
    });
    expect(wrong.statusCode).toBe(404);
    const validated = await t.app.inject({ method: 'GET', url: `${url.pathname}${url.search}` });
    expect(validated.statusCode).toBe(200);
    const id = response.json().eventSubscriptionId;
    const read = (await t.api('GET', `${base()}/${id}`, { token: owner.token })).json();
    expect(read.state).toBe('Created');
    expect(read.stateReason).toBeUndefined();
    expect(read.modificationDate).not.toBe('0001-01-01T00:00:00Z');
    await station.dataTransfer('CyberSecurity', { event: 2 });
    await deliverNow();
    expect(notifications().map(({ event }) => (event.data as { event: number }).event)).toEqual([
      2,
    ]);
  });

  it('a handshake that fails, not validated within 10 minutes, ends Failed; its link then answers 410', async () => {
    receiver.answer = () => ({ status: 500 });
    const response = await subscribe();
    expect(response.json()).toMatchObject({
      state: 'AwaitingValidation',
      stateReason: expect.stringContaining('500'),
    });
    const url = new URL(
      (receiver.received[0]?.json as { data: { validationUrl: string } }[])[0]!.data.validationUrl,
    );
    t.clock.advance(11 * 60_000);
    const id = response.json().eventSubscriptionId;
    expect((await t.api('GET', `${base()}/${id}`, { token: owner.token })).json().state).toBe(
      'Failed',
    );
    const late = await t.app.inject({ method: 'GET', url: `${url.pathname}${url.search}` });
    expect(late.statusCode).toBe(410);
    expect(late.json().code).toBe('VALIDATION_LINK_EXPIRED');
    expect((await t.api('GET', `${base()}/${id}`, { token: owner.token })).json().state).toBe(
      'Failed',
    );
  });

  it('a receiver down is retried with backoff, then delivered with the same ids', async () => {
    const created = (await subscribe()).json();
    receiver.answer = () => ({ status: 503 });
    await station.dataTransfer('CyberSecurity', { event: 4 });
    await deliverNow();
    const [first] = receiver.received.filter((r) => r.headers['aeg-event-type'] === 'Notification');
    expect(first).toBeDefined();
    // Not again before the first delay (10 s ± 20 %).
    t.clock.advance(7_000);
    await deliverNow();
    expect(notifications()).toHaveLength(1);
    t.clock.advance(6_000);
    await deliverNow();
    expect(notifications()).toHaveLength(2);
    receiver.answer = echoHandshake;
    t.clock.advance(73_000);
    await deliverNow();
    const all = notifications();
    expect(all).toHaveLength(3);
    expect(new Set(all.map(({ event }) => event.id)).size).toBe(1);
    expect(new Set(all.map(({ headers }) => headers['webhook-id'])).size).toBe(1);
    expect(all.map(({ headers }) => headers['aeg-delivery-count'])).toEqual(['0', '1', '2']);
    const log = await t.api('GET', `${base()}/${created.eventSubscriptionId}/deliveries`, {
      token: owner.token,
    });
    expect(log.statusCode).toBe(200);
    expect(log.json()).toEqual([
      {
        deliveryId: expect.any(String),
        eventId: all[0]!.event.id,
        eventType: 'XEVFR.state_EVCS_cybersecurity',
        state: 'delivered',
        creationDate: expect.any(String),
        nextAttemptDate: null,
        attempts: [
          {
            date: expect.any(String),
            statusCode: 503,
            error: null,
            durationMs: expect.any(Number),
          },
          {
            date: expect.any(String),
            statusCode: 503,
            error: null,
            durationMs: expect.any(Number),
          },
          {
            date: expect.any(String),
            statusCode: 200,
            error: null,
            durationMs: expect.any(Number),
          },
        ],
      },
    ]);
    const metrics = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    const value = (name: string) =>
      Number(
        metrics
          .split('\n')
          .find((line) => line.startsWith(`${name} `))
          ?.split(' ')[1],
      );
    expect(value('witty_webhook_deliveries_total{outcome="retrying"}')).toBeGreaterThanOrEqual(2);
    expect(value('witty_webhook_deliveries_total{outcome="delivered"}')).toBeGreaterThanOrEqual(1);
    expect(value('witty_webhook_delivery_latency_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(value('witty_webhook_queue_depth')).toBe(0);
  });

  it('a delivery failing through the whole schedule fails and disables the subscription', async () => {
    const created = (await subscribe()).json();
    receiver.answer = () => ({ status: 500 });
    await station.dataTransfer('CyberSecurity', { event: 0 });
    for (let attempt = 0; attempt < 4; attempt++) {
      await deliverNow();
      t.clock.advance(400_000);
    }
    await deliverNow();
    expect(notifications()).toHaveLength(4); // the first attempt and 3 retries
    const read = (
      await t.api('GET', `${base()}/${created.eventSubscriptionId}`, { token: owner.token })
    ).json();
    expect(read).toMatchObject({
      state: 'Disabled',
      stateReason: expect.stringContaining('schedule'),
    });
    const [delivery] = (
      await t.api('GET', `${base()}/${created.eventSubscriptionId}/deliveries`, {
        token: owner.token,
      })
    ).json();
    expect(delivery.state).toBe('failed');
    expect(delivery.attempts).toHaveLength(4);
  });

  it('410 Gone disables the subscription; nothing more is sent to it', async () => {
    const created = (await subscribe()).json();
    receiver.answer = (request) =>
      request.headers['aeg-event-type'] === 'Notification'
        ? { status: 410 }
        : echoHandshake(request);
    await station.dataTransfer('CyberSecurity', { event: 0 });
    await deliverNow();
    const read = (
      await t.api('GET', `${base()}/${created.eventSubscriptionId}`, { token: owner.token })
    ).json();
    expect(read).toMatchObject({ state: 'Disabled', stateReason: expect.stringContaining('410') });
    await station.dataTransfer('CyberSecurity', { event: 1 });
    t.clock.advance(3600_000);
    await deliverNow();
    expect(notifications()).toHaveLength(1);
  });

  it.each([400, 401, 403, 404, 413])(
    '%i is final: the delivery fails without a retry',
    async (status) => {
      const created = (await subscribe()).json();
      receiver.answer = (request) =>
        request.headers['aeg-event-type'] === 'Notification' ? { status } : echoHandshake(request);
      await station.dataTransfer('CyberSecurity', { event: 0 });
      await deliverNow();
      t.clock.advance(400_000);
      await deliverNow();
      expect(notifications()).toHaveLength(1);
      const [delivery] = (
        await t.api('GET', `${base()}/${created.eventSubscriptionId}/deliveries`, {
          token: owner.token,
        })
      ).json();
      expect(delivery).toMatchObject({ state: 'failed', attempts: [{ statusCode: status }] });
      // The subscription stays Created: only this delivery failed.
      expect(
        (
          await t.api('GET', `${base()}/${created.eventSubscriptionId}`, { token: owner.token })
        ).json().state,
      ).toBe('Created');
    },
  );

  it('redeliver sends the same event again, with the same ids', async () => {
    const created = (await subscribe()).json();
    await station.dataTransfer('CyberSecurity', { event: 0 });
    await deliverNow();
    const [delivery] = (
      await t.api('GET', `${base()}/${created.eventSubscriptionId}/deliveries`, {
        token: owner.token,
      })
    ).json();
    const again = await t.api(
      'POST',
      `${base()}/${created.eventSubscriptionId}/deliveries/${delivery.deliveryId}/operators/redeliver`,
      { token: owner.token },
    );
    expect(again.statusCode).toBe(202);
    expect(again.json()).toEqual({
      deliveryId: delivery.deliveryId,
      eventId: delivery.eventId,
      state: 'pending',
    });
    await deliverNow();
    const sent = notifications();
    expect(sent).toHaveLength(2);
    expect(sent.map(({ headers }) => headers['webhook-id'])).toEqual([
      delivery.eventId,
      delivery.eventId,
    ]);
    const missing = await t.api(
      'POST',
      `${base()}/${created.eventSubscriptionId}/deliveries/00000000-0000-4000-8000-000000000000/operators/redeliver`,
      { token: owner.token },
    );
    expect(missing.statusCode).toBe(404);
    expect(missing.json().code).toBe('DELIVERY_NOT_FOUND');
  });

  it('after rotate-secret both secrets verify for 24 h', async () => {
    const created = (await subscribe()).json();
    const rotated = await t.api(
      'POST',
      `${base()}/${created.eventSubscriptionId}/operators/rotate-secret`,
      { token: owner.token },
    );
    expect(rotated.statusCode).toBe(200);
    expect(rotated.json().secret).not.toBe(created.secret);
    expect(rotated.json().modificationDate).not.toBe('0001-01-01T00:00:00Z');
    await station.dataTransfer('CyberSecurity', { event: 0 });
    await deliverNow();
    const [first] = notifications();
    if (!first) throw new Error('nothing delivered');
    const { headers, body } = first;
    const signed = {
      'webhook-id': String(headers['webhook-id']),
      'webhook-timestamp': String(headers['webhook-timestamp']),
      'webhook-signature': String(headers['webhook-signature']),
    };
    expect(String(headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(() => new Webhook(created.secret).verify(body, signed)).not.toThrow();
    expect(() => new Webhook(rotated.json().secret).verify(body, signed)).not.toThrow();
    // A day later the old secret no longer signs.
    t.clock.advance(24 * 3600_000 + 1000);
    receiver.received.length = 0;
    await station.dataTransfer('CyberSecurity', { event: 1 });
    await deliverNow();
    const [later] = notifications();
    expect(String(later?.headers['webhook-signature']).split(' ')).toHaveLength(1);
  });

  it('deleting a subscription stops its deliveries, pending ones included', async () => {
    const created = (await subscribe()).json();
    receiver.answer = () => ({ status: 503 });
    await station.dataTransfer('CyberSecurity', { event: 0 });
    await deliverNow();
    const deleted = await t.api('DELETE', `${base()}/${created.eventSubscriptionId}`, {
      token: owner.token,
    });
    expect(deleted.statusCode).toBe(204);
    receiver.answer = echoHandshake;
    t.clock.advance(400_000);
    await station.dataTransfer('CyberSecurity', { event: 1 });
    await deliverNow();
    expect(notifications()).toHaveLength(1);
    const again = await t.api('DELETE', `${base()}/${created.eventSubscriptionId}`, {
      token: owner.token,
    });
    expect(again.statusCode).toBe(404);
    expect(again.json().code).toBe('EVENT_SUBSCRIPTION_NOT_FOUND');
  });

  it('at most 10 subscriptions per installation', async () => {
    for (let n = 0; n < 10; n++) expect((await subscribe()).statusCode).toBe(201);
    const eleventh = await subscribe();
    expect(eleventh.statusCode).toBe(409);
    expect(eleventh.json().code).toBe('EVENT_SUBSCRIPTION_LIMIT');
  });

  it('another owner gets 404 on every route, an installer 403', async () => {
    const created = (await subscribe()).json();
    const id = created.eventSubscriptionId;
    const stranger = await t.user('owner');
    const installer = await t.user('installer');
    await t.app.platform.store.db
      .insertInto('installation_users')
      .values({
        installation_id: home.installationId,
        account_id: installer.account.accountId,
        role_code: 'installer',
        enabled: 1,
        created_at: new Date().toISOString(),
      })
      .execute();
    const routes: [string, string, unknown?][] = [
      ['GET', base()],
      ['POST', base(), { protocolCode: 'Webhook', protocolData: `${receiver.url}/x` }],
      ['DELETE', base()],
      ['GET', `${base()}/${id}`],
      ['DELETE', `${base()}/${id}`],
      ['POST', `${base()}/${id}/operators/rotate-secret`],
      ['GET', `${base()}/${id}/deliveries`],
      [
        'POST',
        `${base()}/${id}/deliveries/00000000-0000-4000-8000-000000000000/operators/redeliver`,
      ],
    ];
    for (const [method, url, body] of routes) {
      const asStranger = await t.api(method as 'GET', url, { token: stranger.token, body });
      expect([method, url, asStranger.statusCode]).toEqual([method, url, 404]);
      const asInstaller = await t.api(method as 'GET', url, { token: installer.token, body });
      expect([method, url, asInstaller.statusCode]).toEqual([method, url, 403]);
    }
    // Nothing changed.
    expect(
      (await t.api('GET', `${base()}/${id}`, { token: owner.token })).json().secret,
    ).toBeUndefined();
    expect((await t.api('GET', base(), { token: owner.token })).json()).toHaveLength(1);
  });

  it.each([
    ['an unknown subscription', 'GET', '/00000000-0000-4000-8000-000000000000', 404],
    ['a malformed subscription id', 'GET', '/not-a-uuid', 400],
    [
      'a bad deliveries limit',
      'GET',
      '/00000000-0000-4000-8000-000000000000/deliveries?limit=0',
      400,
    ],
  ])('%s → %s', async (_name, method, suffix, status) => {
    const response = await t.api(method as 'GET', `${base()}${suffix}`, { token: owner.token });
    expect(response.statusCode).toBe(status);
    expect(response.headers['content-type']).toContain('application/problem+json');
  });
});

describeEachDialect('webhook endpoints are checked against SSRF', (dialect) => {
  let t: TestApp;
  let owner: { token: string };
  let installationId: number;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    t = await createTestApp(dialect, { WITTY_WEBHOOK_TIMEOUT_SECONDS: '2' });
    owner = await t.user('owner');
    const home = await aHome(t, owner.token, { serialNumber: 'WEBHOOK00000002' });
    installationId = home.installationId;
    receiver = new WebhookReceiver();
    await receiver.start();
  });
  afterAll(async () => {
    await receiver.stop();
    await t.close();
  });

  const subscribe = (protocolData: string) =>
    t.api('POST', `/v1/installations/${installationId}/event-subscriptions`, {
      token: owner.token,
      body: { protocolCode: 'Webhook', protocolData },
    });

  it.each([
    () => `http://127.0.0.1:${receiver.port}/hook`,
    () => `https://127.0.0.1:${receiver.port}/hook`,
    () => 'https://10.1.2.3/hook',
    () => 'https://169.254.169.254/latest/meta-data',
    () => 'https://[::1]/hook',
    () => 'https://user:pass@example.com/hook',
  ])('%s is refused with 400 WEBHOOK_ENDPOINT_REFUSED', async (url) => {
    const response = await subscribe(url());
    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe('WEBHOOK_ENDPOINT_REFUSED');
    expect(receiver.received).toHaveLength(0);
  });

  it('a name that resolves to 127.0.0.1 is refused when connecting: nothing reaches it', async () => {
    const response = await subscribe(`https://localhost:${receiver.port}/hook`);
    expect(response.statusCode).toBe(201);
    expect(response.json()).toMatchObject({
      state: 'AwaitingValidation',
      stateReason: expect.stringMatching(/127\.0\.0\.1|::1|not public|private|loopback/),
    });
    expect(receiver.received).toHaveLength(0);
  });
});

describe('event subscriptions in the OpenAPI document', () => {
  it('every route of the guide is documented', async () => {
    const t = await createTestApp('sqlite');
    try {
      const document = (await t.app.inject({ method: 'GET', url: '/v1/openapi.json' })).json();
      const paths = Object.keys(document.paths as object);
      expect(paths).toEqual(
        expect.arrayContaining([
          '/installations/{installationId}/event-subscriptions',
          '/installations/{installationId}/event-subscriptions/{eventSubscriptionId}',
        ]),
      );
    } finally {
      await t.close();
    }
  });
});
