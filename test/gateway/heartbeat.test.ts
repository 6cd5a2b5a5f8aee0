import { afterAll, beforeAll, expect, it } from 'vitest';
import { aHome } from '../helpers/builders.js';
import { TestStation } from '../helpers/station.js';
import { createTestApp, describeEachDialect, type TestApp } from '../helpers/test-app.js';

/**
 * A Heartbeat (OCPP 1.6 §4.6) is one statement on the device's liveness columns: it answers the
 * platform's time, moves last_heartbeat_at and last_seen_at and says connected; a device no
 * longer in the registry gets a CALLERROR, with nothing written.
 */
describeEachDialect('Heartbeat', (dialect) => {
  let t: TestApp;
  let token: string;

  beforeAll(async () => {
    t = await createTestApp(dialect, {}, { listen: true });
    ({ token } = await t.user('owner'));
  });
  afterAll(() => t.close());

  const deviceOf = (uid: string) =>
    t.app.platform.store.db
      .selectFrom('devices')
      .select(['connected', 'last_heartbeat_at', 'last_seen_at'])
      .where('uid', '=', uid)
      .executeTakeFirst();

  it('answers the platform time and records when the station was last heard', async () => {
    const home = await aHome(t, token, { serialNumber: 'HEARTBEAT-1' });
    const station = new TestStation({
      url: t.wsUrl,
      uid: home.device.uid,
      password: home.device.password,
    });
    await station.connect();
    try {
      await station.boot();
      t.clock.set('2031-05-06T07:08:09.000Z');
      const answer = (await station.heartbeat()) as { currentTime: string };
      expect(Date.parse(answer.currentTime)).toBeGreaterThanOrEqual(
        Date.parse('2031-05-06T07:08:09.000Z'),
      );
      const device = await deviceOf(home.device.uid);
      expect(device?.connected).toBe(1);
      expect(device?.last_heartbeat_at?.startsWith('2031-05-06T07:08')).toBe(true);
      expect(device?.last_seen_at?.startsWith('2031-05-06T07:08')).toBe(true);
    } finally {
      await station.close();
    }
  });

  it('from a device removed from the registry, answers a CALLERROR and writes nothing', async () => {
    const device = await t.app.platform.devices.provision({
      uid: 'HEARTBEAT-GONE',
      serialNumber: 'HEARTBEAT-GONE',
    });
    const station = new TestStation({ url: t.wsUrl, uid: device.uid, password: device.password });
    await station.connect();
    try {
      await station.boot();
      const db = t.app.platform.store.db;
      await db.deleteFrom('station_commands').where('uid', '=', device.uid).execute();
      await db.deleteFrom('connector_states').where('uid', '=', device.uid).execute();
      await db.deleteFrom('devices').where('uid', '=', device.uid).execute();
      await expect(station.heartbeat()).rejects.toMatchObject({ rpcErrorCode: 'GenericError' });
      expect(await deviceOf(device.uid)).toBeUndefined();
    } finally {
      await station.close();
    }
  });
});
