import CircuitBreaker from "opossum";
import type { Tier } from "@tickwire/protocol";
import { identityFromClaims } from "./token-verifier.js";
import type { Identity } from "./identity.js";
import { identityFromSession, type SessionResolver } from "./session-resolver.js";

/** Options of the HTTP session resolver. */
export interface HttpSessionResolverOptions {
  /** Called as `GET {url}?sessionID={id}`; answers 200 with the session JSON, 404/401 for an unknown one. */
  readonly url: string;
  /** Time allowed for one lookup (the gateway passes its sessionTimeoutMs). */
  readonly timeoutMs: number;
  /** Tier of sessions that carry none. @default DEFAULT_TIER */
  readonly defaultTier?: Tier | undefined;
}

class UnknownSession extends Error {}

/**
 * Resolves sessions by asking the platform's own backend, behind a circuit
 * breaker: when the backend keeps failing, connections are refused at once
 * with UNAVAILABLE instead of piling up on timeouts.
 */
export class HttpSessionResolver implements SessionResolver {
  private readonly breaker: CircuitBreaker<[string], unknown>;

  constructor(private readonly options: HttpSessionResolverOptions) {
    this.breaker = new CircuitBreaker((id: string) => this.fetchSession(id), {
      timeout: options.timeoutMs,
      errorThresholdPercentage: 50,
      volumeThreshold: 5,
      resetTimeout: 10_000,
      // An unknown session is an answer, not a failure of the backend.
      errorFilter: (err: unknown) => err instanceof UnknownSession,
    });
  }

  async resolve(sessionId: string): Promise<Identity | undefined> {
    try {
      const session = await this.breaker.fire(sessionId);
      const claims = identityFromSession(session, Date.now());
      return claims === undefined ? undefined : identityFromClaims(claims, this.options.defaultTier);
    } catch (err) {
      if (err instanceof UnknownSession) return undefined;
      throw err;
    }
  }

  state(): { name: string; breaker: string } {
    return { name: "session-http", breaker: this.breaker.opened ? "open" : this.breaker.halfOpen ? "halfOpen" : "closed" };
  }

  async close(): Promise<void> {
    this.breaker.shutdown();
  }

  private async fetchSession(sessionId: string): Promise<unknown> {
    const url = new URL(this.options.url);
    url.searchParams.set("sessionID", sessionId);
    const res = await fetch(url, { signal: AbortSignal.timeout(this.options.timeoutMs), headers: { accept: "application/json" } });
    if (res.status === 404 || res.status === 401 || res.status === 403) throw new UnknownSession();
    if (!res.ok) throw new Error(`session endpoint answered ${res.status}`);
    return res.json();
  }
}
