import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { freePort } from '../helpers/http.js';
import { describeEachDialect, freshDatabase } from '../helpers/test-app.js';
import { RawStation } from '../helpers/raw-station.js';

// What an operator reads at info, and every frame at debug, from a captured pino stream.

describeEachDialect('gateway logs', (dialect) => {
  let app: FastifyInstance;
  let drop: () => Promise<void>;
  let url: string;
  const lines: string[] = [];
  const records = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  const named = (msg: string) => records().filter((record) => record.msg === msg);

  beforeAll(async () => {
    const database = await freshDatabase(dialect);
    drop = database.drop;
    const port = await freePort();
    app = await buildApp(loadConfig({ ...database.env, WITTY_LOG_LEVEL: 'debug' }), {
      logStream: { write: (line) => lines.push(line) },
    });
    await app.listen({ port, host: '127.0.0.1' });
    url = `ws://127.0.0.1:${port}`;
    await app.platform.devices.provision({
      serialNumber: 'LOGS-1',
      uid: 'LOGS-1',
      password: 'a-long-station-secret',
    });
  });
  afterAll(async () => {
    await app.close();
    await drop();
  });

  it('logs a refused handshake with the uid, the reason and the remote address', async () => {
    const ws = new WebSocket(`${url}/ocpp/LOGS-1`, ['ocpp1.6'], {
      headers: {
        authorization: `Basic ${Buffer.from('LOGS-1:wrong-password-123').toString('base64')}`,
      },
    });
    await new Promise((resolve) => ws.once('unexpected-response', resolve));
    expect(named('OCPP handshake refused')).toEqual([
      expect.objectContaining({
        level: 30,
        uid: 'LOGS-1',
        status: 401,
        reason: expect.any(String),
        remoteAddress: '127.0.0.1',
      }),
    ]);
  });

  it('logs CALLERRORs sent and received and the close code at info, every frame at debug', async () => {
    const station = await RawStation.open(url, 'LOGS-1', 'a-long-station-secret');
    await station.exchange([2, 'hb-1', 'Heartbeat', {}]);
    await station.exchange([2, 'bad-1', 'Teleport', {}]);
    // The station answers the platform's GetConfiguration with a CALLERROR.
    const boot = station.answer('boot-1');
    station.send([
      2,
      'boot-1',
      'BootNotification',
      { chargePointVendor: 'V', chargePointModel: 'M' },
    ]);
    await boot;
    const call = await new Promise<unknown[]>((resolve) => {
      const check = setInterval(() => {
        const frame = station.frames.find((f) => f[0] === 2);
        if (frame) {
          clearInterval(check);
          resolve(frame);
        }
      }, 5);
    });
    station.send([4, call[1], 'NotSupported', 'no configuration here', {}]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    station.ws.close(4000, 'bye');
    await station.closed;
    await new Promise((resolve) => setTimeout(resolve, 50));

    expect(named('OCPP CALLERROR sent')).toEqual([
      expect.objectContaining({
        level: 30,
        uid: 'LOGS-1',
        messageId: 'bad-1',
        errorCode: 'NotImplemented',
      }),
    ]);
    expect(named('OCPP CALLERROR received')).toEqual([
      expect.objectContaining({
        level: 30,
        uid: 'LOGS-1',
        messageId: call[1],
        errorCode: 'NotSupported',
        errorDescription: 'no configuration here',
      }),
    ]);
    expect(named('station disconnected')).toEqual([
      expect.objectContaining({ level: 30, uid: 'LOGS-1', code: 4000, reason: 'bye' }),
    ]);
    const received = named('OCPP frame received');
    const sent = named('OCPP frame sent');
    expect(received.every((record) => record.level === 20)).toBe(true);
    expect(received.map((record) => record.frame)).toContain(
      JSON.stringify([2, 'hb-1', 'Heartbeat', {}]),
    );
    expect(sent.some((record) => String(record.frame).startsWith('[3,"hb-1"'))).toBe(true);
  });
});
