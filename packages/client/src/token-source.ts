import { TickwireError } from "@tickwire/protocol/core";
import { decodeTokenClaims, type TokenClaims } from "./jwt-claims.js";

/** Returns a fresh token; may be async (fetch from your backend). */
export type GetToken = () => string | Promise<string>;

/**
 * Holds the current token. With a `getToken` function it fetches a new one
 * when the current one is about to expire, and on demand after the server
 * refused it; concurrent callers share one pending fetch.
 */
export class TokenSource {
  readonly #static: string | undefined;
  readonly #getToken: GetToken | undefined;
  readonly #marginMs: number;
  readonly #now: () => number;
  #token: string | undefined;
  #pending: Promise<string> | undefined;

  constructor(options: { token?: string | undefined; getToken?: GetToken | undefined; refreshMarginMs: number; now: () => number }) {
    this.#static = options.token;
    this.#getToken = options.getToken;
    this.#marginMs = options.refreshMarginMs;
    this.#now = options.now;
    this.#token = options.token;
  }

  /** Whether a new token can be fetched (a `getToken` function was given). */
  get refreshable(): boolean {
    return this.#getToken !== undefined;
  }

  /** The last token handed out, if any. */
  get value(): string | undefined {
    return this.#token;
  }

  /** Claims of the current token (unverified), or null. */
  get claims(): TokenClaims | null {
    return this.#token === undefined ? null : decodeTokenClaims(this.#token);
  }

  /** Ms until the current token should be refreshed, or undefined when it has no `exp`. */
  msUntilRefresh(): number | undefined {
    const claims = this.claims;
    const exp = claims?.exp;
    if (typeof exp !== "number") return undefined;
    // A short-lived token is renewed at half its life, so renewal cannot spin.
    const iat = claims?.iat;
    const margin = typeof iat === "number" && exp > iat ? Math.min(this.#marginMs, ((exp - iat) * 1000) / 2) : this.#marginMs;
    return Math.max(0, exp * 1000 - margin - this.#now());
  }

  /** A token to connect with: the cached one unless it is due for refresh. */
  async current(): Promise<string | undefined> {
    if (!this.#getToken) return this.#static;
    const due = this.msUntilRefresh();
    if (this.#token !== undefined && (due === undefined || due > 0)) return this.#token;
    return this.refresh();
  }

  /** Fetches a new token from `getToken` (shared between concurrent callers). */
  refresh(): Promise<string> {
    const getToken = this.#getToken;
    if (!getToken) return Promise.reject(new TickwireError("UNAUTHORIZED", "The token was refused and no getToken was given to fetch a new one."));
    this.#pending ??= (async () => {
      try {
        const token = await getToken();
        if (typeof token !== "string" || token.length === 0) {
          throw new TickwireError("UNAUTHORIZED", "getToken returned no token.");
        }
        this.#token = token;
        return token;
      } finally {
        this.#pending = undefined;
      }
    })();
    return this.#pending;
  }
}
