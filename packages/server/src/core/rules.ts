import { randomUUID } from "node:crypto";
import { ERRORS, TickwireError, type ChannelParseError, type NamespaceDefinition } from "@tickwire/protocol";

/**
 * Small rules that several layers apply and that must agree everywhere:
 * written once here rather than next to each caller.
 */

/** An event channel with history: its publications are stored and can be replayed. */
export function isDurable(namespace: NamespaceDefinition): boolean {
  return namespace.kind === "event" && namespace.history.size > 0;
}

/** A short id that follows a publication through the logs. */
export function newTraceId(): string {
  return randomUUID().replace(/-/g, "").slice(0, 16);
}

const TRACE_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** The caller's trace id (an `X-Trace-Id` header, a legacy `trace_id`) when it is well formed, else a new one. */
export function traceIdFrom(value: unknown): string {
  return typeof value === "string" && TRACE_ID.test(value) ? value : newTraceId();
}

/** The key of a field set: subscriptions with the same fields share one encoded payload. `*` is every field. */
export function fieldSetKey(fields: readonly string[] | undefined): string {
  return fields === undefined ? "*" : fields.join(",");
}

/**
 * The error for a channel name that does not parse. `unknownNamespace` is the code when no
 * namespace serves it: UNKNOWN_CHANNEL for publish and subscribe, NOT_FOUND for an HTTP resource.
 */
export function channelError(parsed: ChannelParseError, unknownNamespace: "UNKNOWN_CHANNEL" | "NOT_FOUND" = "UNKNOWN_CHANNEL"): TickwireError {
  return new TickwireError(parsed.reason === "unknown_namespace" ? unknownNamespace : "BAD_REQUEST", parsed.message);
}

/** Any thrown value as a TickwireError: what is not one already is INTERNAL, keeping the cause for the logs. */
export function toTickwireError(err: unknown): TickwireError {
  return err instanceof TickwireError ? err : new TickwireError("INTERNAL", undefined, { cause: err });
}

/**
 * Whether a failed publish may succeed later unchanged, read from the error registry's
 * `retryable` flag (UNAVAILABLE, RATE_LIMITED, SHUTDOWN…). INTERNAL is retryable for a
 * client but a publisher that retries the same input gets the same failure: `attempts`
 * bounds it. Errors that are not TickwireErrors are infrastructure failures: retryable.
 */
export function isRetryable(err: unknown): boolean {
  if (!(err instanceof TickwireError)) return true;
  return ERRORS[err.code].retryable;
}
