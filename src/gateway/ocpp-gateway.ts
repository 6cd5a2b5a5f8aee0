import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyBaseLogger } from 'fastify';
import ocppRpc from 'ocpp-rpc';
import type { Clock } from '../clock.js';
import type { DeviceService } from '../devices/service.js';
import type { DeviceStateService } from '../stations/index.js';
import { ocppHandlers, type HandlerContext } from './handlers.js';
import type { GetConfigurationResponse } from './ocpp-messages.js';
import { ALL_CONFIGURATION_KEYS } from './witty-profile.js';

// ocpp-rpc is CommonJS and spreads its error classes into its exports: Node's ESM loader
// only sees some names, so take them from the default export.
const { RPCError, RPCServer } = ocppRpc;

/** Path prefix of the OCPP endpoint: stations connect to /ocpp/{uid}. */
export const OCPP_PATH = '/ocpp';
export const OCPP_SUBPROTOCOL = 'ocpp1.6';

/** A CALL could not reach the station: it has no open connection here. */
export class StationNotConnectedError extends Error {
  constructor(readonly uid: string) {
    super(`station ${uid} is not connected`);
    this.name = 'StationNotConnectedError';
  }
}

/** The station did not answer a CALL in time, or the connection closed before it did. */
export class StationCallTimeoutError extends Error {
  constructor(
    readonly uid: string,
    readonly action: string,
    cause: unknown,
  ) {
    super(
      `station ${uid} did not answer ${action} (${cause instanceof Error ? cause.message : String(cause)})`,
    );
    this.name = 'StationCallTimeoutError';
  }
}

/** Sends CALLs to stations, wherever their connection is held (one process, or NATS later). */
export interface StationCommandBus {
  /** Resolves with the station's CALLRESULT payload; rejects on CALLERROR, time-out or no connection. */
  call<T = unknown>(uid: string, action: string, payload: object, timeoutMs: number): Promise<T>;
}

type ServerClient = {
  identity: string;
  handshake: { remoteAddress?: string };
  handle(method: string, handler: (call: { params: unknown }) => Promise<object>): void;
  call(method: string, params: object, options?: { callTimeoutMs?: number }): Promise<unknown>;
  close(options?: {
    code?: number;
    reason?: string;
    force?: boolean;
    awaitPending?: boolean;
  }): Promise<unknown>;
  once(event: 'close', listener: () => void): void;
};

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
  private readonly server: InstanceType<typeof RPCServer>;
  private readonly clients = new Map<string, ServerClient>();
  /** Every open connection, including one being replaced by a newer one of the same station. */
  private readonly connections = new Set<ServerClient>();
  private closing: Promise<void> | undefined;

  constructor(
    private readonly deps: {
      devices: DeviceService;
      state: DeviceStateService;
      clock: Clock;
      log: FastifyBaseLogger;
      /** How long a CALL waits for the station's answer. */
      callTimeoutMs: number;
    },
  ) {
    this.server = new RPCServer({
      protocols: [OCPP_SUBPROTOCOL],
      strictMode: true,
      callConcurrency: 1,
      pingIntervalMs: 60_000,
      respondWithDetailedErrors: false,
    });
    // ocpp-rpc awaits the callback; its typings say void.
    this.server.auth(
      (accept, reject, handshake) =>
        void (async () => {
          try {
            if (handshake.endpoint !== OCPP_PATH) return reject(404, 'Not found');
            // ocpp-rpc accepts a client that offers no subprotocol unless told otherwise.
            if (!handshake.protocols.has(OCPP_SUBPROTOCOL))
              return reject(400, 'Subprotocol ocpp1.6 required');
            if (!(await deps.devices.verify(handshake.identity, handshake.password))) {
              return reject(401, 'Unauthorized');
            }
            accept({ uid: handshake.identity }, OCPP_SUBPROTOCOL);
          } catch (error) {
            deps.log.error({ err: error, uid: handshake.identity }, 'OCPP handshake failed');
            reject(500, 'Internal error');
          }
        })(),
    );
    this.server.on('client', (client: ServerClient) => {
      this.connections.add(client);
      client.once('close', () => this.connections.delete(client));
      this.attach(client).catch((error: unknown) =>
        deps.log.error({ err: error, uid: client.identity }, 'OCPP connection setup failed'),
      );
    });
  }

  /** The HTTP upgrade handler for /ocpp/{uid}. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    // A malformed URL makes ocpp-rpc reject before its own error handling: refuse the socket.
    this.server.handleUpgrade(request, socket as never, head).catch(() => socket.destroy());
  }

  /** Number of stations connected to this process. */
  get connectedCount(): number {
    return this.clients.size;
  }

  private async attach(client: ServerClient): Promise<void> {
    const uid = client.identity;
    const { state, clock, log } = this.deps;
    // A station that reconnects replaces its previous connection.
    const previous = this.clients.get(uid);
    this.clients.set(uid, client);
    if (previous)
      void previous.close({ code: 1000, reason: 'Replaced by a new connection', force: true });
    client.once('close', () => {
      if (this.clients.get(uid) !== client) return;
      this.clients.delete(uid);
      state
        .disconnected(uid)
        .catch((error: unknown) => log.warn({ err: error, uid }, 'disconnect not recorded'));
    });

    const handlers = ocppHandlers(state, { afterBoot: (id) => this.readConfiguration(id) });
    for (const [action, handler] of Object.entries(handlers)) {
      client.handle(action, async ({ params }) => {
        const pending: (() => Promise<void>)[] = [];
        // One message, one transaction: the station is read once and every change it makes,
        // with the samples and logs it yields, commits together before the answer is sent.
        const result = await state.withStation(uid, (station) => {
          state.seen(station);
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
      });
    }
    await state.connected(uid);
    log.info({ uid, remoteAddress: client.handshake.remoteAddress }, 'station connected');
  }

  /** OCPP 1.6 §5.8 GetConfiguration of the Witty keys; a generic charger reports them unknown. */
  private async readConfiguration(uid: string): Promise<void> {
    const response = await this.call<GetConfigurationResponse>(
      uid,
      'GetConfiguration',
      { key: ALL_CONFIGURATION_KEYS },
      this.deps.callTimeoutMs,
    );
    const values: Record<string, string> = {};
    for (const entry of response.configurationKey ?? []) {
      if (entry.value !== undefined) values[entry.key] = entry.value;
    }
    const { state } = this.deps;
    // Settings the platform holds (TIC consent) go to a station that reports another value.
    const desired = await state.withStation(uid, async (station) => {
      await state.configuration(station, values);
      return state.desiredConfiguration(station);
    });
    for (const [key, value] of Object.entries(desired)) {
      if (key in values && values[key] !== value) {
        await this.call(uid, 'ChangeConfiguration', { key, value }, this.deps.callTimeoutMs);
      }
    }
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
      // A CALLERROR (RPCError) is the station's answer; anything else means no answer came.
      if (error instanceof RPCError) throw error;
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
