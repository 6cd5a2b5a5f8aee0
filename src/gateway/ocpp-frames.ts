/**
 * OCPP-J 1.6 framing (OCPP-J 1.6 §4): reading a frame's envelope before ocpp-rpc sees it, and the
 * CALLERROR codes of OCPP-J 1.6 §4.2.3. ocpp-rpc is written for OCPP-J 2.0.1 and answers
 * envelope errors with 2.0.1 codes (RpcFrameworkError, MessageTypeNotSupported) and the id "-1";
 * the gateway reads the envelope itself and maps the codes ocpp-rpc produces.
 */

/** The CALLERROR codes of OCPP-J 1.6 §4.2.3, Table 7, spelled as 1.6 spells them. */
export const CALL_ERROR_CODES = [
  'NotImplemented',
  'NotSupported',
  'InternalError',
  'ProtocolError',
  'SecurityError',
  'FormationViolation',
  'PropertyConstraintViolation',
  'OccurenceConstraintViolation',
  'TypeConstraintViolation',
  'GenericError',
] as const;

export type CallErrorCode = (typeof CALL_ERROR_CODES)[number];

const VALID_CODES = new Set<string>(CALL_ERROR_CODES);

/** ocpp-rpc's 2.0.1 codes and spellings, as OCPP-J 1.6 names the same fault. */
const FROM_OCPP_RPC: Record<string, CallErrorCode> = {
  FormatViolation: 'FormationViolation',
  // The 1.6 errata keeps the misspelling (errata v1.0 §5, "won't be fixed").
  OccurrenceConstraintViolation: 'OccurenceConstraintViolation',
  MessageTypeNotSupported: 'FormationViolation',
  // What still reaches ocpp-rpc as RpcFrameworkError is a CALL reusing the id of one in progress.
  RpcFrameworkError: 'GenericError',
};

/** The OCPP-J 1.6 code for a code ocpp-rpc produced; GenericError for anything unknown. */
export function ocpp16ErrorCode(code: unknown): CallErrorCode {
  if (typeof code !== 'string') return 'GenericError';
  if (VALID_CODES.has(code)) return code as CallErrorCode;
  return FROM_OCPP_RPC[code] ?? 'GenericError';
}

/** A CALL refused by a handler with an OCPP-J 1.6 error code (ocpp-rpc reads rpcErrorCode). */
export class OcppCallError extends Error {
  readonly details = {};
  constructor(
    readonly rpcErrorCode: CallErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'OcppCallError';
  }
}

/** Longest errorDescription the gateway sends (CiString255-like; never the offending payload). */
export const MAX_ERROR_DESCRIPTION = 255;

/** A CALLERROR frame (OCPP-J 1.6 §4.2.3): bounded description, empty details. */
export function callErrorFrame(id: string, code: CallErrorCode, description: string): string {
  return JSON.stringify([4, id, code, description.slice(0, MAX_ERROR_DESCRIPTION), {}]);
}

/** What a text frame from a station holds, read without trusting it. */
export type InboundFrame =
  | { kind: 'call'; id: string; action: string }
  | { kind: 'callResult'; id: string }
  | { kind: 'callError'; id: string; errorCode: string; errorDescription: string }
  | {
      kind: 'invalid';
      /** The id to answer with: the frame's own when it could be read, else "-1". */
      id: string;
      /** Whether a CALLERROR may answer it (never a CALLRESULT or a CALLERROR, OCPP-J 1.6 §4.2.3). */
      answer: boolean;
      code: CallErrorCode;
      reason: string;
    };

const CALL = 2;
const CALL_RESULT = 3;
const CALL_ERROR = 4;

/** Reads the envelope of an OCPP-J frame (§4.1.3, §4.2.1–§4.2.3). */
export function readFrame(text: string): InboundFrame {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return invalid('-1', true, 'the frame is not JSON');
  }
  if (!Array.isArray(value) || value.length === 0)
    return invalid('-1', true, 'the frame must be a JSON array [MessageTypeId, UniqueId, …]');
  const [type, rawId] = value as unknown[];
  // An id sent as a number can still be read, and the sender matches the answer by it.
  const readableId =
    typeof rawId === 'string' || (typeof rawId === 'number' && Number.isFinite(rawId));
  const id = readableId ? String(rawId) : '-1';
  const mayAnswer = type !== CALL_RESULT && type !== CALL_ERROR;
  if (typeof type !== 'number' || ![CALL, CALL_RESULT, CALL_ERROR].includes(type))
    return invalid(id, true, 'MessageTypeId must be 2 (CALL), 3 (CALLRESULT) or 4 (CALLERROR)');
  if (typeof rawId !== 'string' || rawId.length === 0 || rawId.length > 36)
    return invalid(id, mayAnswer, 'UniqueId must be a string of at most 36 characters');
  const isObject = (item: unknown) =>
    typeof item === 'object' && item !== null && !Array.isArray(item);
  switch (type) {
    case CALL: {
      const [, , action, payload] = value as unknown[];
      if (value.length !== 4 || typeof action !== 'string' || action === '' || !isObject(payload))
        return invalid(id, true, 'a CALL is [2, UniqueId, Action, {payload}]');
      return { kind: 'call', id: rawId, action };
    }
    case CALL_RESULT: {
      if (value.length !== 3 || !isObject(value[2]))
        return invalid(id, false, 'a CALLRESULT is [3, UniqueId, {payload}]');
      return { kind: 'callResult', id: rawId };
    }
    default: {
      const [, , errorCode, errorDescription] = value as unknown[];
      if (value.length !== 5 || typeof errorCode !== 'string')
        return invalid(id, false, 'a CALLERROR is [4, UniqueId, errorCode, description, {}]');
      return {
        kind: 'callError',
        id: rawId,
        errorCode,
        errorDescription:
          typeof errorDescription === 'string'
            ? errorDescription.slice(0, MAX_ERROR_DESCRIPTION)
            : '',
      };
    }
  }
}

function invalid(id: string, answer: boolean, reason: string): InboundFrame {
  return { kind: 'invalid', id, answer, code: 'FormationViolation', reason };
}

/**
 * The OCPP-J 1.6 code of a JSON-schema failure (ajv keyword), by §4.2.3's definitions: a field
 * of the wrong type, a field missing or repeated, a value outside what the field allows, or a
 * payload that does not have the message's structure.
 */
export function schemaErrorCode(keyword: string | undefined): CallErrorCode {
  switch (keyword) {
    case 'type':
      return 'TypeConstraintViolation';
    case 'required':
    case 'minItems':
    case 'maxItems':
      return 'OccurenceConstraintViolation';
    case 'enum':
    case 'const':
    case 'pattern':
    case 'format':
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
    case 'multipleOf':
    case 'minLength':
    case 'maxLength':
      return 'PropertyConstraintViolation';
    default:
      return 'FormationViolation';
  }
}
