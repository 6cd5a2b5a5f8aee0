import { describe, expect, it } from 'vitest';
import {
  checkEndpointUrl,
  isPublicAddress,
  MAX_ENDPOINT_URL_LENGTH,
} from '../../src/notifications/index.js';

describe('isPublicAddress', () => {
  it.each([
    ['8.8.8.8', 'a public IPv4 address'],
    ['1.1.1.1', 'another'],
    ['172.32.0.1', 'just past 172.16/12'],
    ['100.128.0.1', 'just past 100.64/10'],
    ['198.20.0.1', 'just past 198.18/15'],
    ['2606:4700:4700::1111', 'a global unicast IPv6 address'],
    ['2a00:1450:4007:80e::200e', 'another'],
    ['::ffff:8.8.8.8', 'IPv4-mapped public IPv4'],
    ['::ffff:808:808', 'the same in hex'],
    ['64:ff9b::808:808', 'NAT64 of a public IPv4'],
    ['2002:808:808::1', '6to4 of a public IPv4'],
  ])('%s is public (%s)', (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });

  it.each([
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', '0/8'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback, end of 127/8'],
    ['10.0.0.1', 'private 10/8'],
    ['172.16.0.1', 'private 172.16/12'],
    ['172.31.255.255', 'private, end of 172.16/12'],
    ['192.168.1.1', 'private 192.168/16'],
    ['169.254.169.254', 'link-local: the cloud metadata service'],
    ['169.254.0.1', 'link-local'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.127.255.255', 'carrier-grade NAT, end of 100.64/10'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast (SSDP)'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved 240/4'],
    ['198.18.0.1', 'benchmarking 198.18/15'],
    ['198.19.255.255', 'benchmarking, end of 198.18/15'],
    ['192.0.2.1', 'documentation TEST-NET-1'],
    ['198.51.100.1', 'documentation TEST-NET-2'],
    ['203.0.113.1', 'documentation TEST-NET-3'],
    ['192.0.0.8', 'IETF protocol assignments'],
    ['::', 'IPv6 unspecified'],
    ['::1', 'IPv6 loopback'],
    ['fe80::1', 'IPv6 link-local'],
    ['febf:ffff::1', 'IPv6 link-local, end of fe80::/10'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456:789a::1', 'unique-local'],
    ['fd00:ec2::254', 'AWS metadata over IPv6'],
    ['fec0::1', 'deprecated site-local'],
    ['ff02::1', 'IPv6 multicast'],
    ['2001:db8::1', 'IPv6 documentation'],
    ['3fff::1', 'IPv6 documentation 3fff::/20'],
    ['2001:2::1', 'IPv6 benchmarking'],
    ['2001::1', 'Teredo'],
    ['100::1', 'discard-only'],
    ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
    ['::ffff:7f00:1', 'IPv4-mapped loopback in hex'],
    ['::ffff:10.0.0.1', 'IPv4-mapped private'],
    ['::ffff:169.254.169.254', 'IPv4-mapped metadata'],
    ['::127.0.0.1', 'IPv4-compatible loopback'],
    ['::8.8.8.8', 'IPv4-compatible, deprecated whatever it carries'],
    ['::ffff:0:7f00:1', 'IPv4-translated (RFC 6145)'],
    ['64:ff9b::7f00:1', 'NAT64 of loopback'],
    ['64:ff9b::a9fe:a9fe', 'NAT64 of the metadata service'],
    ['64:ff9b:1::808:808', 'local-use NAT64 (RFC 8215)'],
    ['2002:7f00:1::', '6to4 of loopback'],
    ['2002:a00:1::1', '6to4 of 10.0.0.1'],
    ['4000::1', 'outside 2000::/3 (unallocated)'],
    ['fe80::1%eth0', 'link-local with a zone'],
    ['localhost', 'a name, not an address'],
    ['0x7f.1', 'a shorthand that only a URL parser normalizes'],
    ['2130706433', 'a bare number'],
    ['', 'nothing'],
    ['[::1]', 'a bracketed IPv6 loopback'],
  ])('%s is not public (%s)', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });
});

