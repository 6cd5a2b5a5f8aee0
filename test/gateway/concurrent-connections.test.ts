import { afterAll, beforeAll, expect, it } from 'vitest';
import { aHome, settled } from '../helpers/builders.js';
import { RawStation } from '../helpers/raw-station.js';
import { TestStation } from '../helpers/station.js';
import { createTestApp, describeEachDialect, type TestApp } from '../helpers/test-app.js';

/**
 * The gateway's action tables are built once and shared by every connection; each connection
 * only has its own call handler. Stations connected at the same time must still be answered from
 * their own state, on their own connection, and a station that connects again must find its new
 * connection working as the first one did.
 */
describeEachDialect('stations connected at the same time', (dialect) => {
  let t: TestApp;
  let token: string;

  beforeAll(async () => {
    t = await createTestApp(dialect, { WITTY_COMMAND_TIMEOUT_SECONDS: '2' }, { listen: true });
    ({ token } = await t.user('owner'));
  });
  afterAll(() => t.close());

  const deviceOf = (uid: string) =>
    t.app.platform.store.db
      .selectFrom('devices')
      .select(['connected', 'error_event_code'])
      .where('uid', '=', uid)
      .executeTakeFirstOrThrow();

  /** Waits (bounded) for the device's connected flag to read `value`. */
  async function connectedBecomes(uid: string, value: number): Promise<void> {
    for (let i = 0; i < 100 && (await deviceOf(uid)).connected !== value; i++)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await deviceOf(uid)).connected).toBe(value);
  }

  it('each is answered on its own connection from its own state, even with the same message ids', async () => {
    const { devices, deviceState } = t.app.platform;
    const blocked = await devices.provision({ serialNumber: 'CONCURRENT-DEFERRED' });
    const open = await devices.provision({ serialNumber: 'CONCURRENT-IMMEDIATE' });
    // The platform holds the first station's car for a deferred start: a local idTag is Blocked.
    await deviceState.withStation(blocked.uid, (context) =>
      deviceState.platformChargeMode(context, 'deferred'),
    );
    const [first, second] = await Promise.all([
      RawStation.open(t.wsUrl, blocked.uid, blocked.password),
      RawStation.open(t.wsUrl, open.uid, open.password),
    ]);
    try {
      // Both stations send the same ids at the same time, round after round (two CALLs in flight
      // each, within what one connection may queue).
      for (let n = 0; n < 10; n++) {
        const answers = [first, second].map((station) => {
          station.send([2, `authorize-${n}`, 'Authorize', { idTag: 'LOCALTAG' }]);
          const status = station === first ? 'Preparing' : 'Available';
          station.send([
            2,
            `status-${n}`,
            'StatusNotification',
            { connectorId: 1, status, errorCode: 'NoError' },
          ]);
          return Promise.all([station.answer(`authorize-${n}`), station.answer(`status-${n}`)]);
        });
        expect(await Promise.all(answers)).toEqual([
          [
            [3, `authorize-${n}`, { idTagInfo: { status: 'Blocked' } }],
            [3, `status-${n}`, {}],
          ],
          [
            [3, `authorize-${n}`, { idTagInfo: { status: 'Accepted' } }],
            [3, `status-${n}`, {}],
          ],
        ]);
      }
      // One answer per CALL sent on each connection, none of the other's.
      expect(first.frames).toHaveLength(20);
      expect(second.frames).toHaveLength(20);
      const connectors = await t.app.platform.store.db
        .selectFrom('connector_states')
        .select(['uid', 'status'])
        .where('uid', 'in', [blocked.uid, open.uid])
        .where('connector_id', '=', 1)
        .orderBy('uid')
        .execute();
      expect(Object.fromEntries(connectors.map(({ uid, status }) => [uid, status]))).toEqual({
        [blocked.uid]: 'Preparing',
        [open.uid]: 'Available',
      });
    } finally {
      first.close();
      second.close();
    }
  });

  it("the platform's commands reach the station addressed, and each answer completes its own command", async () => {
    const [homeA, homeB] = await Promise.all([
      aHome(t, token, { serialNumber: 'CONCURRENT-A' }),
      aHome(t, token, { serialNumber: 'CONCURRENT-B' }),
    ]);
    const [a, b] = await Promise.all([
      TestStation.online(t.wsUrl, homeA.device),
      TestStation.online(t.wsUrl, homeB.device),
    ]);
    try {
      const before = [a.received.length, b.received.length];
      const [mode, led] = await Promise.all([
        t.api('POST', `${homeA.stationPath}/operators/set-charge-mode`, {
          token,
          body: { chargeMode: 'deferred' },
        }),
        t.api('PUT', homeB.stationPath, { token, body: { ledPower: 40 } }),
      ]);
      expect([mode.statusCode, led.statusCode]).toEqual([202, 202]);
      const [modeCommand, ledCommand] = await Promise.all([
        settled(t, token, mode.headers.location as string),
        settled(t, token, led.headers.location as string),
      ]);
      expect(modeCommand.status).toBe('accepted');
      expect(ledCommand.status).toBe('accepted');
      expect(a.received.slice(before[0])).toEqual([
        { action: 'ChangeConfiguration', params: { key: 'WittyChargeMode', value: 'deferred' } },
      ]);
      expect(b.received.slice(before[1])).toEqual([
        { action: 'ChangeConfiguration', params: { key: 'WittyLedPower', value: '40' } },
      ]);
      expect(a.configuration.get('WittyLedPower')).toBe('100');
      expect(b.configuration.get('WittyChargeMode')).toBe('immediate');
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('a station that connects again while connected: the old connection is closed, the new one works and the station stays online', async () => {
    const home = await aHome(t, token, { serialNumber: 'RECONNECT-REPLACE' });
    const first = await TestStation.online(t.wsUrl, home.device);
    const firstClosed = new Promise((resolve) => first.client.once('close', resolve));
    const second = new TestStation({
      url: t.wsUrl,
      uid: home.device.uid,
      password: home.device.password,
    });
    try {
      await second.connect();
      // ocpp-rpc's close with force drops the socket: no close frame, whatever code is given.
      await firstClosed;
      // The new connection is handled in full: boot, the platform's configuration read, commands.
      expect(await second.boot()).toMatchObject({ status: 'Accepted' });
      expect(second.received.map(({ action }) => action)).toContain('GetConfiguration');
      expect(await second.heartbeat()).toEqual({ currentTime: expect.any(String) });
      // The replaced connection's close does not say the station left: no Offline announced.
      const device = await deviceOf(home.device.uid);
      expect(device.connected).toBe(1);
      expect(device.error_event_code).not.toBe(400);
      const changed = second.nextCall('ChangeConfiguration');
      const mode = await t.api('POST', `${home.stationPath}/operators/set-charge-mode`, {
        token,
        body: { chargeMode: 'deferred' },
      });
      expect((await changed).params).toEqual({ key: 'WittyChargeMode', value: 'deferred' });
      expect((await settled(t, token, mode.headers.location as string)).status).toBe('accepted');
    } finally {
      await second.close();
      await first.close();
    }
    // Closing the current connection does: the station is disconnected and Offline (400).
    await connectedBecomes(home.device.uid, 0);
    expect((await deviceOf(home.device.uid)).error_event_code).toBe(400);
  });

  it('a station that connects again after leaving is back online on its new connection', async () => {
    const home = await aHome(t, token, { serialNumber: 'RECONNECT-AFTER' });
    const first = await TestStation.online(t.wsUrl, home.device);
    await first.close();
    await connectedBecomes(home.device.uid, 0);
    expect((await deviceOf(home.device.uid)).error_event_code).toBe(400);

    const second = await TestStation.online(t.wsUrl, home.device);
    try {
      expect(await deviceOf(home.device.uid)).toMatchObject({ connected: 1, error_event_code: 0 });
      expect(await second.status(1, 'Available')).toEqual({});
      const changed = second.nextCall('ChangeConfiguration');
      const led = await t.api('PUT', home.stationPath, { token, body: { ledPower: 60 } });
      expect((await changed).params).toEqual({ key: 'WittyLedPower', value: '60' });
      expect((await settled(t, token, led.headers.location as string)).status).toBe('accepted');
    } finally {
      await second.close();
    }
  });
});
