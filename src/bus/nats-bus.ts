import {
  connect,
  ErrorCode,
  JSONCodec,
  type Msg,
  type NatsConnection,
  type NatsError,
  type Subscription,
} from 'nats';
import {
  StationCallTimeoutError,
  StationNotConnectedError,
  type StationCommandBus,
} from './command-bus.js';

/** The stations whose connections this process holds: the OCPP gateway. */
export interface LocalStations extends StationCommandBus {
  holds(uid: string): boolean;
  /** Lets go of a station another node now holds, without recording it disconnected. */
  release(uid: string): void;
}

/** The station answered with a CALLERROR or an answer that fails its schema, on another node. */
export class StationCallRejectedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StationCallRejectedError';
  }
}

/** What a call asks of the holding node, and what it answers. */
interface CallRequest {
  action: string;
  payload: object;
  timeoutMs: number;
}
type CallReply =
  { result: unknown } | { error: 'notConnected' | 'timeout' | 'rejected'; message: string };

/** What nodes keep in memory and tell each other about when it changes. */
export type ChangeTopic = 'identity';

/** What a node says when a station's connection opens on it. */
interface Held {
  uid: string;
  node: string;
}

/** Subjects of the bus (docs/operations.md lists them). */
export const SUBJECTS = {
  /** Request/reply to the node holding the station's connection. */
  call: (uid: string) => `witty.station.${subjectToken(uid)}.call`,
  /** The node now holding a station says so; an older holder, the only listener, lets go. */
  held: (uid: string) => `witty.station.${subjectToken(uid)}.held`,
  /** What the holder of a station listens to: its calls and its takeovers. */
  station: (uid: string) => `witty.station.${subjectToken(uid)}.*`,
  /** Every node hears that something its caches hold changed on another node. */
  changed: (topic: ChangeTopic) => `witty.changed.${topic}`,
} as const;

/**
 * A uid as one subject token: letters, digits, `-` and `_` as they are, any other character as
 * `~` and its code point in hex (NATS reserves `.`, `*`, `>` and white space).
 */
export function subjectToken(uid: string): string {
  return uid.replace(/[^A-Za-z0-9_-]/gu, (c) => `~${c.codePointAt(0)!.toString(16)}~`);
}

/** Time the calling node waits beyond the call's own time-out, for the holder's answer to come. */
const REPLY_MARGIN_MS = 2000;

const codec = JSONCodec<unknown>();

/**
 * The station command bus between nodes, over NATS core request/reply. A gateway node subscribes
 * to each connected station's call subject, so a call from any node reaches the one node holding
 * the connection with no lookup; NATS's "no responders" means no node holds it. When a station
 * reconnects elsewhere, the new holder says so on the station's `held` subject, which only the
 * old holder listens to, and the old one lets its stale connection go. A node that dies loses its
 * subscriptions with its NATS connection.
 */
export class NatsStationBus implements StationCommandBus {
  private local: LocalStations | undefined;
  private readonly subscriptions = new Map<string, Subscription>();

  private constructor(
    private readonly connection: NatsConnection,
    private readonly nodeId: string,
    private readonly onError: (error: unknown, context: string) => void,
  ) {}

  static async connect(
    url: string,
    nodeId: string,
    onError: (error: unknown, context: string) => void,
  ): Promise<NatsStationBus> {
    const connection = await connect({
      servers: url,
      name: nodeId,
      // A NATS restart is waited for, however long it takes.
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
    });
    return new NatsStationBus(connection, nodeId, onError);
  }

  /** NATS is reachable now (for /readyz). */
  get ready(): boolean {
    return !this.connection.isClosed() && this.connection.info !== undefined;
  }

  /** Answers calls for the stations `local` holds; `held` and `released` keep the subjects. */
  serve(local: LocalStations): void {
    this.local = local;
  }

