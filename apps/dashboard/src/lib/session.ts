/** Who the dashboard is connected as, and where the token came from. */
export interface Session {
  token: string;
  userId: string;
  tier: string;
  /** `query` for `?token=`, `dev` for the gateway's dev-mode demo token. */
  source: "query" | "dev";
}

/** Why no session could be made. */
export interface SessionError {
  error: string;
}

/** Reads `sub` and `tier` from a JWT without verifying it (display only; the gateway verifies). */
export function readClaims(token: string): { sub?: string; tier?: string } {
  const part = token.split(".")[1];
  if (!part) return {};
  try {
    const json = atob(part.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(part.length / 4) * 4, "="));
    const claims = JSON.parse(json) as { sub?: unknown; tier?: unknown };
    return {
      ...(typeof claims.sub === "string" ? { sub: claims.sub } : {}),
      ...(typeof claims.tier === "string" ? { tier: claims.tier } : {}),
    };
  } catch {
    return {};
  }
}

/**
 * The token from `?token=`, or else the demo user's token from
 * `GET /api/v1/dev/token`, which the gateway answers only in dev mode.
 */
export async function resolveSession(search: string, origin: string): Promise<Session | SessionError> {
  const fromQuery = new URLSearchParams(search).get("token");
  if (fromQuery) {
    const claims = readClaims(fromQuery);
    return { token: fromQuery, userId: claims.sub ?? "unknown", tier: claims.tier ?? "navigator", source: "query" };
  }
  try {
    const res = await fetch(new URL("/api/v1/dev/token", origin));
    if (res.status === 404) {
      return { error: "No token. Open this page with ?token=<JWT> (the gateway is not in dev mode)." };
    }
    if (!res.ok) return { error: `The gateway refused the demo token (HTTP ${res.status}).` };
    const body = (await res.json()) as { token: string; userId?: string; tier?: string };
    const claims = readClaims(body.token);
    return {
      token: body.token,
      userId: body.userId ?? claims.sub ?? "demo",
      tier: body.tier ?? claims.tier ?? "navigator",
      source: "dev",
    };
  } catch {
    return { error: "Cannot reach the gateway to get a token." };
  }
}

/** A link to `path` that keeps a `?token=` given in the address. */
export function linkWithToken(path: string, session: Session | undefined): string {
  return session?.source === "query" ? `${path}?token=${encodeURIComponent(session.token)}` : path;
}
