import net from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { aHome } from '../helpers/builders.js';
import { TestStation } from '../helpers/station.js';
import { createTestApp, describeEachDialect, type TestApp } from '../helpers/test-app.js';

/** Sends a raw WebSocket upgrade request and resolves when the server closes the socket. */
function rawUpgrade(port: number, path: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n' +
          'Sec-WebSocket-Protocol: ocpp1.6\r\n\r\n',
      );
    });
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString()));
    socket.on('close', () => resolve(answer));
    socket.on('error', () => resolve(answer));
  });
}

describeEachDialect('gateway resilience', (dialect) => {
  let t: TestApp;
  let token: string;
  let station: TestStation;
  let stationPath: string;
  const T0 = Date.parse('2026-05-04T10:00:00Z');
  const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

  beforeAll(async () => {
    t = await createTestApp(dialect, {}, { listen: true });
    ({ token } = await t.user('owner'));
    const home = await aHome(t, token, { serialNumber: 'RESILIENT-1' });
    stationPath = home.stationPath;
    station = await TestStation.online(t.wsUrl, home.device);
  });
  afterAll(async () => {
    await station.close();
    await t.close();
  });

  it('a malformed station path is refused and the server keeps running', async () => {
    await rawUpgrade(Number(new URL(t.wsUrl).port), '/ocpp/%E0%A4%A');
    expect((await t.app.inject('/healthz')).statusCode).toBe(200);
    expect(await station.heartbeat()).toEqual({ currentTime: expect.any(String) });
  });

  it('a retried StartTransaction gets the same transactionId; late and repeated readings add nothing', async () => {
    await station.status(1, 'Preparing', { timestamp: at(0) });
    const first = await station.startTransaction(1, 10_000, at(0));
    const retried = await station.startTransaction(1, 10_000, at(0));
    expect(retried).toBe(first);
    await station.meterValues(1, first, at(10), 11_000);
    await station.meterValues(1, first, at(20), 12_000);
    await station.meterValues(1, first, at(10), 11_000); // late duplicate
    await station.meterValues(1, first, at(20), 12_000); // repeated
    // The M2 socket has a meter of its own: its readings do not mix with M3's.
    await station.meterValues(2, undefined, at(15), 500);
    await station.meterValues(2, undefined, at(25), 600);
    await station.stopTransaction(first, 12_000, at(30));
    const { lastSession } = (await t.api('GET', stationPath, { token })).json().properties;
    expect(lastSession.totalSessionEnergy).toBe(2);
    const rows = (
      await t.api('POST', `${stationPath}/measures/1/operators/sum`, {
        token,
        body: { startDate: at(0), endDate: at(60), step: 'hour' },
      })
    ).json();
    expect(rows).toEqual([{ date: at(0), tariffType: 'hp', value: 2.1, valueTh: 2.1 }]); // 2 kWh on M3 + 0.1 on M2
  });
});
