import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Account } from '../../src/identity/index.js';
import { SandboxStations } from '../../src/sandbox/index.js';
import { settled } from '../helpers/builders.js';
import { Browser } from '../helpers/http.js';
import { createTestApp, describeEachDialect, type TestApp } from '../helpers/test-app.js';

const PASSWORD = 'correct horse battery';

/** Polls `check` until it returns a value (or fails after a few seconds). */
async function eventually<T>(check: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let n = 0; n < 200; n++) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`never: ${what}`);
}

// An approved subscription gets a sandbox: an owner with an installation and a virtual station
// that connects over OCPP like any station; the portal gives the developer a token of that owner,
// and the developer's key and that token call the API against the live station.
describeEachDialect('try-it sandboxes', (dialect) => {
  let t: TestApp;
  let stations: SandboxStations;
  let developer: Account;
  const browser = new Browser();

  async function send(page: string, action: string, fields: Record<string, string> = {}) {
    const html = await (await browser.request(`${t.config.publicUrl}${page}`)).text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
    return browser.submit(`${t.config.publicUrl}${action}`, { _csrf: csrf, ...fields });
  }

  beforeAll(async () => {
    t = await createTestApp(dialect, {}, { listen: true });
    stations = new SandboxStations({
      sandboxes: t.app.sandboxes,
      resetSecret: (uid) => t.app.platform.devices.resetSecret(uid),
      url: t.wsUrl,
      log: (error) => {
        throw error;
      },
    });
    await stations.start();
    developer = await t.app.platform.identity.createAccount({
      email: `sandbox-dev-${dialect}@example.com`,
      password: PASSWORD,
      role: 'developer',
      firstName: 'Ada',
      lastName: 'Lovelace',
    });
    expect(
      (await send('/signin', '/signin', { email: developer.email, password: PASSWORD })).status,
    ).toBe(303);
  });
  afterAll(async () => {
    await stations.stop();
    await t.close();
  });

  async function subscription(state: 'approve' | 'pending') {
    await send('/products', '/products/energy-management-starter-pack/subscribe', {
      'name-energy-management-starter-pack': `App ${Math.random()}`,
    });
    const mine = await t.app.platform.portal.subscriptionsOf(developer);
    const id = mine.at(-1)!.id;
    if (state === 'approve') await t.app.platform.portal.decide(id, 'approved');
    return id;
  }

  it('approval makes the sandbox; its owner, key and live station answer the API', async () => {
    const id = await subscription('approve');
    const sandbox = await eventually(() => t.app.sandboxes.find(id), 'the sandbox is made');
    const response = await browser.request(
      `${t.config.publicUrl}/profile/subscriptions/${id}/sandbox`,
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const access = (await response.json()) as {
      accessToken: string;
      installationId: number;
      chargingStationId: string;
    };
    expect(access.installationId).toBe(sandbox.installationId);
    // The developer's own key, made on the profile.
    const made = await send('/profile', `/profile/subscriptions/${id}/keys/primary`);
    const key = /<code id="new-key"[^>]*>([0-9a-f]{32})<\/code>/.exec(await made.text())![1]!;
    const call = (method: 'GET' | 'POST', path: string) =>
      t.api(method, path, { key, token: access.accessToken });
    const installations = await call('GET', '/v1/installations');
    expect(installations.statusCode).toBe(200);
    expect(installations.json()).toEqual([
      expect.objectContaining({ installationId: sandbox.installationId, name: 'Sandbox home' }),
    ]);
    const stationPath = `/v1/installations/${access.installationId}/charging-stations/${access.chargingStationId}`;
    // The virtual station connects, boots and reports its plugged car.
    const live = await eventually(async () => {
      const station = (await call('GET', stationPath)).json();
      return station.properties?.heartbeat?.heartbeat && station.properties.carPlugStatus !== null
        ? station
        : undefined;
    }, 'the sandbox station is online with its car');
    expect(live.uuid).toBe(sandbox.stationUid);
    // In deferred mode with its car plugged in, the station takes start and stop at once.
    expect(live.properties.chargeMode).toBe('deferred');
    const start = await call('POST', `${stationPath}/operators/start`);
    expect(start.statusCode).toBe(202);
    expect((await settled(t, access.accessToken, start.headers.location as string)).status).toBe(
      'accepted',
    );
    await eventually(async () => {
      const station = (await call('GET', stationPath)).json();
      return station.properties.availability === 'charging' ? station : undefined;
    }, 'the station charges');
    const stop = await call('POST', `${stationPath}/operators/stop`);
    expect(stop.statusCode).toBe(202);
    expect((await settled(t, access.accessToken, stop.headers.location as string)).status).toBe(
      'accepted',
    );
  });

  it('asking again returns the same sandbox; two at once make one', async () => {
    const id = await subscription('pending');
    await t.app.platform.portal.decide(id, 'approved');
    const [a, b] = await Promise.all([
      t.app.sandboxes.ensure(id, developer),
      t.app.sandboxes.ensure(id, developer),
    ]);
    expect(a).toEqual(b);
    expect(await t.app.sandboxes.ensure(id, developer)).toEqual(a);
  });

  it('no sandbox for a pending subscription, another developer’s, or nobody signed in', async () => {
    const pending = await subscription('pending');
    expect(
      (await browser.request(`${t.config.publicUrl}/profile/subscriptions/${pending}/sandbox`))
        .status,
    ).toBe(403);
    const other = await t.app.platform.identity.createAccount({
      email: `sandbox-other-${dialect}@example.com`,
      password: PASSWORD,
      role: 'developer',
    });
    const theirs = await t.app.platform.identity.subscribe(
      other.accountId,
      'energy-management-starter-pack',
      'Theirs',
    );
    await t.app.platform.identity.setSubscriptionState(theirs.id, 'approved');
    expect(
      (await browser.request(`${t.config.publicUrl}/profile/subscriptions/${theirs.id}/sandbox`))
        .status,
    ).toBe(404);
    expect(await t.app.sandboxes.find(theirs.id)).toBeUndefined();
    const anonymous = await new Browser().request(
      `${t.config.publicUrl}/profile/subscriptions/${pending}/sandbox`,
    );
    expect(anonymous.status).toBe(401);
  });
});
