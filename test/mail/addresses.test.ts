import { describe, expect, it } from 'vitest';
import { isMailAddress, smtpOptionsOf } from '../../src/mail/index.js';

describe('the SMTP URL', () => {
  it.each([
    [
      'smtp://witty:p%40ss%20word@mail.example.org:2525',
      {
        host: 'mail.example.org',
        port: 2525,
        secure: false,
        auth: { user: 'witty', pass: 'p@ss word' },
      },
    ],
    ['smtp://mail.example.org', { host: 'mail.example.org', port: 587, secure: false }],
    ['smtps://u:p@[::1]', { host: '::1', port: 465, secure: true, auth: { user: 'u', pass: 'p' } }],
  ])('%s', (url, expected) => {
    expect(smtpOptionsOf(url)).toEqual(expected);
  });

  it('refuses another scheme', () => {
    expect(() => smtpOptionsOf('http://mail.example.org')).toThrow(/smtp/);
  });
});

describe('mail addresses', () => {
  it.each([
    ['owner@example.com', true],
    ['Installer.Name+tag@sub.example.fr', true],
    ['no-at-sign', false],
    ['two@@example.com', false],
    ['a@b.c, d@e.f', false],
    ['x@example.com\r\nBcc: y@example.com', false],
    ['Name <x@example.com>', false],
  ])('%s can be queued: %s', (address, expected) => {
    expect(isMailAddress(address)).toBe(expected);
  });
});
