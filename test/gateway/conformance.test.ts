import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { RawStation } from '../helpers/raw-station.js';
import { aHome, settled } from '../helpers/builders.js';
import { createTestApp, describeEachDialect, type TestApp } from '../helpers/test-app.js';

// OCPP-J 1.6 conformance, tested as an outsider: a raw `ws` client speaking OCPP-J frames.

describeEachDialect('OCPP-J 1.6 conformance', (dialect) => {
  let t: TestApp;
  let uid: string;
  let password: string;
  let station: RawStation;

  beforeAll(async () => {
    t = await createTestApp(dialect, {}, { listen: true });
    const { token } = await t.user('owner');
    const home = await aHome(t, token, { serialNumber: 'CONFORMANCE-1' });
    ({ uid, password } = home.device);
    station = await RawStation.open(t.wsUrl, uid, password);
  });
  afterAll(async () => {
    station.close();
    await t.close();
  });

  describe('CALLERROR codes are OCPP-J 1.6 §4.2.3 codes, answered with the frame id when readable', () => {
    it.each([
      ['unreadable JSON', '[2, "x1", "Heartbeat", {', ['-1', 'FormationViolation']],
      ['an empty array', [], ['-1', 'FormationViolation']],
      ['a JSON object', { id: 1 }, ['-1', 'FormationViolation']],
      ['a numeric id', [2, 42, 'Heartbeat', {}], ['42', 'FormationViolation']],
      [
        'an id of 37 characters',
        [2, 'i'.repeat(37), 'Heartbeat', {}],
        ['i'.repeat(37), 'FormationViolation'],
      ],
      ['an unknown message type', [7, 'mt-1', 'Heartbeat', {}], ['mt-1', 'FormationViolation']],
      ['a message type as text', ['2', 'mt-2', 'Heartbeat', {}], ['mt-2', 'FormationViolation']],
      ['a CALL without payload', [2, 'np-1', 'Heartbeat'], ['np-1', 'FormationViolation']],
      [
        'a CALL with an array payload',
        [2, 'np-2', 'Heartbeat', []],
        ['np-2', 'FormationViolation'],
      ],
      ['a CALL whose action is not text', [2, 'ac-1', 7, {}], ['ac-1', 'FormationViolation']],
      ['an unknown action', [2, 'un-1', 'Teleport', {}], ['un-1', 'NotImplemented']],
      [
        'a field of the wrong type',
        [
          2,
          'ty-1',
          'StatusNotification',
          { connectorId: 'one', status: 'Available', errorCode: 'NoError' },
        ],
        ['ty-1', 'TypeConstraintViolation'],
      ],
      [
        'a required field missing (1.6 spelling)',
        [2, 'oc-1', 'StatusNotification', { connectorId: 1, status: 'Available' }],
        ['oc-1', 'OccurenceConstraintViolation'],
      ],
      [
        'an unknown enum value',
        [
          2,
          'en-1',
          'StatusNotification',
          { connectorId: 1, status: 'Dancing', errorCode: 'NoError' },
        ],
        ['en-1', 'PropertyConstraintViolation'],
      ],
    ])('%s', async (_case, frame, [id, code]) => {
      const answer = await station.exchange(frame);
      expect(answer).toEqual([4, id, code, expect.any(String), {}]);
      expect(await station.exchange([2, 'hb-after', 'Heartbeat', {}])).toEqual([
        3,
        'hb-after',
        { currentTime: expect.any(String) },
      ]);
    });
  });

  describe('out-of-range values get PropertyConstraintViolation (§4.2.3: "a field contains an invalid value")', () => {
    it.each([
      [
        'StatusNotification on connector 99 of a two-socket station',
        'StatusNotification',
        { connectorId: 99, status: 'Available', errorCode: 'NoError' },
      ],
      [
        'StatusNotification on connector -1',
        'StatusNotification',
        { connectorId: -1, status: 'Available', errorCode: 'NoError' },
      ],
      [
        'MeterValues on connector 3',
        'MeterValues',
        {
          connectorId: 3,
          meterValue: [{ timestamp: '2026-05-04T10:00:00Z', sampledValue: [{ value: '1' }] }],
        },
      ],
      [
        'StartTransaction on connector 99',
        'StartTransaction',
        { connectorId: 99, idTag: 'TAG1', meterStart: 0, timestamp: '2026-05-04T10:00:00Z' },
      ],
      [
        'StartTransaction on connector 0 (§6.45: connectorId > 0)',
        'StartTransaction',
        { connectorId: 0, idTag: 'TAG1', meterStart: 0, timestamp: '2026-05-04T10:00:00Z' },
      ],
      [
        'StartTransaction with a negative meterStart',
        'StartTransaction',
        { connectorId: 1, idTag: 'TAG1', meterStart: -5, timestamp: '2026-05-04T10:00:00Z' },
      ],
      [
        'StopTransaction with a negative meterStop',
        'StopTransaction',
        { transactionId: 1, meterStop: -1, timestamp: '2026-05-04T10:00:00Z' },
      ],
    ])('%s', async (_case, action, payload) => {
      expect(await station.exchange([2, 'range-1', action, payload])).toEqual([
        4,
        'range-1',
        'PropertyConstraintViolation',
        expect.any(String),
        {},
      ]);
    });

    it('records nothing of a refused StartTransaction', async () => {
      await station.exchange([
        2,
        'st-bad',
        'StartTransaction',
        { connectorId: 1, idTag: 'TAG1', meterStart: -5, timestamp: '2026-05-04T10:00:00Z' },
      ]);
      const sessions = await t.app.platform.store.db
        .selectFrom('charging_sessions')
        .select('id')
        .where('uid', '=', uid)
        .execute();
      expect(sessions).toEqual([]);
    });
  });

  describe('sizes', () => {
    it('never echoes the payload in a CALLERROR', async () => {
      const answer = await station.exchange([
        2,
        'big-1',
        'StatusNotification',
        { connectorId: 1, status: 'Available', errorCode: 'NoError', info: 'x'.repeat(60_000) },
      ]);
      expect(answer.slice(0, 3)).toEqual([4, 'big-1', 'PropertyConstraintViolation']);
      expect(answer[4]).toEqual({});
      expect(JSON.stringify(answer).length).toBeLessThan(400);
    });

    it('bounds the CyberSecurity message it stores to 255 characters', async () => {
      const message = 'm'.repeat(10_000);
      expect(
        await station.exchange([
          2,
          'cs-1',
          'DataTransfer',
          {
            vendorId: 'fr.hager.witty',
            messageId: 'CyberSecurity',
            data: JSON.stringify({ event: 3, message }),
          },
        ]),
      ).toEqual([3, 'cs-1', { status: 'Accepted' }]);
      const [record] = await t.app.platform.store.db
        .selectFrom('log_records')
        .select('value')
        .where('log_name', '=', 'CyberSecurity')
        .execute();
      const stored = JSON.parse(String(record?.value)) as { message: string };
      expect(stored.message).toBe(message.slice(0, 255));
    });

    it('refuses StationInfo strings longer than 64 characters', async () => {
      expect(
        await station.exchange([
          2,
          'si-1',
          'DataTransfer',
          {
            vendorId: 'fr.hager.witty',
            messageId: 'StationInfo',
            data: JSON.stringify({ wifiSsid: 's'.repeat(65) }),
          },
        ]),
      ).toEqual([3, 'si-1', { status: 'Rejected' }]);
    });

    it('closes the connection with 1009 on a frame larger than 64 KiB', async () => {
      const big = await RawStation.open(t.wsUrl, uid, password);
      big.send([2, 'huge-1', 'Heartbeat', { padding: 'p'.repeat(70_000) }]);
      expect((await big.closed).code).toBe(1009);
      station = await RawStation.open(t.wsUrl, uid, password);
    });
  });
});

