import type { IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import type { Duplex } from 'node:stream';
import type { FastifyBaseLogger } from 'fastify';
import ocppRpc from 'ocpp-rpc';
import type { Clock } from '../clock.js';
import type { DeviceService } from '../devices/index.js';
import type { DeviceStateService, StationContext } from '../stations/index.js';
import {
  StationCallTimeoutError,
  StationNotConnectedError,
  type StationCommandBus,
} from '../bus/index.js';
import { deviceOnlyHandlers, ocppHandlers, type HandlerContext } from './handlers.js';
import {
  OcppCallError,
  callErrorFrame,
  ocpp16ErrorCode,
  readFrame,
  schemaErrorCode,
} from './ocpp-frames.js';

// ocpp-rpc is CommonJS and spreads its error classes into its exports: Node's ESM loader
// only sees some names, so take them from the default export.
const { RPCError, RPCServer, createValidator } = ocppRpc;

/**
 * ocpp-rpc's OCPP 1.6 schemas, behind a validator that answers with OCPP-J 1.6 codes and never
 * puts the offending payload in the CALLERROR details (ocpp-rpc's own does both otherwise).
 */
const ocpp16Validator = (() => {
  const schemas = createRequire(import.meta.url)('ocpp-rpc/lib/schemas/ocpp1_6.json') as object;
  const validator = createValidator('ocpp1.6', schemas);
  return {
    subprotocol: validator.subprotocol,
    validate(schemaId: string, params: unknown): boolean | Promise<unknown> {
      try {
        return validator.validate(schemaId, params);
      } catch (error) {
        const first = (error as { details?: { errors?: { keyword?: string }[] } }).details
          ?.errors?.[0];
        if (!first) throw error;
        throw new OcppCallError(schemaErrorCode(first.keyword), (error as Error).message);
      }
    },
  } as unknown as ReturnType<typeof createValidator>;
})();

/** Bad frames in a row after which a connection is closed with 1008 (Policy Violation). */
export const MAX_BAD_FRAMES = 20;
/** CALLs from one station waiting behind the one being handled (OCPP-J 1.6 §4.1.1 allows one). */
export const MAX_QUEUED_CALLS = 10;
/** Longest frame text written to the debug log. */
const LOGGED_FRAME_CHARS = 2048;

/** Path prefix of the OCPP endpoint: stations connect to /ocpp/{uid}. */
export const OCPP_PATH = '/ocpp';
export const OCPP_SUBPROTOCOL = 'ocpp1.6';

type ServerClient = {
  identity: string;
  handshake: { remoteAddress?: string };
  sendRaw(message: string): void;
  handle(
    method: string,
    handler: (call: { method: string; params: unknown }) => Promise<object>,
  ): void;
  call(method: string, params: object, options?: { callTimeoutMs?: number }): Promise<unknown>;
  close(options?: {
    code?: number;
    reason?: string;
    force?: boolean;
    awaitPending?: boolean;
  }): Promise<unknown>;
  once(event: 'close', listener: (event: { code: number; reason: string }) => void): void;
};

/** How often each station is pinged, and how long it has to answer. */
const PING_INTERVAL_MS = 60_000;
/** The keep-alive timer's tick: each station is pinged within this much of its due time. */
const PING_SWEEP_MS = 5_000;
/** ocpp-rpc's keep-alive state of a connection, which the gateway's one timer drives. */
interface KeepAlive {
  _lastPingTime: number;
  _pendingPingResponse: boolean;
  _ws?: { readyState: number; ping(): void; terminate(): void };
}
type UpgradeListener = (...args: unknown[]) => void;
/** The socket events ocpp-rpc listens to during a handshake. */
const UPGRADE_EVENTS = ['error', 'end', 'close'] as const;
type Handler = ReturnType<typeof ocppHandlers>[string];
type DeviceOnlyHandler = ReturnType<typeof deviceOnlyHandlers>[string];

/** ocpp-rpc's private reader of incoming frames, which the gateway puts its own in front of. */
type FrameReader = { _onMessage(buffer: Buffer): void };

/** What the gateway keeps per connection to bound its cost (OCPP-J 1.6 §4.1.1). */
interface ConnectionGuard {
  /** CALLs from the station accepted and not yet answered. */
  callsInProgress: number;
  /** Frames refused since the last one accepted. */
  badFramesInRow: number;
  /** The station's CALLs are handled one at a time, in order. */
  queue: Promise<unknown>;
}

/** The ws socket under an ocpp-rpc connection (ocpp-rpc keeps it private; needed to cut it off). */
function rawSocket(client: ServerClient): { terminate(): void } | undefined {
  return (client as unknown as { _ws?: { terminate(): void } })._ws;
}

/**
 * The OCPP 1.6J server: security profile 1 (HTTP Basic auth with the device secret over the
 * WebSocket handshake), strict schema validation of both directions, one handler per action,
 * and at most one outstanding CALL to each station (OCPP-J 1.6 §4.1.1; a station's own CALLs
 * are answered as they come, and a conforming station sends one at a time).
 */
export class OcppGateway implements StationCommandBus {
  /** Told when a station's connection opens here and when it is gone (the bus between nodes). */
  private presence: { held(uid: string): void; released(uid: string): void } | undefined;
  private readonly server: InstanceType<typeof RPCServer>;
  private readonly clients = new Map<string, ServerClient>();
  /** Every open connection, including one being replaced by a newer one of the same station. */
  private readonly connections = new Set<ServerClient>();
  private closing: Promise<void> | undefined;
  private pinger: NodeJS.Timeout | undefined;
  private readonly guards = new WeakMap<ServerClient, ConnectionGuard>();
  private readonly handlers: Record<string, Handler>;
  private readonly deviceOnlyHandlers: Record<string, DeviceOnlyHandler>;
  /** Every action a station may send: the others are answered NotImplemented by ocpp-rpc. */
  private readonly actions: string[];
  /** Listeners ocpp-rpc left on an upgrading socket, removed once the connection is made. */
  private readonly upgradeListeners = new WeakMap<Duplex, [string, UpgradeListener][]>();

  constructor(
    private readonly deps: {
      devices: DeviceService;
      state: DeviceStateService;
      clock: Clock;
      log: FastifyBaseLogger;
      /** How long a CALL waits for the station's answer. */
      callTimeoutMs: number;
      /** What follows an accepted boot (the platform's configuration command). */
      afterBoot: (station: StationContext) => Promise<() => void>;
      /** What follows an accepted transaction start on a charger the platform drives. */
      afterStart: (uid: string) => Promise<void>;
      /** Largest WebSocket message accepted; a larger one closes the connection with 1009. */
      maxFrameBytes: number;
    },
  ) {
    this.handlers = ocppHandlers(deps.state, {
      afterBoot: deps.afterBoot,
      afterStart: deps.afterStart,
    });
    this.deviceOnlyHandlers = deviceOnlyHandlers(deps.state);
    this.actions = [...Object.keys(this.deviceOnlyHandlers), ...Object.keys(this.handlers)];
    this.server = new RPCServer({
      protocols: [OCPP_SUBPROTOCOL],
      strictMode: true,
      strictModeValidators: [ocpp16Validator],
      callConcurrency: 1,
      // The gateway pings every station from one timer (keepStationsAlive): ocpp-rpc's own
      // keep-alive costs an emitter, an abort controller and a pending promise per connection.
      pingIntervalMs: 0,
      respondWithDetailedErrors: false,
      wssOptions: {
        // ws closes the connection with 1009 (Message Too Big, RFC 6455 §7.4.1) past this size.
        maxPayload: deps.maxFrameBytes,
        // OCPP frames are small JSON: no compression, no zlib context per connection (ws's
        // default for a server, said here so that it stays so).
        perMessageDeflate: false,
      },
    });
    // ocpp-rpc awaits the callback; its typings say void.
    this.server.auth(
      (accept, reject, handshake) =>
        void (async () => {
          try {
            const refuse = (status: number, reason: string) => {
              deps.log.info(
                {
                  uid: handshake.identity,
                  remoteAddress: handshake.remoteAddress,
                  status,
                  reason,
                },
                'OCPP handshake refused',
              );
              reject(status, reason);
            };
            if (handshake.endpoint !== OCPP_PATH) return refuse(404, 'Not found');
            // No uid holds a NUL (PostgreSQL cannot even compare text with one).
            if (handshake.identity.includes('\u0000')) return refuse(400, 'Invalid identity');
            // ocpp-rpc accepts a client that offers no subprotocol unless told otherwise.
            if (!handshake.protocols.has(OCPP_SUBPROTOCOL))
              return refuse(400, 'Subprotocol ocpp1.6 required');
            if (!handshake.password) return refuse(401, 'No credentials');
            if (!(await deps.devices.verify(handshake.identity, handshake.password))) {
              return refuse(401, 'Unknown uid or wrong password');
            }
            accept({ uid: handshake.identity }, OCPP_SUBPROTOCOL);
          } catch (error) {
            deps.log.error({ err: error, uid: handshake.identity }, 'OCPP handshake failed');
            reject(500, 'Internal error');
          }
        })(),
    );
    this.server.on('client', (client: ServerClient) => {
      this.releaseUpgrade(client);
      (client as unknown as KeepAlive)._lastPingTime = Date.now();
      this.connections.add(client);
      this.keepStationsAlive();
      client.once('close', () => this.connections.delete(client));
      this.guard(client);
      this.attach(client).catch((error: unknown) =>
        deps.log.error({ err: error, uid: client.identity }, 'OCPP connection setup failed'),
      );
    });
  }

  /**
   * Puts the gateway in front of ocpp-rpc on one connection: frames are read here first, so that
   * envelope errors get OCPP-J 1.6 codes and the frame's own id, a flood of CALLs is refused
   * beyond a short queue, and a station that keeps sending bad frames is closed; every CALLERROR
   * sent leaves with a 1.6 code and empty details; and the traffic is logged.
   */
  private guard(client: ServerClient): void {
    const { log } = this.deps;
    const uid = client.identity;
    const guard: ConnectionGuard = {
      callsInProgress: 0,
      badFramesInRow: 0,
      queue: Promise.resolve(),
    };
    this.guards.set(client, guard);
    const send = client.sendRaw.bind(client);
    client.sendRaw = (message: string) => {
      let text = message;
      if (text.startsWith('[4,')) {
        const [, id, code, description] = JSON.parse(text) as [4, string, unknown, unknown];
        const errorCode = ocpp16ErrorCode(code);
        const errorDescription = typeof description === 'string' ? description : '';
        text = callErrorFrame(id, errorCode, errorDescription);
        log.info({ uid, messageId: id, errorCode, errorDescription }, 'OCPP CALLERROR sent');
      }
      log.debug({ uid, frame: text.slice(0, LOGGED_FRAME_CHARS) }, 'OCPP frame sent');
      send(text);
    };
    const reader = client as unknown as FrameReader;
    const read = reader._onMessage.bind(client);
    let closing = false;
    const refuse = (reason: string, answer?: string) => {
      try {
        if (answer !== undefined) client.sendRaw(answer);
      } catch {
        // The connection closed meanwhile: nothing to answer.
      }
      if (++guard.badFramesInRow < MAX_BAD_FRAMES) return;
      closing = true;
      log.info(
        { uid, badFrames: guard.badFramesInRow, reason },
        'OCPP connection closed: too many bad frames',
      );
      void client.close({ code: 1008, reason: 'Too many bad frames' });
    };
    reader._onMessage = (buffer: Buffer) => {
      if (closing) return;
      const text = buffer.toString('utf8');
      if (text.length === 0) return; // ocpp-rpc ignores empty frames too
      log.debug({ uid, frame: text.slice(0, LOGGED_FRAME_CHARS) }, 'OCPP frame received');
      const frame = readFrame(text);
      switch (frame.kind) {
        case 'invalid':
          log.info({ uid, messageId: frame.id, reason: frame.reason }, 'OCPP frame refused');
          refuse(
            frame.reason,
            frame.answer ? callErrorFrame(frame.id, frame.code, frame.reason) : undefined,
          );
          return;
        case 'call':
          if (guard.callsInProgress > MAX_QUEUED_CALLS) {
            refuse(
              'too many CALLs in progress',
              callErrorFrame(
                frame.id,
                'GenericError',
                'Too many CALLs in progress: send one at a time (OCPP-J 1.6 §4.1.1)',
              ),
            );
            return;
          }
          guard.badFramesInRow = 0;
          break;
        case 'callError':
          log.info(
            {
              uid,
              messageId: frame.id,
              errorCode: frame.errorCode,
              errorDescription: frame.errorDescription,
            },
            'OCPP CALLERROR received',
          );
          guard.badFramesInRow = 0;
          break;
        default:
          guard.badFramesInRow = 0;
      }
      read(buffer);
    };
  }

  /**
   * Pings each station every PING_INTERVAL_MS and cuts off one that did not answer the last ping
   * (RFC 6455 §5.5.2), from one timer for every connection, those due at each tick. The
   * timer starts with the first station and stops when the gateway closes.
   */
  private keepStationsAlive(): void {
    if (this.pinger || this.closing) return;
    this.pinger = setInterval(() => {
      const now = Date.now();
      for (const connection of this.connections) {
        const client = connection as unknown as KeepAlive;
        if (now - client._lastPingTime < PING_INTERVAL_MS) continue;
        const ws = client._ws;
        if (!ws || ws.readyState !== 1) continue;
        if (client._pendingPingResponse) {
          this.deps.log.info({ uid: connection.identity }, 'OCPP connection closed: no pong');
          ws.terminate();
          continue;
        }
        // ocpp-rpc's own pong listener clears _pendingPingResponse.
        client._lastPingTime = now;
        client._pendingPingResponse = true;
        ws.ping();
      }
    }, PING_SWEEP_MS);
    this.pinger.unref();
  }

  /** The HTTP upgrade handler for /ocpp/{uid}. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const before = new Map(UPGRADE_EVENTS.map((event) => [event, socket.listeners(event)]));
    // A malformed URL makes ocpp-rpc reject before its own error handling: refuse the socket.
    this.server.handleUpgrade(request, socket as never, head).catch(() => socket.destroy());
    // ocpp-rpc adds its listeners synchronously, before it awaits the authentication.
    const added: [string, UpgradeListener][] = [];
    for (const event of UPGRADE_EVENTS) {
      const had = before.get(event)!;
      for (const listener of socket.listeners(event))
        if (!had.includes(listener)) added.push([event, listener as UpgradeListener]);
    }
    if (added.length > 0) this.upgradeListeners.set(socket, added);
  }

  /**
   * Lets go of what ocpp-rpc keeps of a finished handshake for the life of the connection: its
   * listeners on the socket (which answer an error with an HTTP 500, meaningless once upgraded)
   * hold the upgrade request and its closures, and the handshake holds the request's headers;
   * about 2 KiB per station that nothing reads again.
   */
  private releaseUpgrade(client: ServerClient): void {
    const socket = (client as unknown as { _ws?: { _socket?: Duplex } })._ws?._socket;
    if (socket) {
      for (const [event, listener] of this.upgradeListeners.get(socket) ?? [])
        socket.removeListener(event, listener);
      this.upgradeListeners.delete(socket);
    }
    const handshake = client.handshake as { request?: unknown; headers?: unknown; query?: unknown };
    handshake.request = handshake.headers = handshake.query = undefined;
  }

  /** Tells `presence` which stations this process holds, from now on. */
  reportPresence(presence: { held(uid: string): void; released(uid: string): void }): void {
    this.presence = presence;
    for (const uid of this.clients.keys()) presence.held(uid);
  }

  /** Whether this process holds a connection of the station. */
  holds(uid: string): boolean {
    return this.clients.has(uid);
  }

  /**
   * The station connected to another node: its connection here, a stale one, is closed without
   * recording the station disconnected (it is connected, elsewhere).
   */
  release(uid: string): void {
    const client = this.clients.get(uid);
    if (!client) return;
    this.clients.delete(uid);
    this.presence?.released(uid);
    this.deps.log.info({ uid }, 'station connected to another node; closing its connection here');
    // A close handshake, so that a station still listening is told why (ws cuts the socket off
    // if the station never answers it).
    void client.close({ code: 1000, reason: 'Connected to another node', awaitPending: false });
  }

  /** Number of stations connected to this process. */
  get connectedCount(): number {
    return this.clients.size;
  }

  private async attach(client: ServerClient): Promise<void> {
    const uid = client.identity;
    const { state, log } = this.deps;
    // A station that reconnects replaces its previous connection.
    const previous = this.clients.get(uid);
    this.clients.set(uid, client);
    if (previous)
      void previous.close({ code: 1000, reason: 'Replaced by a new connection', force: true });
    client.once('close', ({ code, reason }) => {
      log.info({ uid, code, reason }, 'station disconnected');
      if (this.clients.get(uid) !== client) return;
      this.clients.delete(uid);
      this.presence?.released(uid);
      // Stations closed by the platform as it stops are not Offline: they come back to it.
      state
        .disconnected(uid, { announce: this.closing === undefined })
        .catch((error: unknown) => log.warn({ err: error, uid }, 'disconnect not recorded'));
    });

    // One closure per connection: the action tables are the gateway's, built once.
    const handle = ({ method, params }: { method: string; params: unknown }) =>
      this.handleCall(client, method, params);
    for (const action of this.actions) client.handle(action, handle);
    await state.connected(uid);
    // Once recorded connected: a call from another node may come from now on.
    if (this.clients.get(uid) === client) this.presence?.held(uid);
    log.info({ uid, remoteAddress: client.handshake.remoteAddress }, 'station connected');
  }

  /**
   * One CALL of the station at a time, in order (OCPP-J 1.6 §4.1.1): a station pipelining CALLs
   * waits behind itself instead of crowding out the other stations and the API.
   */
  private async handleCall(client: ServerClient, action: string, params: unknown): Promise<object> {
    const guard = this.guards.get(client);
    if (!guard) return this.runAction(client, action, params);
    guard.callsInProgress++;
    const turn = guard.queue.then(() => this.runAction(client, action, params));
    guard.queue = turn.catch(() => undefined);
    try {
      return await turn;
    } finally {
      guard.callsInProgress--;
    }
  }

  private async runAction(client: ServerClient, action: string, params: unknown): Promise<object> {
    const uid = client.identity;
    const { state, clock, log } = this.deps;
    const deviceOnly = this.deviceOnlyHandlers[action];
    if (deviceOnly) {
      return deviceOnly(params as never, {
        uid,
        onCurrentConnection: this.clients.get(uid) === client,
        now: () => clock.now(),
      });
    }
    const handler = this.handlers[action]!;
    const pending: (() => Promise<void>)[] = [];
    // One message, one transaction: the station is read once and every change it makes,
    // with the samples and logs it yields, commits together before the answer is sent.
    const result = await state.withStation(uid, (station) => {
      // Once the connection is replaced or closed, its late messages no longer say connected.
      state.seen(station, this.clients.get(uid) === client);
      const context: HandlerContext = {
        uid,
        station,
        now: () => clock.now(),
        after: (task) => pending.push(task),
      };
      return handler(params as never, context);
    });
    for (const task of pending) {
      setImmediate(() => {
        task().catch((error: unknown) =>
          log.warn({ err: error, uid, action }, 'follow-up of a CALL failed'),
        );
      });
    }
    return result;
  }

  async call<T = unknown>(
    uid: string,
    action: string,
    payload: object,
    timeoutMs: number,
  ): Promise<T> {
    const client = this.clients.get(uid);
    if (!client) throw new StationNotConnectedError(uid);
    try {
      return (await client.call(action, payload, { callTimeoutMs: timeoutMs })) as T;
    } catch (error) {
      // A CALLERROR (RPCError) or an answer that fails its schema (OcppCallError) is the
      // station's answer; anything else means no answer came.
      if (error instanceof RPCError || error instanceof OcppCallError) throw error;
      throw new StationCallTimeoutError(uid, action, error);
    }
  }

  /**
   * Closes every station connection with 1001 (Going Away, RFC 6455 §7.4.1) and stops accepting
   * new ones. A station that does not finish the close handshake within graceMs is cut off, so
   * the HTTP server, which waits on these sockets, can close.
   */
  close(graceMs = 1000): Promise<void> {
    this.closing ??= (async () => {
      const cutOff = setTimeout(() => this.terminate(), graceMs);
      try {
        await this.server.close({
          code: 1001,
          reason: 'Server shutting down',
          awaitPending: false,
          force: false,
        });
      } finally {
        clearTimeout(cutOff);
        clearInterval(this.pinger);
        this.clients.clear();
      }
    })();
    return this.closing;
  }

  /** Drops every station socket at once, without a close handshake (the shutdown deadline passed). */
  terminate(): void {
    for (const connection of this.connections) rawSocket(connection)?.terminate();
  }
}
