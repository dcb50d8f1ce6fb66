import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { atLeast, TickwireError } from "@tickwire/protocol";
import type { TokenVerifier } from "../auth/token-verifier.js";

function digest(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}

/** Checks publisher API keys in constant time (hashing first, so key lengths do not leak either). */
export class ApiKeyChecker {
  private readonly keys: Buffer[];

  constructor(keys: readonly string[]) {
    this.keys = keys.map(digest);
  }

  /** True when `candidate` is one of the configured keys. */
  matches(candidate: string): boolean {
    const d = digest(candidate);
    let found = false;
    for (const key of this.keys) found = timingSafeEqual(key, d) || found;
    return found;
  }
}

function bearer(request: FastifyRequest): string {
  const header = request.headers.authorization;
  const m = typeof header === "string" ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (!m) throw new TickwireError("UNAUTHORIZED", "Send Authorization: Bearer <api key>.");
  return m[1]!;
}

/** Requires a publisher API key. @throws TickwireError UNAUTHORIZED */
export function requireApiKey(request: FastifyRequest, keys: ApiKeyChecker): void {
  if (!keys.matches(bearer(request))) throw new TickwireError("UNAUTHORIZED", "Unknown API key.");
}

/**
 * Requires an API key or an operator's client token (the ops page uses the latter).
 * @throws TickwireError UNAUTHORIZED or FORBIDDEN
 */
export async function requireApiKeyOrOperator(request: FastifyRequest, keys: ApiKeyChecker, tokens: TokenVerifier): Promise<void> {
  const credential = bearer(request);
  if (keys.matches(credential)) return;
  if (credential.split(".").length !== 3) throw new TickwireError("UNAUTHORIZED", "Unknown API key.");
  const identity = await tokens.verify(credential);
  if (!atLeast(identity.tier, "operator")) throw new TickwireError("FORBIDDEN", "The ops API needs an operator token.");
}

/**
 * API-key auth of the HTTP API, in one place: every route under /api/ needs a
 * publisher API key unless its `config.auth` says otherwise (`public`, or
 * `apiKeyOrOperator` for what the ops page reads). Checked in onRequest, so an
 * unauthenticated request is answered 401 before its body is read.
 */
export function installApiAuth(app: FastifyInstance, keys: ApiKeyChecker, tokens: TokenVerifier): void {
  app.addHook("onRequest", async (request) => {
    const url = request.routeOptions.url;
    if (url === undefined || !url.startsWith("/api/")) return;
    const auth = request.routeOptions.config.auth ?? "apiKey";
    if (auth === "public") return;
    if (auth === "apiKeyOrOperator") await requireApiKeyOrOperator(request, keys, tokens);
    else requireApiKey(request, keys);
  });
}
