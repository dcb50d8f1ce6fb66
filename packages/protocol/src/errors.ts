/**
 * The one error registry. The server, the SDK and docs/errors.md read this list;
 * a test keeps docs/errors.md in step with it.
 *
 * Numeric wire codes sit in reserved ranges (as in Centrifuge):
 * 4000-4099 request errors, 4100-4199 connection refusals, 4500-4599 server-side
 * failures, 3000-3099 disconnect reasons sent before the server closes a socket.
 */
export interface ErrorDefinition {
  /** Stable string code, what clients switch on. */
  readonly code: string;
  /** Stable numeric code in a reserved range. */
  readonly wire: number;
  /** HTTP status used when the error is answered over the HTTP API. */
  readonly status: number;
  /** Default human-readable message. */
  readonly message: string;
  /** Whether a client may retry the same request later. */
  readonly retryable: boolean;
}

// Calls of def() and Object.freeze() are marked pure: a bundler drops the registry when nothing uses it.
/* @__NO_SIDE_EFFECTS__ */
function def(code: string, wire: number, status: number, message: string, retryable = false): ErrorDefinition {
  return Object.freeze({ code, wire, status, message, retryable });
}

/** Every error Tickwire sends, keyed by its string code. */
export const ERRORS = /* @__PURE__ */ Object.freeze({
  BAD_REQUEST: def("BAD_REQUEST", 4000, 400, "The request is malformed."),
  UNKNOWN_EVENT: def("UNKNOWN_EVENT", 4001, 400, "This event is not part of the Tickwire protocol."),
  UNKNOWN_CHANNEL: def("UNKNOWN_CHANNEL", 4002, 400, "No namespace serves this channel."),
  PAYLOAD_TOO_LARGE: def("PAYLOAD_TOO_LARGE", 4003, 413, "The payload is larger than the configured maximum."),
  RATE_LIMITED: def("RATE_LIMITED", 4004, 429, "Too many requests; slow down.", true),
  NOT_FOUND: def("NOT_FOUND", 4005, 404, "Nothing exists at this address."),
  CONFLICT: def("CONFLICT", 4006, 409, "The request conflicts with the current state."),
  HEADERS_TOO_LARGE: def("HEADERS_TOO_LARGE", 4007, 431, "The request line and headers are larger than the server accepts."),
  BACKEND_REFUSED: def("BACKEND_REFUSED", 4008, 422, "The platform's backend answered the call with an error of its own."),
  UNAUTHORIZED: def("UNAUTHORIZED", 4100, 401, "Authentication is missing, malformed, expired or badly signed."),
  FORBIDDEN: def("FORBIDDEN", 4101, 403, "You are not allowed to do this."),
  LIMIT_EXCEEDED: def("LIMIT_EXCEEDED", 4102, 429, "A configured limit was reached."),
  UNAVAILABLE: def("UNAVAILABLE", 4500, 503, "A dependency is unavailable; try again later.", true),
  INTERNAL: def("INTERNAL", 4501, 500, "Internal error.", true),
  BAD_GATEWAY: def("BAD_GATEWAY", 4502, 502, "The platform's backend answered something that is not a valid answer.", true),
  TOKEN_EXPIRED: def("TOKEN_EXPIRED", 3000, 401, "The token expired and was not refreshed."),
  SLOW_CONSUMER: def("SLOW_CONSUMER", 3001, 503, "The client did not read fast enough; reconnect and recover from history.", true),
  SHUTDOWN: def("SHUTDOWN", 3002, 503, "The server is shutting down; reconnect shortly.", true),
  KICKED: def("KICKED", 3003, 403, "The connection was closed by an operator."),
} as const);

/** A string error code from the registry. */
export type ErrorCode = keyof typeof ERRORS;

/** The error shape carried on the wire: HTTP bodies drop `statusCode` in, sockets use it as is. */
export interface WireError {
  code: ErrorCode;
  message: string;
}

/** An error that knows its registry entry; thrown inside the server and the SDK. */
export class TickwireError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;
  readonly wire: number;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message?: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    const entry = ERRORS[code];
    super(message ?? entry.message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "TickwireError";
    this.code = code;
    this.statusCode = entry.status;
    this.wire = entry.wire;
    this.details = options?.details;
  }

  /** The `{ code, message }` pair sent to clients. */
  toWire(): WireError {
    return { code: this.code, message: this.message };
  }
}

/** True when `code` is a registry code. */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === "string" && Object.prototype.hasOwnProperty.call(ERRORS, code);
}
