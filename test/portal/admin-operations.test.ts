import { afterAll, beforeAll, expect, it } from 'vitest';
import { aHome } from '../helpers/builders.js';
import { Visitor } from '../helpers/portal.js';
import { TestStation } from '../helpers/station.js';
import { createTestApp, describeEachDialect, type TestApp } from '../helpers/test-app.js';
import { echoHandshake, WebhookReceiver } from '../helpers/webhook-receiver.js';

const PASSWORD = 'correct horse battery';

// The administrators' device registry and webhook pages, against stations that connect and a
// webhook receiver that fails.
describeEachDialect('the administration of devices and webhooks', (dialect) => {
  let t: TestApp;
  let admin: Visitor;
  let developer: Visitor;
  const receiver = new WebhookReceiver();

  beforeAll(async () => {
    await receiver.start();
    t = await createTestApp(dialect, { WITTY_WEBHOOK_ALLOW_PRIVATE: 'true' }, { listen: true });
    for (const [email, role] of [
      ['admin@example.com', 'admin'],
      ['developer@example.com', 'developer'],
    ] as const)
      await t.app.platform.identity.createAccount({ email, password: PASSWORD, role });
    admin = new Visitor(t.config.publicUrl);
    developer = new Visitor(t.config.publicUrl);
    await admin.send('/signin', '/signin', { email: 'admin@example.com', password: PASSWORD });
    await developer.send('/signin', '/signin', {
      email: 'developer@example.com',
      password: PASSWORD,
    });
  });
  afterAll(async () => {
    await t.close();
    await receiver.stop();
  });

  it('provision one device: its password is shown once and connects it; a duplicate is refused', async () => {
    const made = await admin.send('/admin/devices', '/admin/devices', {
      serialNumber: 'ADMIN0000000001',
      uid: 'AdminStation01',
    });
    expect(made.status).toBe(201);
    const password = new RegExp('AdminStation01,([A-Za-z0-9_-]{24})').exec(made.html)?.[1];
    expect(password, 'the password in the page').toBeDefined();
    expect((await admin.get('/admin/devices')).html).not.toContain(password);
    const station = new TestStation({ url: t.wsUrl, uid: 'AdminStation01', password: password! });
    await station.connect();
    await station.boot();
    try {
      const listed = await admin.get('/admin/devices');
      const row = /<code>AdminStation01<\/code>[^]*?<\/tr>/.exec(listed.html)?.[0];
      expect(row).toContain('Online');
    } finally {
      await station.close();
    }
    const again = await admin.send('/admin/devices', '/admin/devices', {
      serialNumber: 'ADMIN0000000001',
    });
    expect(again.status).toBe(400);
    expect(again.html).toContain('already exists');
    expect((await admin.send('/admin/devices', '/admin/devices', {})).status).toBe(400);
  });

  it('a CSV batch provisions its good lines and names the refused ones', async () => {
    const batch = await admin.send('/admin/devices', '/admin/devices/batch', {
      csv: 'serialNumber,uid,macAddress\nBATCH0000000001,BatchStation01,\nBATCH0000000002,,F8:F5:05:DC:33:83\nnot a serial!,,\n',
    });
    expect(batch.status).toBe(201);
    expect(batch.html).toContain('2 devices provisioned');
    expect(batch.html).toMatch(/BatchStation01,[A-Za-z0-9_-]{24}/);
    expect(batch.html).toMatch(/line 4: serial number must be/);
    const devices = await t.app.platform.devices.list();
    expect(devices.map((d) => d.serialNumber)).toEqual(
      expect.arrayContaining(['BATCH0000000001', 'BATCH0000000002']),
    );
    expect(
      (await admin.send('/admin/devices', '/admin/devices/batch', { csv: ' \n' })).status,
    ).toBe(400);
    const tooMany = Array.from(
      { length: 1001 },
      (_, n) => `MANY${String(n).padStart(6, '0')}`,
    ).join('\n');
    const refused = await admin.send('/admin/devices', '/admin/devices/batch', { csv: tooMany });
    expect(refused.status).toBe(400);
    expect(refused.html).toContain('1,000 lines at most');
  });

  it('webhook subscriptions with their failures; a delivery is made due again', async () => {
    const owner = await t.user('owner');
    const home = await aHome(t, owner.token, { serialNumber: 'ADMINHOOK000001' });
    receiver.answer = (request) =>
      request.headers['aeg-event-type'] === 'SubscriptionValidation'
        ? echoHandshake(request)
        : { status: 500 };
    const created = await t.api(
      'POST',
      `/v1/installations/${home.installationId}/event-subscriptions`,
      {
        token: owner.token,
        body: { protocolCode: 'Webhook', protocolData: `${receiver.url}/failing` },
      },
    );
    expect(created.statusCode).toBe(201);
    const subscriptionId = created.json().eventSubscriptionId as string;
    const station = await TestStation.online(t.wsUrl, home.device);
    await station.status(1, 'Preparing');
    await station.close();
    await t.app.platform.deliveries.runOnce();

    const list = await admin.get('/admin/webhooks');
    expect(list.status).toBe(200);
    expect(list.html).toContain(`${receiver.url}/failing`);
    const detail = await admin.get(`/admin/webhooks/${subscriptionId}`);
    expect(detail.status).toBe(200);
    expect(detail.html).toContain('(500)');
    const deliveryId = new RegExp(
      `/admin/webhooks/${subscriptionId}/deliveries/([0-9a-f-]{36})/redeliver`,
    ).exec(detail.html)?.[1];
    expect(deliveryId).toBeDefined();
    const redelivered = await admin.send(
      `/admin/webhooks/${subscriptionId}`,
      `/admin/webhooks/${subscriptionId}/deliveries/${deliveryId}/redeliver`,
    );
    expect(redelivered.status).toBe(200);
    expect(redelivered.html).toContain('due again');
    expect((await admin.get('/admin/webhooks/00000000-0000-0000-0000-000000000000')).status).toBe(
      404,
    );
    expect(
      (
        await admin.send(
          `/admin/webhooks/${subscriptionId}`,
          `/admin/webhooks/${subscriptionId}/deliveries/00000000-0000-0000-0000-000000000000/redeliver`,
        )
      ).status,
    ).toBe(404);
  });

  it('only administrators open these pages', async () => {
    for (const path of ['/admin/devices', '/admin/webhooks'])
      expect((await developer.get(path)).status).toBe(403);
    expect(
      (await developer.send('/profile', '/admin/devices', { serialNumber: 'NOPE00000000001' }))
        .status,
    ).toBe(403);
    expect((await t.app.platform.devices.list()).map((d) => d.serialNumber)).not.toContain(
      'NOPE00000000001',
    );
  });
});