describe('checkEndpointUrl', () => {
  const longUrl = (length: number) => {
    const prefix = 'https://example.com/';
    return prefix + 'a'.repeat(length - prefix.length);
  };

  it.each([
    ['https://example.com/hooks', false],
    ['https://example.com:8443/hooks?code=abc', false],
    ['https://hooks.example.com/api/updates', false],
    ['https://8.8.8.8/hook', false],
    ['https://[2606:4700:4700::1111]/hook', false],
    ['https://localhost/hook', false],
    ['https://internal.example/hook', false],
    [longUrl(MAX_ENDPOINT_URL_LENGTH), false],
    ['https://example.com/hooks', true],
    ['http://example.com/hooks', true],
    ['http://127.0.0.1:8080/hook', true],
    ['https://10.0.0.1/hook', true],
    ['https://169.254.169.254/latest', true],
    ['http://[::1]:3000/', true],
    ['http://localhost:3000/', true],
  ])('accepts %s (allowPrivate %s)', (url, allowPrivate) => {
    const checked = checkEndpointUrl(url, { allowPrivate });
    expect(checked).toEqual({ ok: true, url: new URL(url) });
  });

  it.each([
    ['http://example.com/hooks', false, 'protocolData must be an https URL'],
    ['ftp://example.com/hooks', false, 'protocolData must be an https URL'],
    ['ftp://example.com/hooks', true, 'protocolData must be an http or https URL'],
    ['javascript:alert(1)', true, 'protocolData must be an http or https URL'],
    ['file:///etc/passwd', true, 'protocolData must be an http or https URL'],
    ['example.com/hooks', false, 'protocolData must be an https URL'],
    ['https://', false, 'protocolData must be an https URL'],
    ['', false, 'protocolData must be an https URL'],
    ['https://exa mple.com/', false, 'protocolData must be an https URL'],
    [
      'https://user:secret@example.com/',
      false,
      'protocolData must not carry a user name or password',
    ],
    ['https://user@example.com/', true, 'protocolData must not carry a user name or password'],
    ['https://:secret@example.com/', true, 'protocolData must not carry a user name or password'],
    [
      longUrl(MAX_ENDPOINT_URL_LENGTH + 1),
      true,
      'protocolData must be at most 2048 characters long',
    ],
    ['https://10.0.0.1/', false, 'the address 10.0.0.1 is private'],
    ['https://127.0.0.1/', false, 'the address 127.0.0.1 is loopback'],
    ['https://127.1/', false, 'the address 127.0.0.1 is loopback'],
    ['https://0x7f.1/', false, 'the address 127.0.0.1 is loopback'],
    ['https://2130706433/', false, 'the address 127.0.0.1 is loopback'],
    ['https://0.0.0.0/', false, 'the address 0.0.0.0 is unspecified'],
    ['https://169.254.169.254/latest', false, 'the address 169.254.169.254 is link-local'],
    ['https://100.64.0.1/', false, 'the address 100.64.0.1 is in the carrier-grade NAT range'],
    ['https://224.0.0.1/', false, 'the address 224.0.0.1 is multicast'],
    ['https://255.255.255.255/', false, 'the address 255.255.255.255 is the broadcast address'],
    ['https://192.0.2.10/', false, 'the address 192.0.2.10 is reserved'],
    ['https://[::1]/', false, 'the address ::1 is loopback'],
    ['https://[fe80::1]/', false, 'the address fe80::1 is link-local'],
    ['https://[fd00:ec2::254]/', false, 'the address fd00:ec2::254 is unique-local (private)'],
    [
      'https://[::ffff:127.0.0.1]/',
      false,
      'the address ::ffff:7f00:1 is loopback (it stands for 127.0.0.1)',
    ],
    [
      'https://[64:ff9b::a00:1]/',
      false,
      'the address 64:ff9b::a00:1 is private (it stands for 10.0.0.1)',
    ],
    ['https://[2001:db8::1]/', false, 'the address 2001:db8::1 is reserved'],
    ['https://[2001::1]/', false, 'the address 2001::1 is not a public unicast address'],
  ])('refuses %s (allowPrivate %s): %s', (url, allowPrivate, reason) => {
    expect(checkEndpointUrl(url, { allowPrivate })).toEqual({ ok: false, reason });
  });
});
