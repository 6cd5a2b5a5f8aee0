import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { afterEach, expect, it } from 'vitest';
import WebSocket from 'ws';
import { buildPlatform } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { freePort } from '../helpers/http.js';
import { startServe } from '../helpers/serve.js';
import { describeEachDialect, freshDatabase } from '../helpers/test-app.js';

// Black-box: the real `witty serve` process, a station connected over a raw WebSocket, SIGTERM.

function environment(settings: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, WITTY_LOG_LEVEL: 'silent' };
  for (const name of ['DATABASE_URL', 'PUBLIC_URL', 'PORT', 'HOST']) delete env[name];
  return { ...env, ...settings };
}

const PASSWORD = 'a-long-station-secret';
const basicOf = (uid: string) => `Basic ${Buffer.from(`${uid}:${PASSWORD}`).toString('base64')}`;

/**
 * A station on a bare TCP socket: it completes the WebSocket handshake, then reads frames and
 * never answers, not even a close frame. Resolves closeCode with the code of the server's close.
 */
async function silentStation(
  port: number,
  uid: string,
  authorization: string,
): Promise<{ closeCode: Promise<number | undefined> }> {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write(
    `GET /ocpp/${uid} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n' +
      `Sec-WebSocket-Protocol: ocpp1.6\r\nAuthorization: ${authorization}\r\n\r\n`,
  );
  let received = Buffer.alloc(0);
  const upgraded = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = received.subarray(0, end).toString();
      received = received.subarray(end + 4);
      socket.off('data', onData);
      if (head.startsWith('HTTP/1.1 101')) resolve();
      else reject(new Error(head));
    };
    socket.on('data', onData);
  });
  await upgraded;
  const closeCode = new Promise<number | undefined>((resolve) => {
    let code: number | undefined;
    const scan = () => {
      // Server frames are unmasked; a close frame (opcode 8) starts with its 2-byte code.
      while (received.length >= 2) {
        const opcode = received[0]! & 0x0f;
        const length = received[1]! & 0x7f;
        if (length > 125 || received.length < 2 + length) return;
        if (opcode === 8 && length >= 2) code = received.readUInt16BE(2);
        received = received.subarray(2 + length);
      }
    };
    scan();
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      scan();
    });
    socket.on('close', () => resolve(code));
  });
  return { closeCode };
}

describeEachDialect('witty serve stops on SIGTERM with stations connected', (dialect) => {
  let server: ChildProcess | undefined;
  let drop: (() => Promise<void>) | undefined;

  afterEach(async () => {
    if (server && server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
    await drop?.();
  });

  it(
    'times out abandoned commands at start; on SIGTERM closes each station with 1001 and exits within WITTY_SHUTDOWN_TIMEOUT_MS',
    { timeout: 60_000 },
    async () => {
      const database = await freshDatabase(dialect);
      drop = database.drop;
      const port = await freePort();
      const shutdownTimeoutMs = 3000;
      const settings = {
        ...database.env,
        PORT: String(port),
        WITTY_SHUTDOWN_TIMEOUT_MS: String(shutdownTimeoutMs),
      };
      const platform = await buildPlatform(loadConfig({ ...settings, WITTY_LOG_LEVEL: 'silent' }));
      for (const uid of ['SIGTERM-1', 'SIGTERM-2'])
        await platform.devices.provision({ serialNumber: `SN-${uid}`, uid, password: PASSWORD });
      // A command a crashed process left pending, past its deadline: serve times it out at start.
      const abandoned = {
        id: randomUUID(),
        station_id: randomUUID(),
        uid: 'SIGTERM-1',
        type: 'start',
        request: '{}',
        status: 'pending' as const,
        calls: '[]',
        requested_by: randomUUID(),
        created_at: new Date(Date.now() - 60_000).toISOString(),
        completed_at: null,
        deadline_at: new Date(Date.now() - 20_000).toISOString(),
      };
      await platform.stationStore.insertCommand(abandoned);
      await platform.store.close();
      const basic = basicOf('SIGTERM-1');

      const serve = await startServe(environment(settings));
      server = serve.child;
      const { exited } = serve;

      // A station connected over a raw OCPP-J WebSocket, and one that never answers a close frame.
      const station = new WebSocket(`ws://127.0.0.1:${port}/ocpp/SIGTERM-1`, ['ocpp1.6'], {
        headers: { authorization: basic },
      });
      const closed = new Promise<number>((resolve) =>
        station.once('close', (code) => resolve(code)),
      );
      await new Promise((resolve, reject) => {
        station.once('open', resolve);
        station.once('error', reject);
      });
      const reply = new Promise((resolve) => station.once('message', resolve));
      station.send(JSON.stringify([2, 'hb-1', 'Heartbeat', {}]));
      await reply;
      const silent = await silentStation(port, 'SIGTERM-2', basicOf('SIGTERM-2'));

      const stoppedAt = Date.now();
      serve.child.kill('SIGTERM');
      const code = await Promise.race([
        exited,
        new Promise<string>((resolve) =>
          setTimeout(() => resolve('still running'), shutdownTimeoutMs + 3000),
        ),
      ]);
      expect(code, serve.output().stderr).toBe(0);
      expect(Date.now() - stoppedAt).toBeLessThan(shutdownTimeoutMs + 1000);
      expect(await closed).toBe(1001);
      expect(await silent.closeCode).toBe(1001);

      const after = await buildPlatform(loadConfig({ ...settings, WITTY_LOG_LEVEL: 'silent' }));
      try {
        const command = await after.stationStore.findCommand(abandoned.station_id, abandoned.id);
        expect(command?.status).toBe('timedOut');
      } finally {
        await after.store.close();
      }
    },
  );
});
