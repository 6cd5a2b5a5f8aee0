/**
 * Every error the API can return: a stable code, its HTTP status and a title.
 * The body is RFC 9457 application/problem+json; docs/errors.md lists the same table.
 */
export const ERRORS = {
  VALIDATION_FAILED: { status: 400, title: 'The request is not valid' },
  MALFORMED_REQUEST: { status: 400, title: 'The request body cannot be read' },
  SUBSCRIPTION_KEY_MISSING: { status: 401, title: 'Subscription key missing' },
  SUBSCRIPTION_KEY_INVALID: { status: 401, title: 'Subscription key invalid' },
  ACCESS_TOKEN_MISSING: { status: 401, title: 'Access token missing' },
  ACCESS_TOKEN_INVALID: { status: 401, title: 'Access token invalid' },
  SUBSCRIPTION_NOT_ACTIVE: { status: 403, title: 'Subscription not active' },
  ACCOUNT_DISABLED: { status: 403, title: 'Account disabled' },
  ROLE_NOT_ALLOWED: { status: 403, title: 'Not allowed for this account role' },
  INSTALLATION_ACCESS_DENIED: { status: 403, title: 'Installation access denied' },
  NOT_FOUND: { status: 404, title: 'Not found' },
  INSTALLATION_NOT_FOUND: { status: 404, title: 'Installation not found' },
  STATION_NOT_FOUND: { status: 404, title: 'Charging station not found' },
  DEVICE_NOT_FOUND: { status: 404, title: 'Device not found' },
  COMMAND_NOT_FOUND: { status: 404, title: 'Command not found' },
  GRID_METER_NOT_FOUND: { status: 404, title: 'Grid meter not found' },
  MEASURE_NOT_FOUND: { status: 404, title: 'Measure not found' },
  LOG_NOT_FOUND: { status: 404, title: 'Log not found' },
  TARIFF_NOT_FOUND: { status: 404, title: 'Tariff not found' },
  TIC_CONSENT_REQUIRED: { status: 403, title: 'TIC consent required' },
  SUBSCRIPTION_NOT_DETECTED: { status: 409, title: 'Grid subscription not detected yet' },
  DEVICE_ALREADY_ASSOCIATED: { status: 409, title: 'Device already associated' },
  INSTALLATION_HAS_STATION: { status: 409, title: 'Installation already has a charging station' },
  STATION_OFFLINE: { status: 409, title: 'Charging station offline' },
  CAR_PLUGGED: { status: 409, title: 'A car is plugged in' },
  CAR_NOT_PLUGGED: { status: 409, title: 'No car plugged in' },
  CHARGE_MODE_IMMEDIATE: { status: 409, title: 'Charge mode is immediate' },
  SESSION_ALREADY_ACTIVE: { status: 409, title: 'A charging session is already running' },
  NO_ACTIVE_SESSION: { status: 409, title: 'No charging session running' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported media type' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'Payload too large' },
  RATE_LIMITED: { status: 429, title: 'Too many requests' },
  INTERNAL_ERROR: { status: 500, title: 'Internal error' },
  URI_TOO_LONG: { status: 414, title: 'URI too long' },
  HEADERS_TOO_LARGE: { status: 431, title: 'Request header fields too large' },
  REQUEST_TIMEOUT: { status: 408, title: 'Request timeout' },
  ASSOCIATION_RATE_LIMITED: { status: 429, title: 'Too many association attempts' },
  EVENT_SUBSCRIPTION_NOT_FOUND: { status: 404, title: 'Event subscription not found' },
  DELIVERY_NOT_FOUND: { status: 404, title: 'Delivery not found' },
  WEBHOOK_ENDPOINT_REFUSED: { status: 400, title: 'Webhook endpoint refused' },
  EVENT_SUBSCRIPTION_LIMIT: { status: 409, title: 'Too many event subscriptions' },
  EVENT_SUBSCRIPTION_NOT_ACTIVE: { status: 409, title: 'Event subscription not active' },
  VALIDATION_LINK_EXPIRED: { status: 410, title: 'Validation link expired' },
  INSTALLER_ACCOUNT_REQUIRED: {
    status: 403,
    title: 'This route only works with an installer account',
  },
  INVITATION_NOT_FOUND: { status: 404, title: 'Invitation not found' },
  INVITATION_EXPIRED: { status: 410, title: 'Invitation expired' },
  INVITATION_USED: { status: 410, title: 'Invitation already accepted' },
  INVITATION_CANCELLED: { status: 410, title: 'Invitation cancelled' },
  ALREADY_A_USER: { status: 409, title: 'Already a user of the installation' },
  INSTALLER_DISABLED: { status: 409, title: 'Installer access disabled by the owner' },
  USER_NOT_FOUND: { status: 404, title: 'User not found' },
  OWNER_ACCESS_FIXED: { status: 409, title: "The owner's access cannot be disabled or removed" },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof ERRORS;

/** One invalid field of a request. */
export interface FieldError {
  field: string;
  /** Where the field is: body, params or querystring. */
  in?: string;
  message: string;
}

/** An error meant for the client: carries its code, a detail and optional extra members. */
export class ApiError extends Error {
  readonly status: number;
  /** Same as status, for libraries that read `statusCode` from thrown errors. */
  readonly statusCode: number;
  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    readonly extra: { errors?: FieldError[]; headers?: Record<string, string> } = {},
  ) {
    super(detail);
    this.name = 'ApiError';
    this.status = ERRORS[code].status;
    this.statusCode = this.status;
  }
}

/** RFC 9457 problem details body. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  instance?: string;
  errors?: FieldError[];
}

/** Builds the problem+json body for an error code. */
export function problemOf(
  code: ErrorCode,
  detail: string,
  options: { instance?: string; errors?: FieldError[] } = {},
): ProblemDetails {
  const { status, title } = ERRORS[code];
  return {
    type: `urn:witty-home:problem:${code}`,
    title,
    status,
    detail,
    code,
    ...(options.instance === undefined ? {} : { instance: options.instance }),
    ...(options.errors === undefined ? {} : { errors: options.errors }),
  };
}
