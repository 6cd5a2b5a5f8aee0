import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** A request the receiver got. */
export interface ReceivedWebhook {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  json: unknown;
}

/** How the receiver answers: a status and body, or 'hang' (never answers). */
export type Answer = { status: number; body?: string } | 'hang';

/**
 * A webhook endpoint for tests: a real HTTP server on 127.0.0.1 that records every request
 * and answers as told. By default it echoes Event Grid's validation handshake and answers 200.
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  /** Decides each answer; the default echoes the handshake and accepts notifications. */
  answer: (request: ReceivedWebhook) => Answer = (request) => echoHandshake(request);
  private readonly server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      const request = { path: req.url ?? '/', headers: req.headers, body, json };
      this.received.push(request);
      const answer = this.answer(request);
      for (const waiter of [...this.waiters]) waiter();
      if (answer === 'hang') return;
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(answer.body ?? '');
    });
  });
  private waiters = new Set<() => void>();
  private sockets = new Set<Socket>();
  url = '';

  async start(port = 0): Promise<void> {
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Notifications received (handshakes left out), each event of each POST. */
  events(): { headers: http.IncomingHttpHeaders; body: string; event: Record<string, unknown> }[] {
    return this.received
      .filter((r) => r.headers['aeg-event-type'] === 'Notification')
      .flatMap((r) =>
        (r.json as Record<string, unknown>[]).map((event) => ({
          headers: r.headers,
          body: r.body,
          event,
        })),
      );
  }

  /** Waits until `predicate` holds of what was received (checked at each request). */
  async waitFor(predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
    if (predicate()) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`webhook receiver: condition not met in ${timeoutMs} ms`));
      }, timeoutMs);
      const check = () => {
        if (!predicate()) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      this.waiters.add(check);
    });
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Event Grid's handshake answered by echo; notifications answered 200. */
export function echoHandshake(request: ReceivedWebhook): Answer {
  if (request.headers['aeg-event-type'] === 'SubscriptionValidation') {
    const [event] = request.json as { data: { validationCode: string } }[];
    return {
      status: 200,
      body: JSON.stringify({ validationResponse: event?.data.validationCode }),
    };
  }
  return { status: 200 };
}
