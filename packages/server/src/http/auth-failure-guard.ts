import type { FastifyInstance } from "fastify";
import { RateLimiterMemory } from "rate-limiter-flexible";
import { TickwireError } from "@tickwire/protocol";

/** Options of the guard against credential guessing on the HTTP API. */
export interface AuthFailureGuardOptions {
  /** Refused credentials (401) one address may send per minute before it is blocked. @default 30 */
  readonly maxAuthFailuresPerMinute: number;
}

/**
 * Slows down credential guessing: an address whose requests were answered 401
 * more than the allowed number of times in a minute gets 429 RATE_LIMITED on
 * every API route for a minute, valid key or not.
 */
export function installAuthFailureGuard(app: FastifyInstance, options: AuthFailureGuardOptions): void {
  const points = options.maxAuthFailuresPerMinute;
  if (points <= 0) return;
  const failures = new RateLimiterMemory({ keyPrefix: "http-auth", points, duration: 60, blockDuration: 60 });

  app.addHook("onRequest", async (request) => {
    if (!request.url.startsWith("/api/")) return;
    const seen = await failures.get(request.ip);
    if (seen !== null && seen.consumedPoints > points) {
      throw new TickwireError("RATE_LIMITED", "Too many refused credentials from this address; wait a minute.", {
        details: { retryAfterMs: seen.msBeforeNext },
      });
    }
  });

  app.addHook("onResponse", async (request, reply) => {
    if (reply.statusCode === 401 && request.url.startsWith("/api/")) await failures.consume(request.ip).catch(() => undefined);
  });
}