describeEachDialect('OCPP-J connections that misbehave', (dialect) => {
  let t: TestApp;
  let uid: string;
  let password: string;
  const opened: RawStation[] = [];

  beforeAll(async () => {
    t = await createTestApp(dialect, { WITTY_OCPP_MAX_FRAME_BYTES: '4096' }, { listen: true });
    ({ uid, password } = await t.app.platform.devices.provision({ serialNumber: 'MISBEHAVE-1' }));
  });
  afterEach(() => {
    for (const station of opened.splice(0)) station.close();
  });
  afterAll(() => t.close());

  const open = async () => {
    const station = await RawStation.open(t.wsUrl, uid, password);
    opened.push(station);
    return station;
  };

  it('WITTY_OCPP_MAX_FRAME_BYTES sets the frame bound', async () => {
    const station = await open();
    station.send([2, 'huge-2', 'Heartbeat', { padding: 'p'.repeat(5000) }]);
    expect((await station.closed).code).toBe(1009);
  });

  it('closes with 1008 a connection that sends 20 bad frames in a row, not one that recovers', async () => {
    const station = await open();
    for (let i = 0; i < 19; i++) await station.exchange('garbage');
    expect(await station.exchange([2, 'ok-1', 'Heartbeat', {}])).toEqual([
      3,
      'ok-1',
      { currentTime: expect.any(String) },
    ]);
    for (let i = 0; i < 19; i++) await station.exchange('garbage');
    expect(station.ws.readyState).toBe(WebSocket.OPEN);
    station.send('garbage');
    expect((await station.closed).code).toBe(1008);
  });

  it('answers every CALL of a flood pipelined on one connection, and closes it with 1008', async () => {
    const station = await open();
    const count = 200;
    for (let i = 0; i < count; i++) station.send([2, `flood-${i}`, 'Heartbeat', {}]);
    expect((await station.closed).code).toBe(1008);
    const results = station.frames.filter((frame) => frame[0] === 3);
    const refused = station.frames.filter((frame) => frame[0] === 4);
    // One CALL in progress and a few queued (OCPP-J 1.6 §4.1.1 allows one); the rest refused,
    // and 20 refusals in a row close the connection (how many were answered before depends on
    // how the frames were split into TCP reads).
    expect(results.length).toBeGreaterThan(0);
    expect(results.length).toBeLessThan(count / 2);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused[0]).toEqual([
      4,
      expect.stringMatching(/^flood-/),
      'GenericError',
      expect.any(String),
      {},
    ]);
    expect((await t.app.inject('/healthz')).statusCode).toBe(200);
  });
});

