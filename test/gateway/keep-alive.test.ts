import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { aHome } from '../helpers/builders.js';
import { createTestApp, describeEachDialect, type TestApp } from '../helpers/test-app.js';

/**
 * The gateway pings every station from one timer (RFC 6455 §5.5.2): each connection is pinged
 * once a minute and cut off at the sweep after its next ping is due if it has not answered.
 *
 * The periods are constants of src/gateway/ocpp-gateway.ts (neither exported nor configurable),
 * so the test moves time: only setInterval and Date are faked, which is all the gateway's timer
 * uses, while the sockets, the WebSocket peers and the database stay real. Fake timers must be
 * installed before the app's first station connects, since that connection starts the timer.
 */

/** PING_INTERVAL_MS of the gateway: how often a station is pinged, and how long it has to answer. */
const PING_INTERVAL_MS = 60_000;
/** PING_SWEEP_MS of the gateway: the timer's tick. */
const SWEEP_MS = 5_000;
/** The longest real wait for something that follows from a timer tick (a frame on localhost). */
const REAL_WAIT_MS = 5_000;

const FAKED = { toFake: ['setInterval', 'clearInterval', 'Date'] } as Parameters<
  typeof vi.useFakeTimers
>[0];

/** Rejects, naming what was awaited, if the promise does not settle within REAL_WAIT_MS. */
function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${what}: nothing within ${REAL_WAIT_MS} ms`)),
        REAL_WAIT_MS,
      );
    }),
  ]).finally(() => clearTimeout(timer));
}

/** A station on a plain ws WebSocket that counts the platform's pings and may leave them unanswered. */
class PeerStation {
  pings = 0;
  readonly closed: Promise<{ code: number }>;
  private calls = 0;

  private constructor(readonly ws: WebSocket) {
    ws.on('ping', () => this.pings++);
    this.closed = new Promise((resolve) => ws.once('close', (code) => resolve({ code })));
  }

  static async open(
    url: string,
    device: { uid: string; password: string },
    options: { autoPong: boolean },
  ): Promise<PeerStation> {
    const basic = Buffer.from(`${device.uid}:${device.password}`).toString('base64');
    const ws = new WebSocket(`${url}/ocpp/${device.uid}`, ['ocpp1.6'], {
      headers: { authorization: `Basic ${basic}` },
      autoPong: options.autoPong,
    });
    await within(
      new Promise((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
      }),
      'handshake',
    );
    return new PeerStation(ws);
  }

  /** Resolves once `count` pings in all have arrived. */
  pinged(count: number): Promise<void> {
    return within(
      new Promise((resolve) => {
        const check = () => {
          if (this.pings < count) return;
          this.ws.off('ping', check);
          resolve();
        };
        this.ws.on('ping', check);
        check();
      }),
      `ping ${count}`,
    );
  }

  /**
   * A Heartbeat and its answer. Frames are read in order, so once it is answered the platform has
   * also read whatever the station sent before it (a pong among them).
   */
  heartbeat(): Promise<unknown[]> {
    const id = `hb-${++this.calls}`;
    return within(
      new Promise((resolve) => {
        const onMessage = (data: Buffer) => {
          const frame = JSON.parse(data.toString()) as unknown[];
          if (frame[1] !== id) return;
          this.ws.off('message', onMessage);
          resolve(frame);
        };
        this.ws.on('message', onMessage);
        this.ws.send(JSON.stringify([2, id, 'Heartbeat', {}]));
      }),
      `answer to ${id}`,
    );
  }

  close(): void {
    this.ws.terminate();
  }
}

const answered = [3, expect.stringMatching(/^hb-/), { currentTime: expect.any(String) }];

describeEachDialect('keep-alive: every station pinged from one timer', (dialect) => {
  let t: TestApp;
  let token: string;

  beforeAll(async () => {
    t = await createTestApp(dialect, {}, { listen: true });
    ({ token } = await t.user('owner'));
    vi.useFakeTimers(FAKED);
  });
  afterAll(async () => {
    try {
      await t.close();
    } finally {
      vi.useRealTimers();
    }
  });

  const flagOf = async (uid: string) =>
    (
      await t.app.platform.store.db
        .selectFrom('devices')
        .select('connected')
        .where('uid', '=', uid)
        .executeTakeFirstOrThrow()
    ).connected;

  /** Waits (in real time, bounded) for the device's connected flag to read `value`. */
  async function flagBecomes(uid: string, value: number): Promise<void> {
    for (let i = 0; i < REAL_WAIT_MS / 20 && (await flagOf(uid)) !== value; i++)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await flagOf(uid)).toBe(value);
  }

  it('a station that answers pings stays connected across several ping periods', async () => {
    const home = await aHome(t, token, { serialNumber: 'KEEPALIVE-PONG' });
    const station = await PeerStation.open(t.wsUrl, home.device, { autoPong: true });
    try {
      expect(await station.heartbeat()).toEqual(answered);
      for (let period = 1; period <= 4; period++) {
        // The n-th ping is due n minutes after the connection, and sent within a sweep of it.
        vi.advanceTimersByTime(PING_INTERVAL_MS + SWEEP_MS);
        await station.pinged(period);
        expect(await station.heartbeat()).toEqual(answered);
        expect(station.pings).toBe(period);
      }
      expect(station.ws.readyState).toBe(WebSocket.OPEN);
      expect(await flagOf(home.device.uid)).toBe(1);
    } finally {
      station.close();
    }
  });

  it('a station that does not answer a ping is cut off when its next ping is due, and reads offline', async () => {
    const home = await aHome(t, token, { serialNumber: 'KEEPALIVE-SILENT' });
    const station = await PeerStation.open(t.wsUrl, home.device, { autoPong: false });
    let closed = false;
    void station.closed.then(() => (closed = true));
    try {
      expect(await station.heartbeat()).toEqual(answered);
      await flagBecomes(home.device.uid, 1);

      // Pinged between 60 and 65 s after connecting; the ping is left unanswered.
      vi.advanceTimersByTime(PING_INTERVAL_MS + SWEEP_MS);
      await station.pinged(1);
      // Up to 115 s, before the next ping is due: still connected, its CALLs still answered.
      vi.advanceTimersByTime(PING_INTERVAL_MS - 2 * SWEEP_MS);
      expect(await station.heartbeat()).toEqual(answered);
      expect(closed).toBe(false);
      expect(station.pings).toBe(1);

      // By 125 s the sweep finds the ping still unanswered and drops the connection, without a
      // close handshake (1006 on the station's side) and without pinging again.
      vi.advanceTimersByTime(2 * SWEEP_MS);
      expect((await within(station.closed, 'close')).code).toBe(1006);
      expect(station.pings).toBe(1);

      // The platform treats it as any closed connection: disconnected, Offline (400) announced,
      // commands refused.
      await flagBecomes(home.device.uid, 0);
      const device = await t.app.platform.store.db
        .selectFrom('devices')
        .select('error_event_code')
        .where('uid', '=', home.device.uid)
        .executeTakeFirstOrThrow();
      expect(device.error_event_code).toBe(400);
      const refused = await t.api('POST', `${home.stationPath}/operators/set-charge-mode`, {
        token,
        body: { chargeMode: 'deferred' },
      });
      expect(refused.statusCode).toBe(409);
      expect(refused.json()).toMatchObject({ code: 'STATION_OFFLINE' });
    } finally {
      station.close();
    }
  });

  it('only the silent station of two is cut off', async () => {
    const answering = await aHome(t, token, { serialNumber: 'KEEPALIVE-PAIR-PONG' });
    const silent = await aHome(t, token, { serialNumber: 'KEEPALIVE-PAIR-SILENT' });
    const good = await PeerStation.open(t.wsUrl, answering.device, { autoPong: true });
    const bad = await PeerStation.open(t.wsUrl, silent.device, { autoPong: false });
    try {
      vi.advanceTimersByTime(PING_INTERVAL_MS + SWEEP_MS);
      await Promise.all([good.pinged(1), bad.pinged(1)]);
      expect(await good.heartbeat()).toEqual(answered);
      vi.advanceTimersByTime(PING_INTERVAL_MS);
      expect((await within(bad.closed, 'close')).code).toBe(1006);
      await good.pinged(2);
      expect(await good.heartbeat()).toEqual(answered);
      expect(good.ws.readyState).toBe(WebSocket.OPEN);
      await flagBecomes(silent.device.uid, 0);
      expect(await flagOf(answering.device.uid)).toBe(1);
    } finally {
      good.close();
      bad.close();
    }
  });
});

describeEachDialect('keep-alive timer and shutdown', (dialect) => {
  it('the ping timer starts with the first station and is stopped when the app closes', async () => {
    const t = await createTestApp(dialect, {}, { listen: true });
    vi.useFakeTimers(FAKED);
    let station: PeerStation | undefined;
    let closed = false;
    try {
      expect(vi.getTimerCount()).toBe(0);
      const device = await t.app.platform.devices.provision({ serialNumber: 'KEEPALIVE-STOP' });
      station = await PeerStation.open(t.wsUrl, device, { autoPong: true });
      expect(await station.heartbeat()).toEqual(answered);
      expect(vi.getTimerCount()).toBe(1);

      closed = true;
      await within(t.close(), 'app close');
      expect(vi.getTimerCount()).toBe(0);
      expect((await within(station.closed, 'close')).code).toBe(1001);
      // Nothing is left to tick: moving time on pings no one.
      vi.advanceTimersByTime(5 * PING_INTERVAL_MS);
      expect(station.pings).toBe(0);
    } finally {
      station?.close();
      try {
        if (!closed) await t.close();
      } finally {
        vi.useRealTimers();
      }
    }
  });
});