  /** A station's connection opened here: an older holder is told, and calls come here. */
  held(uid: string): void {
    this.connection.publish(
      SUBJECTS.held(uid),
      codec.encode({ uid, node: this.nodeId } satisfies Held),
    );
    if (this.subscriptions.has(uid)) return;
    const call = SUBJECTS.call(uid);
    this.subscriptions.set(
      uid,
      this.connection.subscribe(SUBJECTS.station(uid), {
        callback: (error, message) => {
          if (error) return this.onError(error, `subscription of ${uid}`);
          if (message.subject === call) return void this.answer(uid, message);
          const held = this.read<Held>(message);
          if (held && held.node !== this.nodeId && this.local?.holds(uid)) this.local.release(uid);
        },
      }),
    );
  }

  /** A message's JSON body, or undefined (logged) when it cannot be read: never a crash. */
  private read<T>(message: Msg): T | undefined {
    try {
      const body = codec.decode(message.data);
      if (typeof body === 'object' && body !== null) return body as T;
      throw new Error('not a JSON object');
    } catch (error) {
      this.onError(error, `unreadable message on ${message.subject}`);
      return undefined;
    }
  }

  /** A station's connection here closed (or went to another node). */
  released(uid: string): void {
    this.subscriptions.get(uid)?.unsubscribe();
    this.subscriptions.delete(uid);
  }

  private async answer(uid: string, message: Msg): Promise<void> {
    const local = this.local;
    // A subscription outliving its connection by a moment: the holder, if any, answers.
    if (!local?.holds(uid)) return;
    const request = this.read<CallRequest>(message);
    if (!request) return;
    let reply: CallReply;
    try {
      reply = { result: await local.call(uid, request.action, request.payload, request.timeoutMs) };
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      reply =
        error instanceof StationNotConnectedError
          ? { error: 'notConnected', message: text }
          : error instanceof StationCallTimeoutError
            ? { error: 'timeout', message: text }
            : { error: 'rejected', message: text };
    }
    try {
      message.respond(codec.encode(reply));
    } catch (error) {
      this.onError(error, `reply to a call of ${uid}`);
    }
  }

  async call<T = unknown>(
    uid: string,
    action: string,
    payload: object,
    timeoutMs: number,
  ): Promise<T> {
    if (this.local?.holds(uid)) return this.local.call<T>(uid, action, payload, timeoutMs);
    let message: Msg;
    try {
      message = await this.connection.request(
        SUBJECTS.call(uid),
        codec.encode({ action, payload, timeoutMs } satisfies CallRequest),
        { timeout: timeoutMs + REPLY_MARGIN_MS },
      );
    } catch (error) {
      if ((error as NatsError).code === (ErrorCode.NoResponders as string))
        throw new StationNotConnectedError(uid);
      throw new StationCallTimeoutError(uid, action, error);
    }
    const reply = this.read<CallReply>(message);
    if (!reply)
      throw new StationCallRejectedError(`unreadable answer from the node holding ${uid}`);
    if ('result' in reply) return reply.result as T;
    if (reply.error === 'notConnected') throw new StationNotConnectedError(uid);
    if (reply.error === 'timeout') {
      const error = new StationCallTimeoutError(uid, action, '');
      error.message = reply.message;
      throw error;
    }
    throw new StationCallRejectedError(reply.message);
  }

  /** Tells the other nodes that `topic` changed here (they empty their caches of it). */
  announce(topic: ChangeTopic): void {
    if (this.connection.isClosed()) return;
    this.connection.publish(SUBJECTS.changed(topic), codec.encode({ node: this.nodeId }));
  }

  /** Calls `listener` each time another node announces a change of `topic`. */
  onChange(topic: ChangeTopic, listener: () => void): void {
    this.connection.subscribe(SUBJECTS.changed(topic), {
      callback: (error, message) => {
        if (error) return this.onError(error, `${topic} changes`);
        const change = this.read<{ node: string }>(message);
        if (change && change.node !== this.nodeId) listener();
      },
    });
  }

  /** Stops answering, lets the replies under way go out, and closes the NATS connection. */
  async close(): Promise<void> {
    if (this.connection.isClosed()) return;
    await this.connection.drain();
  }
}
