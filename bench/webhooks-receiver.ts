/**
 * The receiver of bench/webhooks.ts, in its own process: echoes Event Grid's validation
 * handshake, answers every notification with 200 at once, and counts deliveries by webhook-id
 * and subscription, each with its latency from the event's eventTime to its arrival here.
 *
 *   GET /stats?from=&to=  (Unix ms) → deliveries that arrived in [from, to): their count and
 *                         latency p50/p99/max; and in all: distinct deliveries, repeats.
 */
import http from 'node:http';

interface Arrival {
  at: number;
  latencyMs: number;
}

const seen = new Set<string>();
const arrivals: Arrival[] = [];
let repeats = 0;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

function stats(from: number, to: number) {
  const latencies = arrivals
    .filter((arrival) => arrival.at >= from && arrival.at < to)
    .map((arrival) => arrival.latencyMs)
    .sort((a, b) => a - b);
  return {
    count: latencies.length,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies.at(-1) ?? NaN,
    distinct: seen.size,
    repeats,
  };
}

const server = http.createServer((request, response) => {
  if (request.method === 'GET' && request.url?.startsWith('/stats')) {
    const query = new URL(request.url, 'http://receiver').searchParams;
    const body = JSON.stringify(
      stats(Number(query.get('from') ?? 0), Number(query.get('to') ?? Date.now())),
    );
    response.writeHead(200, { 'content-type': 'application/json' }).end(body);
    return;
  }
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const at = Date.now();
    const events = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
      eventTime: string;
      data: { validationCode?: string };
    }[];
    if (request.headers['aeg-event-type'] === 'SubscriptionValidation') {
      const validationResponse = events[0]?.data.validationCode;
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ validationResponse }));
      return;
    }
    // One delivery is one event to one subscription, whatever the attempt.
    const key = `${String(request.headers['webhook-id'])} ${String(request.headers['aeg-subscription-name'])}`;
    if (seen.has(key)) {
      repeats++;
    } else {
      seen.add(key);
      for (const event of events)
        arrivals.push({ at, latencyMs: at - Date.parse(event.eventTime) });
    }
    response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write('ready\n'));
