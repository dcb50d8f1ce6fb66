import { isIPv6 } from "node:net";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { RateLimiterMemory } from "rate-limiter-flexible";
import { TickwireError } from "@tickwire/protocol";

/** Options of the guard against credential guessing on the HTTP API. */
export interface AuthFailureGuardOptions {
  /** Refused credentials (401) one address may send per minute before it is blocked (the gateway passes its option of that name). */
  readonly maxAuthFailuresPerMinute: number;
}

/**
 * Who is guessing: the client address (`request.ip`, which Fastify's `trustProxy`
 * takes from X-Forwarded-For only behind a trusted proxy). An IPv6 client is
 * keyed on its /64, which one host can fill with addresses of its own.
 */
export function guessingKey(request: FastifyRequest): string {
  const ip = request.ip.startsWith("::ffff:") ? request.ip.slice(7) : request.ip;
  if (!isIPv6(ip)) return ip;
  const groups = expandIPv6(ip);
  return `${groups.slice(0, 4).join(":")}::/64`;
}

/** The eight groups of an IPv6 address (`::` expanded, zone dropped). */
function expandIPv6(ip: string): string[] {
  const [head = "", tail] = ip.split("%")[0]!.split("::");
  const left = head === "" ? [] : head.split(":");
  const right = tail === undefined || tail === "" ? [] : tail.split(":");
  const fill = tail === undefined ? [] : Array.from({ length: 8 - left.length - right.length }, () => "0");
  return [...left, ...fill, ...right].map((g) => g.toLowerCase().replace(/^0+(?=.)/, ""));
}

/**
 * Slows down credential guessing: an address whose requests were answered 401
 * more than the allowed number of times in a minute gets 429 RATE_LIMITED on
 * every API route for a minute, valid key or not. Routes are those the router
 * matched (decoded and normalised: `/%61pi/v1/stats` is `/api/v1/stats`), and
 * every 401 counts, whatever path it was asked under.
 */
export function installAuthFailureGuard(app: FastifyInstance, options: AuthFailureGuardOptions): void {
  const points = options.maxAuthFailuresPerMinute;
  if (points <= 0) return;
  const failures = new RateLimiterMemory({ keyPrefix: "http-auth", points, duration: 60, blockDuration: 60 });

  app.addHook("onRequest", async (request) => {
    if (!request.routeOptions.url?.startsWith("/api/")) return;
    const seen = await failures.get(guessingKey(request));
    if (seen !== null && seen.consumedPoints > points) {
      throw new TickwireError("RATE_LIMITED", "Too many refused credentials from this address; wait a minute.", {
        details: { retryAfterMs: seen.msBeforeNext },
      });
    }
  });

  app.addHook("onResponse", async (request, reply) => {
    if (reply.statusCode === 401) await failures.consume(guessingKey(request)).catch(() => undefined);
  });
}
