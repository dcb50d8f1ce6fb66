import { TickwireError, type ErrorCode } from "@tickwire/protocol/core";

/** Wraps anything thrown into a TickwireError (kept as is when it already is one), with the cause attached. */
export function toTickwireError(err: unknown, fallback: ErrorCode = "INTERNAL"): TickwireError {
  if (err instanceof TickwireError) return err;
  return new TickwireError(fallback, err instanceof Error ? err.message : String(err), { cause: err });
}
