import { describe, expect, it } from 'vitest';
import {
  CALL_ERROR_CODES,
  callErrorFrame,
  ocpp16ErrorCode,
  readFrame,
  schemaErrorCode,
} from '../../src/gateway/ocpp-frames.js';

describe('ocpp16ErrorCode: what ocpp-rpc produces, as OCPP-J 1.6 §4.2.3 names it', () => {
  it.each<[string | undefined, string]>([
    ['FormatViolation', 'FormationViolation'],
    ['OccurrenceConstraintViolation', 'OccurenceConstraintViolation'],
    ['MessageTypeNotSupported', 'FormationViolation'],
    ['RpcFrameworkError', 'GenericError'],
    ['SomethingElse', 'GenericError'],
    [undefined, 'GenericError'],
    ...CALL_ERROR_CODES.map((code): [string, string] => [code, code]),
  ])('%s → %s', (code, expected) => {
    expect(ocpp16ErrorCode(code)).toBe(expected);
  });
});

describe('schemaErrorCode', () => {
  it.each([
    ['type', 'TypeConstraintViolation'],
    ['required', 'OccurenceConstraintViolation'],
    ['maxItems', 'OccurenceConstraintViolation'],
    ['enum', 'PropertyConstraintViolation'],
    ['maxLength', 'PropertyConstraintViolation'],
    ['format', 'PropertyConstraintViolation'],
    ['additionalProperties', 'FormationViolation'],
  ])('%s → %s', (keyword, expected) => {
    expect(schemaErrorCode(keyword)).toBe(expected);
  });
});

describe('readFrame', () => {
  it.each([
    ['[2,"a","Heartbeat",{}]', { kind: 'call', id: 'a', action: 'Heartbeat' }],
    ['[3,"a",{}]', { kind: 'callResult', id: 'a' }],
    [
      '[4,"a","NotSupported","no",{}]',
      { kind: 'callError', id: 'a', errorCode: 'NotSupported', errorDescription: 'no' },
    ],
    ['[3,"a"]', { kind: 'invalid', id: 'a', answer: false, code: 'FormationViolation' }],
    ['[4,"a","X"]', { kind: 'invalid', id: 'a', answer: false, code: 'FormationViolation' }],
    [
      '[2,7,"Heartbeat",{}]',
      { kind: 'invalid', id: '7', answer: true, code: 'FormationViolation' },
    ],
    ['[2,null,"Heartbeat",{}]', { kind: 'invalid', id: '-1', answer: true }],
    ['[2,"a","Heartbeat",{},1]', { kind: 'invalid', id: 'a', answer: true }],
    ['"text"', { kind: 'invalid', id: '-1', answer: true }],
  ])('%s', (text, expected) => {
    expect(readFrame(text)).toMatchObject(expected);
  });

  it('bounds the description of a CALLERROR and never carries details', () => {
    const frame = JSON.parse(callErrorFrame('a', 'GenericError', 'x'.repeat(1000))) as unknown[];
    expect(frame).toEqual([4, 'a', 'GenericError', 'x'.repeat(255), {}]);
  });
});
