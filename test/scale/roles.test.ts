import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestStation } from '../helpers/station.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

/** What each WITTY_ROLE serves: the API, station connections, or neither (a worker). */
describe.each([
  { role: 'api', api: true, gateway: false },
  { role: 'gateway', api: false, gateway: true },
  { role: 'worker', api: false, gateway: false },
  { role: 'all', api: true, gateway: true },
])('a node with WITTY_ROLE=$role', ({ role, api, gateway }) => {
  let t: TestApp;
  let token: string;
  beforeAll(async () => {
    t = await createTestApp(
      'sqlite',
      { WITTY_ROLE: role, WITTY_NODE_ID: `${role}-1` },
      {
        listen: true,
      },
    );
    ({ token } = await t.user('owner'));
  });
  afterAll(() => t.close());

  it(`${api ? 'serves' : 'refuses'} the API and pages`, async () => {
    const list = await t.api('GET', '/v1/installations', { token });
    const page = await t.app.inject('/signup');
    if (api) {
      expect(list.statusCode).toBe(200);
      expect(page.statusCode).toBe(200);
    } else {
      expect(list.statusCode).toBe(404);
      expect(list.headers['content-type']).toContain('application/problem+json');
      expect(list.json()).toMatchObject({
        code: 'NOT_FOUND',
        detail: expect.stringContaining(`runs the ${role} role`),
      });
      expect(page.statusCode).toBe(404);
    }
  });

  it('answers its health, readiness and metrics, with its role', async () => {
    expect((await t.app.inject('/healthz')).statusCode).toBe(200);
    expect((await t.app.inject('/metrics')).statusCode).toBe(200);
    const ready = await t.app.inject('/readyz');
    expect(ready.json()).toMatchObject({ status: 'ready', node: `${role}-1`, role });
  });

  it(`${gateway ? 'accepts' : 'refuses'} station connections`, async () => {
    const device = await t.app.platform.devices.provision({ serialNumber: `ROLE-${role}` });
    const station = new TestStation({ url: t.wsUrl, uid: device.uid, password: device.password });
    try {
      if (gateway) {
        await station.connect();
        expect(await station.boot()).toMatchObject({ status: 'Accepted' });
      } else {
        await expect(station.connect()).rejects.toThrow();
      }
    } finally {
      await station.close();
    }
  });
});
