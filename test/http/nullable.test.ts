import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import fastJson from 'fast-json-stringify';
import { Type, type TSchema } from 'typebox';
import { describe, expect, it } from 'vitest';
import { Enum, IntegerEnum, Nullable, refTo } from '../../src/http/schemas.js';

const Session = Type.Object({ energy: Type.Number() }, { required: ['energy'] });

// Nullable(schema) → the JSON schema it is, and values it accepts and refuses.
const TABLE: {
  name: string;
  schema: TSchema;
  expected: object;
  accepts: unknown[];
  refuses: unknown[];
}[] = [
  {
    name: 'a string',
    schema: Nullable(Type.String()),
    expected: { type: ['string', 'null'] },
    accepts: ['x', null],
    refuses: [1, {}],
  },
  {
    name: 'a number with its description, and one given',
    schema: Nullable(Type.Number({ description: 'A' }), 'amperes'),
    expected: { type: ['number', 'null'], description: 'amperes' },
    accepts: [1.5, null],
    refuses: ['1.5'],
  },
  {
    name: 'a string enum: null among its values',
    schema: Nullable(Enum(['wifi', 'ethernet'])),
    expected: { type: ['string', 'null'], enum: ['wifi', 'ethernet', null] },
    accepts: ['wifi', null],
    refuses: ['4g', ''],
  },
  {
    name: 'an integer enum',
    schema: Nullable(IntegerEnum([0, 400])),
    expected: { type: ['integer', 'null'], enum: [0, 400, null] },
    accepts: [400, null],
    refuses: [1, '0'],
  },
  {
    name: 'a date-time: the format applies to strings only',
    schema: Nullable(Type.String({ format: 'date-time' })),
    expected: { type: ['string', 'null'], format: 'date-time' },
    accepts: ['2026-12-04T10:00:00Z', null],
    refuses: ['yesterday'],
  },
  {
    name: 'an object: its properties and required apply when it is one',
    schema: Nullable(Session),
    expected: { type: ['object', 'null'], required: ['energy'] },
    accepts: [{ energy: 1 }, null],
    refuses: [{}, 'x'],
  },
  {
    name: 'a reference: left as anyOf (its type is not known here)',
    schema: Nullable(refTo('Other')),
    expected: { anyOf: [{ $ref: 'Other' }, { type: 'null' }] },
    accepts: [],
    refuses: [],
  },
];

describe('Nullable', () => {
  const ajv = new Ajv({ strict: false });
  addFormats.default(ajv);

  it.each(TABLE)('$name', ({ schema, expected, accepts, refuses }) => {
    expect(JSON.parse(JSON.stringify(schema))).toMatchObject(expected);
    if (accepts.length === 0 && refuses.length === 0) return;
    const validate = ajv.compile(JSON.parse(JSON.stringify(schema)) as object);
    for (const value of accepts) expect(validate(value), JSON.stringify(value)).toBe(true);
    for (const value of refuses) expect(validate(value), JSON.stringify(value)).toBe(false);
    // The response serializer writes the accepted values as JSON.stringify does.
    const stringify = fastJson({
      type: 'object',
      properties: { field: JSON.parse(JSON.stringify(schema)) as object },
    });
    for (const value of accepts)
      expect(stringify({ field: value })).toBe(JSON.stringify({ field: value }));
  });
});
