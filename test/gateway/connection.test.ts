import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createTestApp, describeEachDialect, type TestApp } from '../helpers/test-app.js';
import { settled } from '../helpers/builders.js';
import { TestStation } from '../helpers/station.js';

/** Opens a raw WebSocket and resolves with the HTTP status of a refused handshake, or 101. */
function handshakeStatus(url: string, protocols: string[], auth?: string): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, protocols, auth ? { headers: { authorization: auth } } : {});
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
    ws.on('error', () => resolve(0));
  });
}

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describeEachDialect('OCPP connections', (dialect) => {
  let t: TestApp;
  let token: string;
  let uid: string;
  let password: string;

  beforeAll(async () => {
    t = await createTestApp(dialect, { WITTY_COMMAND_TIMEOUT_SECONDS: '2' }, { listen: true });
    ({ token } = await t.user('owner'));
    ({ uid, password } = await t.app.platform.devices.provision({ serialNumber: 'SN-CONN-1' }));
  });
  afterAll(() => t.close());

  describe('handshake', () => {
    it('accepts the registered uid and password with ocpp1.6', async () => {
      expect(
        await handshakeStatus(`${t.wsUrl}/ocpp/${uid}`, ['ocpp1.6'], basic(uid, password)),
      ).toBe(101);
    });
    it.each([
      [
        'without the ocpp1.6 subprotocol',
        () => [`/ocpp/${uid}`, [], basic(uid, password)] as const,
        400,
      ],
      [
        'with another subprotocol only',
        () => [`/ocpp/${uid}`, ['ocpp2.0.1'], basic(uid, password)] as const,
        400,
      ],
      [
        'with an unknown uid',
        () => ['/ocpp/NoSuchStation', ['ocpp1.6'], basic('NoSuchStation', password)] as const,
        401,
      ],
      [
        'with a wrong password',
        () => [`/ocpp/${uid}`, ['ocpp1.6'], basic(uid, 'wrong-password-123456')] as const,
        401,
      ],
      ['without credentials', () => [`/ocpp/${uid}`, ['ocpp1.6'], undefined] as const, 401],
      [
        'with the credentials of another uid',
        () => [`/ocpp/${uid}`, ['ocpp1.6'], basic('other', password)] as const,
        401,
      ],
      [
        'on another path',
        () => [`/ocpp/x/${uid}`, ['ocpp1.6'], basic(uid, password)] as const,
        404,
      ],
    ])('refuses a station %s', async (_case, args, status) => {
      const [path, protocols, auth] = args();
      expect(await handshakeStatus(`${t.wsUrl}${path}`, [...protocols], auth)).toBe(status);
    });
  });

  describe('frames', () => {
    let station: TestStation;
    let raw: WebSocket;
    beforeAll(async () => {
      station = new TestStation({ url: t.wsUrl, uid, password });
      await station.connect();
      await station.boot();
    });
    afterAll(() => station.close());

    /** Sends a raw frame on a second, raw connection and resolves with the answer frame. */
    async function exchange(frame: unknown): Promise<unknown[]> {
      raw ??= await new Promise<WebSocket>((resolve, reject) => {
        const ws = new WebSocket(`${t.wsUrl}/ocpp/${uid}`, ['ocpp1.6'], {
          headers: { authorization: basic(uid, password) },
        });
        ws.once('open', () => resolve(ws));
        ws.once('error', reject);
      });
      return new Promise((resolve) => {
        raw.once('message', (data: Buffer) => resolve(JSON.parse(data.toString()) as unknown[]));
        raw.send(JSON.stringify(frame));
      });
    }

    it('a schema-invalid CALL gets a CALLERROR and the connection survives', async () => {
      const answer = await exchange([
        2,
        'bad-1',
        'StatusNotification',
        { connectorId: 1, status: 'Dancing', errorCode: 'NoError' },
      ]);
      expect(answer[0]).toBe(4);
      expect(answer[1]).toBe('bad-1');
      expect([
        'PropertyConstraintViolation',
        'FormationViolation',
        'TypeConstraintViolation',
      ]).toContain(answer[2]);
      const heartbeat = await exchange([2, 'ok-1', 'Heartbeat', {}]);
      expect(heartbeat).toEqual([3, 'ok-1', { currentTime: expect.any(String) }]);
      raw.close();
    });

    it('an unknown action gets CALLERROR NotImplemented', async () => {
      raw = undefined as unknown as WebSocket;
      const answer = await exchange([2, 'unknown-1', 'Teleport', {}]);
      expect(answer.slice(0, 3)).toEqual([4, 'unknown-1', 'NotImplemented']);
      raw.close();
    });
  });

  describe('a generic OCPP 1.6J charger (no vendor messages)', () => {
    let station: TestStation;
    let base: string;
    beforeAll(async () => {
      const installation = await t.api('POST', '/v1/installations', {
        token,
        body: {
          name: 'Generic',
          locationName: 'Lyon',
          locationGpsCoordinates: { latitude: 45.76, longitude: 4.83 },
        },
      });
      const device = await t.app.platform.devices.provision({ serialNumber: 'GENERIC-1' });
      const associated = await t.api(
        'POST',
        `/v1/installations/${installation.json().installationId}/charging-stations`,
        {
          token,
          body: { uid: device.uid, timezone: 'W. Europe Standard Time', country: 'de-de' },
        },
      );
      base = `/v1/installations/${installation.json().installationId}/charging-stations/${associated.json().id}`;
      station = new TestStation({
        url: t.wsUrl,
        uid: device.uid,
        password: device.password,
        generic: true,
      });
      await station.connect();
      await station.boot();
      await station.status(1, 'Available');
    });
    afterAll(() => station.close());

    it('reads as immediate with unknown Witty settings', async () => {
      const { properties } = (await t.api('GET', base, { token })).json();
      expect(properties).toMatchObject({
        chargeMode: 'immediate',
        ledPower: null,
        tariff1: null,
        availability: 'available',
      });
    });

    it('takes a deferred charge mode that the platform applies, then completes a remote-started session', async () => {
      const mode = await t.api('POST', `${base}/operators/set-charge-mode`, {
        token,
        body: { chargeMode: 'deferred' },
      });
      const command = await settled(t, token, mode.headers.location as string);
      expect(command).toMatchObject({
        status: 'accepted',
        calls: [{ response: { status: 'NotSupported' } }],
      });

      await station.status(1, 'Preparing');
      // A local start is refused while the platform holds the car for a deferred start.
      expect(await station.client.call('Authorize', { idTag: 'LOCALTAG' })).toEqual({
        idTagInfo: { status: 'Blocked' },
      });

      // A charger that starts anyway gets Blocked, and the refused transaction never runs.
      const blocked = (await station.client.call('StartTransaction', {
        connectorId: 1,
        idTag: 'LOCALTAG',
        meterStart: 50_000,
        timestamp: new Date().toISOString(),
      })) as { idTagInfo: { status: string } };
      expect(blocked.idTagInfo.status).toBe('Blocked');
      expect((await t.api('GET', base, { token })).json().properties.currentSession).toBeNull();

      const remoteStart = station.nextCall('RemoteStartTransaction');
      const start = await t.api('POST', `${base}/operators/start`, { token });
      expect(start.statusCode).toBe(202);
      const { params } = await remoteStart;
      const transactionId = await station.startTransaction(
        Number(params.connectorId),
        50_000,
        new Date().toISOString(),
        String(params.idTag),
      );
      await station.status(1, 'Charging');
      await station.meterValues(1, transactionId, new Date().toISOString(), 57_500);
      expect(
        (await t.api('GET', base, { token })).json().properties.currentSession.totalSessionEnergy,
      ).toBe(7.5);

      const remoteStop = station.nextCall('RemoteStopTransaction');
      const stop = await t.api('POST', `${base}/operators/stop`, { token });
      expect(stop.statusCode).toBe(202);
      expect((await remoteStop).params).toEqual({ transactionId });
      await station.stopTransaction(transactionId, 58_000, new Date().toISOString(), 'Remote');
      await station.status(1, 'Finishing');
      const { properties } = (await t.api('GET', base, { token })).json();
      expect(properties.currentSession).toBeNull();
      expect(properties.lastSession).toMatchObject({
        totalSessionEnergy: 8,
        rangeRecoveredByEV: 47,
      });
    });

    it('once the charger reports WittyChargeMode itself, the platform stops applying the mode', async () => {
      const { deviceState } = t.app.platform;
      await deviceState.withStation(station.client.identity ?? '', (context) =>
        deviceState.configuration(context, { WittyChargeMode: 'deferred' }),
      );
      expect(await station.client.call('Authorize', { idTag: 'LOCALTAG' })).toEqual({
        idTagInfo: { status: 'Accepted' },
      });
    });

    it('a CALLERROR answer ends the command rejected', async () => {
      await station.status(1, 'Available');
      const { RPCError } = await import('ocpp-rpc');
      station.answers.set('ChangeConfiguration', () => {
        throw new (RPCError as unknown as new (message: string) => Error)('refused');
      });
      const response = await t.api('PUT', base, { token, body: { ledPower: 50 } });
      const command = await settled(t, token, response.headers.location as string);
      expect(command.status).toBe('rejected');
      expect(command.calls[0].error).toEqual(expect.any(String));
      station.answers.delete('ChangeConfiguration');
    });

    it('a command to a disconnected station is 409 STATION_OFFLINE; one under way when it leaves ends timedOut', async () => {
      station.answers.set('ChangeConfiguration', () => new Promise(() => undefined));
      const pending = await t.api('PUT', base, { token, body: { ledPower: 70 } });
      expect(pending.statusCode).toBe(202);
      await station.close();
      const command = await settled(t, token, pending.headers.location as string);
      expect(command.status).toBe('timedOut');
      for (let i = 0; i < 50; i++) {
        const response = await t.api('POST', `${base}/operators/set-charge-mode`, {
          token,
          body: { chargeMode: 'immediate' },
        });
        if (response.statusCode === 409) {
          expect(response.json().code).toBe('STATION_OFFLINE');
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      throw new Error('the station never read as disconnected');
    });
  });

  it('a reconnecting station replaces its previous connection', async () => {
    const first = new TestStation({ url: t.wsUrl, uid, password });
    await first.connect();
    const closed = new Promise((resolve) => first.client.once('close', resolve));
    const second = new TestStation({ url: t.wsUrl, uid, password });
    await second.connect();
    await closed;
    expect(await second.heartbeat()).toEqual({ currentTime: expect.any(String) });
    await second.close();
  });
});
