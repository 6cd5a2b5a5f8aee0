import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { ERRORS, problemOf, type ErrorCode } from '../src/errors.js';

const table = fs.readFileSync(path.resolve(import.meta.dirname, '../docs/errors.md'), 'utf8');

it.each(Object.entries(ERRORS))('docs/errors.md lists %s with its status', (code, { status }) => {
  expect(table).toMatch(new RegExp(`\\| \`${code}\`\\s+\\| ${status}\\s+\\|`));
});

it('builds RFC 9457 bodies with the stable code', () => {
  expect(
    problemOf('CAR_PLUGGED' satisfies ErrorCode, 'Unplug first.', { instance: '/v1/x' }),
  ).toEqual({
    type: 'urn:witty-home:problem:CAR_PLUGGED',
    title: 'A car is plugged in',
    status: 409,
    detail: 'Unplug first.',
    code: 'CAR_PLUGGED',
    instance: '/v1/x',
  });
});
