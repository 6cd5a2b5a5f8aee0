import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { ApiError, problemOf, type ErrorCode, type FieldError } from '../errors.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** The problem+json body, for response schemas and the OpenAPI document. */
export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String({ description: 'Stable error code, see docs/errors.md' }),
    instance: Type.Optional(Type.String()),
    errors: Type.Optional(
      Type.Array(
        Type.Object({
          field: Type.String(),
          in: Type.Optional(Type.String()),
          message: Type.String(),
        }),
      ),
    ),
  },
  { $id: 'Problem', description: 'RFC 9457 problem details' },
);

/** Sends an error as problem+json, with its extra headers. */
export function sendProblem(
  reply: FastifyReply,
  request: FastifyRequest,
  code: ErrorCode,
  detail: string,
  options: { errors?: FieldError[]; headers?: Record<string, string> } = {},
): FastifyReply {
  const body = problemOf(code, detail, { instance: request.url.split('?')[0], ...options });
  for (const [name, value] of Object.entries(options.headers ?? {})) reply.header(name, value);
  return reply.status(body.status).type(PROBLEM_CONTENT_TYPE).send(body);
}

interface AjvError {
  instancePath: string;
  schemaPath?: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/**
 * `anyOf` of `required` branches ("uid or qrCode"): one error naming the alternatives instead of
 * one `required` error per branch and an opaque "must match a schema in anyOf".
 */
function collapseRequiredAlternatives(validation: AjvError[]): AjvError[] {
  const alternatives = new Map<string, string[]>(); // anyOf schemaPath → missing properties
  const branchOf = (error: AjvError) => /^(.*\/anyOf)\/\d+\/required$/.exec(error.schemaPath ?? '');
  for (const error of validation) {
    const branch = branchOf(error);
    if (branch?.[1] !== undefined) {
      const missing = alternatives.get(branch[1]) ?? [];
      alternatives.set(branch[1], [...missing, String(error.params.missingProperty)]);
    }
  }
  if (alternatives.size === 0) return validation;
  return validation.flatMap((error) => {
    if (branchOf(error)) return [];
    const missing =
      error.keyword === 'anyOf' ? alternatives.get(error.schemaPath ?? '') : undefined;
    return missing
      ? [{ ...error, message: `must have ${missing.join(' or ')} (at least one)` }]
      : [error];
  });
}

/** One entry per invalid field, with a dotted path such as `locationGpsCoordinates.latitude`. */
export function fieldErrors(validation: AjvError[], context: string | undefined): FieldError[] {
  return collapseRequiredAlternatives(validation).map((error) => {
    const segments = error.instancePath.split('/').filter(Boolean);
    let message = error.message ?? 'is invalid';
    if (error.keyword === 'required') {
      segments.push(String(error.params.missingProperty));
      message = 'is required';
    } else if (error.keyword === 'additionalProperties') {
      segments.push(String(error.params.additionalProperty));
      message = 'is not an accepted property';
    } else if (error.keyword === 'minProperties' && error.params.limit === 1) {
      message = 'must not be empty: give at least one property';
    } else if (error.keyword === 'enum' && Array.isArray(error.params.allowedValues)) {
      message = `must be one of ${error.params.allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
    }
    return {
      field: segments.join('.') || (context ?? 'body'),
      ...(context ? { in: context } : {}),
      message,
    };
  });
}

const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'MALFORMED_REQUEST',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'MALFORMED_REQUEST',
};

/** One error handler and one not-found handler for the whole server. */
export function registerProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof ApiError) {
      return sendProblem(reply, request, error.code, error.detail, error.extra);
    }
    if (error.validation) {
      const errors = fieldErrors(error.validation, error.validationContext);
      const detail = errors.map((e) => `${e.field} ${e.message}`).join('; ');
      return sendProblem(reply, request, 'VALIDATION_FAILED', detail, { errors });
    }
    const mapped = error.code ? FASTIFY_CODES[error.code] : undefined;
    if (mapped) return sendProblem(reply, request, mapped, error.message);
    const status = error.statusCode ?? 500;
    if (status === 429) return sendProblem(reply, request, 'RATE_LIMITED', error.message);
    if (status >= 400 && status < 500) {
      const code: ErrorCode = status === 404 ? 'NOT_FOUND' : 'MALFORMED_REQUEST';
      return sendProblem(reply, request, code, error.message);
    }
    request.log.error({ err: error }, 'request failed');
    return sendProblem(
      reply,
      request,
      'INTERNAL_ERROR',
      'An unexpected error occurred; it has been logged.',
    );
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      reply,
      request,
      'NOT_FOUND',
      `No route ${request.method} ${request.url.split('?')[0]}`,
    ),
  );
}

/**
 * Errors Fastify answers before any route or hook runs (Fastify's frameworkErrors option): a
 * path parameter over maxParamLength (414) or a path that cannot be decoded (400).
 */
export function frameworkErrorProblem(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  reply.header('x-request-id', request.id);
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    void sendProblem(reply, request, 'URI_TOO_LONG', 'A path segment is over 100 characters.');
  } else {
    void sendProblem(reply, request, 'MALFORMED_REQUEST', 'The request path cannot be read.');
  }
}

const CLIENT_ERRORS: Record<string, { code: ErrorCode; detail: string }> = {
  HPE_HEADER_OVERFLOW: {
    code: 'HEADERS_TOO_LARGE',
    detail: 'The request headers are larger than the server accepts.',
  },
  ERR_HTTP_REQUEST_TIMEOUT: {
    code: 'REQUEST_TIMEOUT',
    detail: 'The request was not received in time.',
  },
};

/**
 * Node's HTTP parser refuses some requests before Fastify sees them (headers too large, request
 * timeout, unparsable request): answer them as problem+json too, then close the connection.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const known = error.code ? CLIENT_ERRORS[error.code] : undefined;
  const code: ErrorCode = known?.code ?? 'MALFORMED_REQUEST';
  const body = JSON.stringify(
    problemOf(code, known?.detail ?? 'The request cannot be parsed as HTTP/1.1.'),
  );
  const { status } = problemOf(code, '');
  const requestId = randomUUID();
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
        `Content-Type: ${PROBLEM_CONTENT_TYPE}; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        `X-Request-Id: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
