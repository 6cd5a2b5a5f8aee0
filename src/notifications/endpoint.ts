import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/** The longest endpoint URL accepted: it is stored with the subscription and quoted in logs. */
export const MAX_ENDPOINT_URL_LENGTH = 2048;

/** How each special range of ipaddr.js reads in an error message ("the address … is …"). */
const RANGE_WORDS: Record<string, string> = {
  unspecified: 'unspecified',
  broadcast: 'the broadcast address',
  multicast: 'multicast',
  linkLocal: 'link-local',
  loopback: 'loopback',
  carrierGradeNat: 'in the carrier-grade NAT range',
  private: 'private',
  reserved: 'reserved',
  uniqueLocal: 'unique-local (private)',
  deprecatedSiteLocal: 'site-local (private)',
  benchmarking: 'reserved for benchmarking',
  discard: 'reserved for discard',
};

// Global unicast is 2000::/3 (RFC 4291 §2.4); everything outside it is special or unallocated.
const GLOBAL_UNICAST = ipaddr.IPv6.parseCIDR('2000::/3');
// The well-known NAT64 prefix (RFC 6052 §2.1) carries an IPv4 address in its last 32 bits.
const NAT64_WELL_KNOWN = ipaddr.IPv6.parseCIDR('64:ff9b::/96');

/**
 * What keeps an address from being reached by a webhook, in words that follow "the address … is"
 * ("private", "loopback"…), or null when it is public. Text that is not an IP address is refused
 * too, so that nothing unparsed is ever trusted.
 */
export function nonPublicKindOf(address: string): string | null {
  const text = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  if (isIP(text) === 0) return 'not an IP address';
  const parsed = ipaddr.parse(withHexTail(text));
  if (parsed instanceof ipaddr.IPv4) return kindOfIPv4(parsed);
  const embedded = embeddedIPv4(parsed);
  if (embedded) {
    const kind = kindOfIPv4(embedded);
    return kind && `${kind} (it stands for ${embedded.toString()})`;
  }
  const range = parsed.range();
  if (range === 'unicast' && parsed.match(GLOBAL_UNICAST)) return null;
  return RANGE_WORDS[range] ?? 'not a public unicast address';
}

/**
 * An IPv6 address with its dotted IPv4 tail written as two hex groups (::1.2.3.4 → ::102:304).
 * ipaddr.js reads any "::a.b.c.d" as IPv4-mapped (::ffff:a.b.c.d), which it is not.
 */
function withHexTail(text: string): string {
  const tail = /^(.*:)(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (!tail) return text;
  const [a, b, c, d] = tail.slice(2).map(Number) as [number, number, number, number];
  const group = (high: number, low: number) => ((high << 8) | low).toString(16);
  return `${tail[1]}${group(a, b)}:${group(c, d)}`;
}

function kindOfIPv4(address: ipaddr.IPv4): string | null {
  const range = address.range();
  if (range === 'unicast') return null;
  return RANGE_WORDS[range] ?? 'not a public unicast address';
}

/**
 * The IPv4 address an IPv6 address stands for, where the host would reach that IPv4 address:
 * IPv4-mapped (::ffff:a.b.c.d), the NAT64 well-known prefix and 6to4 (2002:aabb:ccdd::/48).
 * IPv4-compatible addresses (::a.b.c.d, deprecated by RFC 4291 §2.5.5.1) are not unwrapped: they
 * fall outside 2000::/3 and are refused whatever they carry.
 */
function embeddedIPv4(address: ipaddr.IPv6): ipaddr.IPv4 | null {
  const parts = address.parts;
  const v4 = (high: number, low: number) =>
    new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
  if (address.isIPv4MappedAddress()) return address.toIPv4Address();
  if (address.match(NAT64_WELL_KNOWN)) return v4(parts[6] ?? 0, parts[7] ?? 0);
  if (address.range() === '6to4') return v4(parts[1] ?? 0, parts[2] ?? 0);
  return null;
}

/** Whether an IP address (v4 or v6 text) may be reached by a webhook. */
export function isPublicAddress(address: string): boolean {
  return nonPublicKindOf(address) === null;
}

/**
 * Why a webhook endpoint URL is refused, or the parsed URL. A name host is accepted here: the
 * addresses it resolves to are checked at every connection (poster.ts), so a name that later
 * resolves to a private address does not get through.
 */
export function checkEndpointUrl(
  url: string,
  options: { allowPrivate: boolean },
): { ok: true; url: URL } | { ok: false; reason: string } {
  const refuse = (reason: string) => ({ ok: false as const, reason });
  const schemes = options.allowPrivate ? 'an http or https URL' : 'an https URL';
  if (url.length > MAX_ENDPOINT_URL_LENGTH) {
    return refuse(`protocolData must be at most ${MAX_ENDPOINT_URL_LENGTH} characters long`);
  }
  let parsed: URL;
  // The WHATWG parser refuses an http(s) URL without a host, so a parsed one always names one.
  try {
    parsed = new URL(url);
  } catch {
    return refuse(`protocolData must be ${schemes}`);
  }
  const allowed = options.allowPrivate ? ['https:', 'http:'] : ['https:'];
  if (!allowed.includes(parsed.protocol)) return refuse(`protocolData must be ${schemes}`);
  if (parsed.username !== '' || parsed.password !== '') {
    return refuse('protocolData must not carry a user name or password');
  }
  // The URL parser has already turned shorthand forms (0x7f.1, 2130706433) into dotted IPv4.
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  if (isIP(host) !== 0 && !options.allowPrivate) {
    const kind = nonPublicKindOf(host);
    if (kind) return refuse(`the address ${host} is ${kind}`);
  }
  return { ok: true, url: parsed };
}
