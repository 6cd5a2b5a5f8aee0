import { Type, type Static, type TSchema, type TUnsafe } from 'typebox';
import { PROBLEM_CONTENT_TYPE, ProblemSchema } from './problem.js';

/** A reference to a shared schema (registered with addSchema), typed as T for handlers. */
export function refTo<T>(id: string): TUnsafe<T> {
  return Type.Unsafe<T>(Type.Ref(id));
}

/** Response entries for the given error statuses, all application/problem+json. */
export function problemResponses(...statuses: number[]): Record<number, TSchema> {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      {
        description: 'Problem details (RFC 9457)',
        content: { [PROBLEM_CONTENT_TYPE]: { schema: refTo('Problem') } },
      },
    ]),
  );
}

/** Shared schemas, registered once on the server (each has an $id). */
export const SHARED_SCHEMAS: TSchema[] = [ProblemSchema];

/** The same schema with a description (OpenAPI shows it for the response). */
export function described<T extends TSchema>(schema: T, description: string): T {
  return { ...schema, description };
}

/** A string enum, typed as its values (JSON Schema `enum`, as OpenAPI shows it best). */
export const Enum = <const T extends readonly string[]>(values: T, description?: string) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: values, ...(description ? { description } : {}) });

/**
 * A schema or null. A schema of one JSON type becomes that type or null (`type: ['string',
 * 'null']`, null added to an `enum`): the response serializer then tells null apart with a
 * test, where `anyOf` would validate the value against each branch on every response (a
 * charging station has some twenty such fields). Other schemas are the union `anyOf`.
 */
export function Nullable<T extends TSchema>(
  schema: T,
  description?: string,
): TUnsafe<Static<T> | null> {
  const { type, enum: values } = schema as { type?: unknown; enum?: unknown };
  if (typeof type !== 'string' || 'anyOf' in schema || '$ref' in schema) {
    return Type.Unsafe<Static<T> | null>(
      Type.Union([schema, Type.Null()], description ? { description } : {}),
    );
  }
  return Type.Unsafe<Static<T> | null>({
    ...schema,
    type: [type, 'null'],
    ...(Array.isArray(values) ? { enum: [...(values as unknown[]), null] } : {}),
    ...(description ? { description } : {}),
  });
}

/** An integer enum, typed as its values (the guide's numeric codes, e.g. `error.code`). */
export const IntegerEnum = <const T extends readonly number[]>(values: T, description?: string) =>
  Type.Unsafe<T[number]>({
    type: 'integer',
    enum: values,
    ...(description ? { description } : {}),
  });