describeEachDialect('answers to the platform that fail their schema', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp(dialect, { WITTY_COMMAND_TIMEOUT_SECONDS: '2' }, { listen: true });
  });
  afterAll(() => t.close());

  it('end the command rejected, not timedOut (docs/ocpp-profile.md §5)', async () => {
    const { token } = await t.user('owner');
    const home = await aHome(t, token, { serialNumber: 'CONFORMANCE-2' });
    const station = await RawStation.open(t.wsUrl, home.device.uid, home.device.password);
    try {
      // The socket is open before the platform has recorded the station as connected.
      const started = Date.now();
      while ((await t.app.platform.deviceStore.find(home.device.uid))?.connected !== 1) {
        if (Date.now() - started > 10_000) throw new Error('the station never showed connected');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const response = await t.api('PUT', home.stationPath, { token, body: { ledPower: 40 } });
      expect(response.statusCode).toBe(202);
      const call = await new Promise<unknown[]>((resolve) => {
        const check = setInterval(() => {
          const frame = station.frames.find((candidate) => candidate[0] === 2);
          if (!frame) return;
          clearInterval(check);
          resolve(frame);
        }, 5);
      });
      expect(call[2]).toBe('ChangeConfiguration');
      station.send([3, call[1], { status: 'Maybe' }]);
      const command = await settled(t, token, response.headers.location as string);
      expect(command.status).toBe('rejected');
    } finally {
      station.close();
    }
  });

  it('a CALL sent again under an id still being handled gets GenericError', async () => {
    const device = await t.app.platform.devices.provision({ serialNumber: 'CONFORMANCE-3' });
    const station = await RawStation.open(t.wsUrl, device.uid, device.password);
    try {
      station.send([2, 'same-id', 'Heartbeat', {}]);
      station.send([2, 'same-id', 'Heartbeat', {}]);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const answers = station.frames.filter((frame) => frame[1] === 'same-id');
      expect(answers).toHaveLength(2);
      expect(answers).toContainEqual([3, 'same-id', { currentTime: expect.any(String) }]);
      expect(answers).toContainEqual([4, 'same-id', 'GenericError', expect.any(String), {}]);
    } finally {
      station.close();
    }
  });
});
