import { afterAll, beforeAll, expect, it } from 'vitest';
import { aHome } from '../helpers/builders.js';
import { TestStation } from '../helpers/station.js';
import { createTestApp, describeEachDialect, type TestApp } from '../helpers/test-app.js';

/**
 * The connected flag the API's preconditions read follows the live connection: every message on
 * it says the station is connected, even when the connection's own write came late or was undone.
 */
describeEachDialect('the connected flag', (dialect) => {
  let t: TestApp;
  let token: string;

  beforeAll(async () => {
    t = await createTestApp(dialect, {}, { listen: true });
    ({ token } = await t.user('owner'));
  });
  afterAll(() => t.close());

  const flagOf = async (uid: string) =>
    (
      await t.app.platform.store.db
        .selectFrom('devices')
        .select('connected')
        .where('uid', '=', uid)
        .executeTakeFirstOrThrow()
    ).connected;

  it('a message on the live connection marks the station connected again', async () => {
    const home = await aHome(t, token, { serialNumber: 'FLAG-1' });
    const station = new TestStation({
      url: t.wsUrl,
      uid: home.device.uid,
      password: home.device.password,
    });
    await station.connect();
    try {
      await station.boot();
      // As if the connection's write had been overtaken by another node's or a late one.
      await t.app.platform.store.db
        .updateTable('devices')
        .set({ connected: 0 })
        .where('uid', '=', home.device.uid)
        .execute();
      const refused = await t.api('POST', `${home.stationPath}/operators/set-charge-mode`, {
        token,
        body: { chargeMode: 'deferred' },
      });
      expect(refused.json()).toMatchObject({ code: 'STATION_OFFLINE' });

      await station.heartbeat();
      expect(await flagOf(home.device.uid)).toBe(1);
      const accepted = await t.api('POST', `${home.stationPath}/operators/set-charge-mode`, {
        token,
        body: { chargeMode: 'deferred' },
      });
      expect(accepted.statusCode).toBe(202);
    } finally {
      await station.close();
    }
    // Closed: the flag goes down and no late message raises it.
    for (let i = 0; i < 50 && (await flagOf(home.device.uid)) !== 0; i++)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await flagOf(home.device.uid)).toBe(0);
  });
});
