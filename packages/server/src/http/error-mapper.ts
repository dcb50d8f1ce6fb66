import type { FastifyError, FastifyInstance } from "fastify";
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
