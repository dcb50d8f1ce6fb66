import { maxHeaderSize } from "node:http";
import type { Socket } from "node:net";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ERRORS, TickwireError, type ErrorCode, type HttpErrorBody } from "@tickwire/protocol";

/** The HTTP body of an error, from the one registry. */
export function errorBody(code: ErrorCode, message?: string): HttpErrorBody {
  const entry = ERRORS[code];
  return { statusCode: entry.status, code, message: message ?? entry.message };
}

/** Maps Fastify's own errors (body limits, bad JSON) onto registry codes. */
function fromFastify(err: FastifyError): TickwireError {
  switch (err.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return new TickwireError("PAYLOAD_TOO_LARGE", "The request body is larger than the configured maximum.");
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return new TickwireError("BAD_REQUEST", "Send the body as application/json.");
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return new TickwireError("BAD_REQUEST", "The JSON body is empty.");
    default:
      if (err.statusCode === 400 || err instanceof SyntaxError) return new TickwireError("BAD_REQUEST", `The body is not valid JSON: ${err.message}`);
      if (err.statusCode === 413) return new TickwireError("PAYLOAD_TOO_LARGE");
      if (err.statusCode === 404) return new TickwireError("NOT_FOUND");
      // Other refusals of plugins (static files, CORS): the registry code of their kind, never a 500.
      if (err.statusCode === 401) return new TickwireError("UNAUTHORIZED");
      if (err.statusCode === 403) return new TickwireError("FORBIDDEN");
      if (err.statusCode === 429) return new TickwireError("RATE_LIMITED");
      if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) return new TickwireError("BAD_REQUEST", err.message);
      return new TickwireError("INTERNAL", undefined, { cause: err });
  }
}

/** The one error mapper: every HTTP error leaves as `{ statusCode, code, message }` with a matching status. */
export function installErrorMapper(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const e = err instanceof TickwireError ? err : fromFastify(err);
    if (e.code === "INTERNAL") request.log.error({ err }, "request failed");
    const body = errorBody(e.code, e.message);
    if (e.code === "RATE_LIMITED" && e.details?.retryAfterMs !== undefined) {
      void reply.header("retry-after", Math.ceil(Number(e.details.retryAfterMs) / 1000));
    }
    void reply.status(body.statusCode).send(body);
  });
}

/**
 * Fastify's own refusals before routing (`frameworkErrors`): a URL with a
 * malformed percent-encoding, a path parameter over `maxParamLength`.
 */
export function frameworkErrorBody(err: FastifyError, maxParamLength: number): HttpErrorBody {
  if (err.code === "FST_ERR_BAD_URL") return errorBody("BAD_REQUEST", "The URL is not valid: it has a malformed percent-encoding.");
  if (err.code === "FST_ERR_MAX_PARAM_LENGTH") return errorBody("BAD_REQUEST", `A path parameter is longer than ${maxParamLength} characters.`);
  return errorBody("BAD_REQUEST", "The request could not be routed.");
}

/** Installs frameworkErrors' answer on a reply (Fastify calls it with the request and reply). */
export function sendFrameworkError(err: FastifyError, _request: FastifyRequest, reply: FastifyReply, maxParamLength: number): void {
  const body = frameworkErrorBody(err, maxParamLength);
  void reply.status(body.statusCode).send(body);
}

/**
 * What Node's HTTP parser refuses (`clientError`): headers over its limit get
 * 431 HEADERS_TOO_LARGE, anything else it cannot read 400 BAD_REQUEST, both in
 * the one shape, written on the socket before it is closed.
 */
export function answerClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === "ECONNRESET" || socket.destroyed) return;
  let body: HttpErrorBody;
  if (err.code === "HPE_HEADER_OVERFLOW") body = errorBody("HEADERS_TOO_LARGE", `The request line and headers are larger than the server accepts (${maxHeaderSize} bytes).`);
  else if (err.code === "ERR_HTTP_REQUEST_TIMEOUT") body = errorBody("BAD_REQUEST", "The request was not received in time.");
  else body = errorBody("BAD_REQUEST", "The request could not be parsed as HTTP/1.1.");
  const text = JSON.stringify(body);
  const reason = body.statusCode === 431 ? "Request Header Fields Too Large" : "Bad Request";
  // A HEAD request gets the head of the answer only (the parser read its request line before it failed).
  const head = (err as { rawPacket?: Buffer }).rawPacket?.subarray(0, 5).toString("latin1") === "HEAD ";
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${body.statusCode} ${reason}\r\nContent-Length: ${Buffer.byteLength(text)}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${head ? "" : text}`);
  }
  socket.destroySoon();
}
