import dns, { type LookupAddress, type LookupOptions } from 'node:dns';
import { StringDecoder } from 'node:string_decoder';
import { Agent } from 'undici';
import { checkEndpointUrl, nonPublicKindOf } from './endpoint.js';

/** What one POST to a webhook endpoint came to, for the delivery log. */
export interface PostResult {
  /** The HTTP status, or null when no answer came (network error, timeout, refused address). */
  statusCode: number | null;
  /** What went wrong, for the delivery log (null on any HTTP answer). */
  error: string | null;
  durationMs: number;
  /** The start of the answer's body, at most maxResponseBytes, decoded as UTF-8. */
  body: string;
}

/** Posts webhook deliveries over pooled keep-alive connections to public addresses only. */
export interface WebhookPoster {
  /** Posts the body; never throws: every failure is a result with a null statusCode. */
  post(url: string, body: string, headers: Record<string, string>): Promise<PostResult>;
  /** Closes the pooled connections once the posts under way have finished. */
  close(): Promise<void>;
}

/** The keep-alive connections kept per origin when the caller does not say. */
const DEFAULT_CONNECTIONS_PER_ORIGIN = 16;
const DEFAULT_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'application/json',
  'user-agent': 'Witty-Home-Webhooks/1',
};

/** The resolver net.connect calls (node:net's LookupFunction, which it does not export). */
export type LookupFunction = (
  hostname: string,
  options: LookupOptions,
  callback: (
    error: NodeJS.ErrnoException | null,
    address: string | LookupAddress[],
    family?: number,
  ) => void,
) => void;

/** The part of dns.lookup that publicOnlyLookup calls: every address of a name. */
export type ResolveAll = (
  hostname: string,
  options: LookupOptions & { all: true },
  callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

const resolveWithDns: ResolveAll = (hostname, options, callback) =>
  dns.lookup(hostname, options, callback);

/** A name refused because it resolves to an address that is not public. */
class RefusedAddressError extends Error {
  readonly code = 'ERR_WEBHOOK_ADDRESS_REFUSED';
}

/**
 * A resolver for net.connect that refuses a name when any of its addresses is not public. It runs
 * at every new connection, on the address the socket will use, so a name that resolved to a
 * public address at subscription time and to a private one now (DNS rebinding) is refused.
 */
export function publicOnlyLookup(resolveAll: ResolveAll = resolveWithDns): LookupFunction {
  return (hostname, options, callback) => {
    resolveAll(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      for (const { address } of addresses) {
        const kind = nonPublicKindOf(address);
        if (kind) {
          return callback(
            new RefusedAddressError(`${hostname} resolves to ${address}, which is ${kind}`),
            [],
          );
        }
      }
      const [first] = addresses;
      if (!first) {
        const none: NodeJS.ErrnoException = new Error(`${hostname} has no address`);
        none.code = 'ENOTFOUND';
        return callback(none, []);
      }
      // net asks for every address when it races IPv4 and IPv6 (autoSelectFamily), else one.
      if (options.all) return callback(null, addresses);
      return callback(null, first.address, first.family);
    });
  };
}

/** A poster with its own connection pool; close() it when done. */
export function createWebhookPoster(options: {
  /** The whole exchange, from connecting to the end of the answer (30 s in production). */
  timeoutMs: number;
  /** Answers longer than this are cut off (their status still counts). */
  maxResponseBytes: number;
  allowPrivate: boolean;
  /** Keep-alive pool size per origin. */
  connectionsPerOrigin?: number;
  /** Name resolution for the address check (tests put a fake resolver here). */
  resolveAll?: ResolveAll;
}): WebhookPoster {
  const { timeoutMs, maxResponseBytes, allowPrivate } = options;
  const agent = new Agent({
    connections: options.connectionsPerOrigin ?? DEFAULT_CONNECTIONS_PER_ORIGIN,
    // undici's own defaults (300 s) would outlive the exchange's deadline.
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    connect: {
      timeout: timeoutMs,
      // Literal addresses never reach a lookup (net skips it): post() checks them first.
      ...(allowPrivate ? {} : { lookup: publicOnlyLookup(options.resolveAll) }),
    },
  });

  return {
    async post(url, body, headers) {
      const started = performance.now();
      const elapsed = () => Math.round(performance.now() - started);
      const failed = (error: string): PostResult => ({
        statusCode: null,
        error,
        durationMs: elapsed(),
        body: '',
      });
      const checked = checkEndpointUrl(url, { allowPrivate });
      if (!checked.ok) return failed(checked.reason);
      const deadline = new AbortController();
      const timer = setTimeout(() => deadline.abort(), timeoutMs);
      try {
        const answer = await agent.request({
          origin: checked.url.origin,
          path: checked.url.pathname + checked.url.search,
          method: 'POST',
          headers: withDefaults(headers),
          body,
          signal: deadline.signal,
        });
        const text = await readStart(answer.body, maxResponseBytes);
        return { statusCode: answer.statusCode, error: null, durationMs: elapsed(), body: text };
      } catch (error) {
        return failed(
          deadline.signal.aborted ? `timed out: no answer within ${timeoutMs} ms` : describe(error),
        );
      } finally {
        clearTimeout(timer);
      }
    },
    close: () => agent.close(),
  };
}

/** The caller's headers, with a JSON content type and our user agent unless it set its own. */
function withDefaults(headers: Record<string, string>): Record<string, string> {
  const given = new Set(Object.keys(headers).map((name) => name.toLowerCase()));
  const merged = { ...headers };
  for (const [name, value] of Object.entries(DEFAULT_HEADERS)) {
    if (!given.has(name)) merged[name] = value;
  }
  return merged;
}

/**
 * The first `limit` bytes of a body as UTF-8. Leaving the loop early destroys the stream (and its
 * connection), so the rest is never read into memory; a body cut short by the deadline or the
 * peer keeps what came, since its status already counts.
 */
async function readStart(body: AsyncIterable<Buffer>, limit: number): Promise<string> {
  const decoder = new StringDecoder('utf8');
  let text = '';
  let received = 0;
  try {
    for await (const chunk of body) {
      const room = limit - received;
      if (chunk.length > room) {
        // A character split by the cut stays in the decoder rather than becoming U+FFFD.
        return text + decoder.write(chunk.subarray(0, room));
      }
      text += decoder.write(chunk);
      received += chunk.length;
    }
  } catch {
    return text;
  }
  return text + decoder.end();
}

/** An error as one line for the delivery log, with its code where the message lacks it. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error instanceof RefusedAddressError) return error.message;
  const code = (error as NodeJS.ErrnoException).code;
  return code && !error.message.includes(code) ? `${error.message} (${code})` : error.message;
}
