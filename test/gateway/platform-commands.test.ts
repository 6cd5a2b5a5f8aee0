import { afterAll, beforeAll, expect, it } from 'vitest';
import { aHome } from '../helpers/builders.js';
import { TestStation } from '../helpers/station.js';
import { createTestApp, describeEachDialect, type TestApp } from '../helpers/test-app.js';

interface CommandView {
  commandId: string;
  type: string;
  status: string;
  calls: { action: string; payload: Record<string, unknown>; response?: unknown }[];
}

/** Every CALL the platform makes to a station is a tracked command, its own ones included. */
describeEachDialect('commands the platform sends on its own', (dialect) => {
  let t: TestApp;
  let token: string;

  beforeAll(async () => {
    t = await createTestApp(dialect, {}, { listen: true });
    ({ token } = await t.user('owner'));
  });
  afterAll(() => t.close());

  async function commandsOf(stationPath: string): Promise<CommandView[]> {
    const refs = (await t.api('GET', `${stationPath}/commands`, { token })).json<
      { commandId: string }[]
    >();
    return Promise.all(
      refs.map(async (ref) =>
        (
          await t.api('GET', `${stationPath}/commands/${ref.commandId}`, { token })
        ).json<CommandView>(),
      ),
    );
  }

  async function until<T>(read: () => Promise<T | undefined>): Promise<T> {
    for (let i = 0; i < 150; i++) {
      const value = await read();
      if (value !== undefined) return value;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error('condition not reached');
  }

  it('the TIC consent given while the station is offline is a command, and the boot pushes it in the configure command', async () => {
    const home = await aHome(t, token, { serialNumber: 'PLATFORM-CMD-1' });
    const consent = await t.api('POST', `${home.meterPath}/operators/authorize-tic`, {
      token,
      body: { authorizeTIC: true },
    });
    expect(consent.statusCode).toBe(200);
    const [pushed] = await commandsOf(home.stationPath);
    expect(pushed).toMatchObject({
      type: 'authorizeTic',
      status: 'timedOut',
      calls: [
        {
          action: 'ChangeConfiguration',
          payload: { key: 'WittyAuthorizeTic', value: 'true' },
        },
      ],
    });

    const station = new TestStation({
      url: t.wsUrl,
      uid: home.device.uid,
      password: home.device.password,
    });
    station.configuration.set('WittyAuthorizeTic', 'false');
    await station.connect();
    try {
      const change = station.nextCall('ChangeConfiguration');
      await station.boot();
      expect((await change).params).toEqual({ key: 'WittyAuthorizeTic', value: 'true' });
      const configure = await until(async () =>
        (await commandsOf(home.stationPath)).find(
          (command) => command.type === 'configure' && command.status !== 'pending',
        ),
      );
      expect(configure.status).toBe('accepted');
      expect(configure.calls.map((call) => call.action)).toEqual([
        'GetConfiguration',
        'ChangeConfiguration',
      ]);
      expect(configure.calls[1]).toMatchObject({
        payload: { key: 'WittyAuthorizeTic', value: 'true' },
        response: { status: 'Accepted' },
      });
      expect(station.configuration.get('WittyAuthorizeTic')).toBe('true');

      // Online, the consent's push is answered at once.
      await t.api('POST', `${home.meterPath}/operators/authorize-tic`, {
        token,
        body: { authorizeTIC: false },
      });
      const withdrawn = await until(async () =>
        (await commandsOf(home.stationPath)).find(
          (command) =>
            command.type === 'authorizeTic' &&
            command.commandId !== pushed!.commandId &&
            command.status !== 'pending',
        ),
      );
      expect(withdrawn.status).toBe('accepted');
      expect(station.configuration.get('WittyAuthorizeTic')).toBe('false');
    } finally {
      await station.close();
    }
  });

  it('a device not associated yet gets its configure command too, recorded without a station', async () => {
    const device = await t.app.platform.devices.provision({ serialNumber: 'PLATFORM-CMD-2' });
    const station = new TestStation({ url: t.wsUrl, uid: device.uid, password: device.password });
    await station.connect();
    try {
      await station.boot();
      const row = await until(async () => {
        const found = await t.app.platform.store.db
          .selectFrom('station_commands')
          .selectAll()
          .where('uid', '=', device.uid)
          .executeTakeFirst();
        return found && found.status !== 'pending' ? found : undefined;
      });
      expect(row).toMatchObject({ type: 'configure', station_id: null, status: 'accepted' });
    } finally {
      await station.close();
    }
  });
});
