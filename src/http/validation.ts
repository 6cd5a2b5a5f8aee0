import { Ajv, type Options } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler, FastifyServerOptions } from 'fastify';

const COMMON: Options = {
  allErrors: true, // every invalid field is reported at once
  removeAdditional: false, // unknown properties are an error, never silently dropped
  useDefaults: true,
  strict: false, // OpenAPI keywords such as `examples` live in the schemas
};

function buildValidator(externalSchemas: unknown): FastifySchemaCompiler<object> {
  const strictAjv = new Ajv({ ...COMMON, coerceTypes: false });
  const coercingAjv = new Ajv({ ...COMMON, coerceTypes: 'array' });
  for (const ajv of [strictAjv, coercingAjv]) {
    addFormats.default(ajv);
    for (const schema of Object.values(externalSchemas as Record<string, object>)) {
      ajv.addSchema(schema);
    }
  }
  return ({ schema, httpPart }) => (httpPart === 'body' ? strictAjv : coercingAjv).compile(schema);
}

/**
 * Validators for route schemas: path, query and headers are strings on the wire and are
 * coerced to the schema's types; JSON bodies are validated as sent (42 is not "42").
 */
export const schemaController = {
  compilersFactory: { buildValidator },
} as unknown as NonNullable<FastifyServerOptions['schemaController']>;
