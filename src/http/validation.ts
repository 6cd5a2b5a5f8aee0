import { Ajv, type Options } from 'ajv';
import addFormats from 'ajv-formats';
import type {
  FastifyInstance,
  FastifyRequest,
  FastifySchemaCompiler,
  FastifyServerOptions,
} from 'fastify';
import { ApiError, type FieldError } from '../errors.js';

const COMMON: Options = {
  allErrors: true, // every invalid field is reported at once
  removeAdditional: false, // unknown properties are an error, never silently dropped
  useDefaults: true,
  strict: false, // OpenAPI keywords such as `examples` live in the schemas
};

// Ajv's coercion reads "0x10", "1e1", "+1", " 1" or "1.0" as numbers (JavaScript's Number());
// an integer written in a path or a query string must be plain decimal digits.
const DECIMAL_INTEGER = /^-?[0-9]{1,16}$/;

interface ValidatorFunction {
  (data: unknown, context?: unknown): boolean;
  errors?: unknown;
  schemaEnv?: unknown;
}

/** Names of the properties of an object schema whose type is integer. */
function integerProperties(schema: unknown): string[] {
  const properties = (schema as { properties?: Record<string, { type?: unknown }> }).properties;
  return Object.entries(properties ?? {})
    .filter(([, property]) => property.type === 'integer')
    .map(([name]) => name);
}

/** Wraps a coercing validator so that integers must be written in decimal digits. */
function decimalIntegersOnly(validate: ValidatorFunction, schema: unknown): ValidatorFunction {
  const names = integerProperties(schema);
  if (names.length === 0) return validate;
  const wrapped: ValidatorFunction = (data, context) => {
    const values = (data ?? {}) as Record<string, unknown>;
    const errors = names
      .filter((name) => {
        const value = values[name];
        const texts = Array.isArray(value) ? value : [value];
        return texts.some((text) => typeof text === 'string' && !DECIMAL_INTEGER.test(text));
      })
      .map((name) => ({
        instancePath: `/${name}`,
        keyword: 'type',
        params: { type: 'integer' },
        message: 'must be an integer written in decimal digits',
      }));
    if (errors.length > 0) {
      wrapped.errors = errors;
      return false;
    }
    const valid = validate(data, context);
    wrapped.errors = validate.errors;
    return valid;
  };
  // Fastify passes the parent object to Ajv validators (they carry schemaEnv).
  wrapped.schemaEnv = validate.schemaEnv;
  return wrapped;
}

function buildValidator(externalSchemas: unknown): FastifySchemaCompiler<object> {
  const strictAjv = new Ajv({ ...COMMON, coerceTypes: false });
  const coercingAjv = new Ajv({ ...COMMON, coerceTypes: 'array' });
  for (const ajv of [strictAjv, coercingAjv]) {
    addFormats.default(ajv);
    for (const schema of Object.values(externalSchemas as Record<string, object>)) {
      ajv.addSchema(schema);
    }
  }
  return ({ schema, httpPart }) =>
    httpPart === 'body'
      ? strictAjv.compile(schema)
      : (decimalIntegersOnly(
          coercingAjv.compile(schema) as ValidatorFunction,
          schema,
        ) as ReturnType<FastifySchemaCompiler<object>>);
}

/**
 * Validators for route schemas: path, query and headers are strings on the wire and are
 * coerced to the schema's types (integers from decimal digits only); JSON bodies are
 * validated as sent (42 is not "42").
 */
export const schemaController = {
  compilersFactory: { buildValidator },
} as unknown as NonNullable<FastifyServerOptions['schemaController']>;

/** Dotted paths of the strings (keys included) of a value that contain a NUL character. */
function nulPaths(value: unknown, path: string[], found: string[]): string[] {
  if (found.length >= 10) return found;
  if (typeof value === 'string') {
    if (value.includes('\u0000')) found.push(path.join('.'));
  } else if (Array.isArray(value)) {
    value.forEach((item, index) => nulPaths(item, [...path, String(index)], found));
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (key.includes('\u0000')) found.push([...path, key].join('.'));
      else nulPaths(item, [...path, key], found);
    }
  }
  return found;
}

/**
 * Refuses a NUL character in any text of a request (path, query, body), with or without a
 * route schema: PostgreSQL cannot store it in text, and no field of the platform needs it.
 */
export function registerNulCheck(app: FastifyInstance): void {
  app.addHook('preValidation', async (request: FastifyRequest) => {
    const errors: FieldError[] = [];
    for (const [part, value] of [
      ['params', request.params],
      ['querystring', request.query],
      ['body', request.body],
    ] as const) {
      for (const field of nulPaths(value, [], [])) {
        errors.push({
          field: field || part,
          in: part,
          message: 'must not contain the NUL character (\\u0000)',
        });
      }
    }
    if (errors.length > 0) {
      throw new ApiError(
        'VALIDATION_FAILED',
        errors.map((error) => `${error.field} ${error.message}`).join('; '),
        { errors },
      );
    }
  });
}
