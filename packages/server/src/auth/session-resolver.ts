import type { Identity } from "./identity.js";

/**
 * Resolves a server-side session id (`auth: { sessionID }`) to an identity.
 * Resolves to undefined for an unknown or expired session; rejects when the
 * backing service cannot answer.
 */
export interface SessionResolver {
  resolve(sessionId: string): Promise<Identity | undefined>;
  /** Circuit-breaker state for stats, when the resolver has one. */
  state?(): { name: string; breaker: string };
  close(): Promise<void>;
}

/**
 * Reads the identity out of a session object. Accepts the shapes express-session
 * apps store: `{ userId, tier, roles }`, `{ user: { id, tier, roles } }` and
 * `{ passport: { user } }` where `user` is an id or an object.
 */
export function identityFromSession(session: unknown, now: number): Record<string, unknown> | undefined {
  if (typeof session !== "object" || session === null) return undefined;
  const s = session as Record<string, unknown>;
  const cookie = s.cookie as { expires?: unknown } | undefined;
  if (cookie && typeof cookie.expires === "string" && Date.parse(cookie.expires) <= now) return undefined;
  const passportUser = (s.passport as { user?: unknown } | undefined)?.user;
  const user = (s.user ?? passportUser) as Record<string, unknown> | string | undefined;
  const fromUser = typeof user === "object" && user !== null ? user : undefined;
  const sub = s.userId ?? fromUser?.id ?? fromUser?.userId ?? (typeof user === "string" ? user : undefined);
  if (sub === undefined) return undefined;
  return {
    sub: typeof sub === "number" ? String(sub) : sub,
    tier: s.tier ?? fromUser?.tier,
    roles: s.roles ?? fromUser?.roles,
  };
}
