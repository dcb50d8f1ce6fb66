import type { Identity } from "./identity.js";
import { AuthError, type TokenVerifier } from "./token-verifier.js";
import type { SessionResolver } from "./session-resolver.js";

const SESSION_ID = /^[A-Za-z0-9_.:%\-]{1,256}$/;

/**
 * Turns the Socket.IO handshake `auth` object into an identity: `{ token }`
 * through the JWT verifier, `{ sessionID }` (or `sessionId`) through the
 * configured session resolver.
 */
export class Authenticator {
  constructor(
    private readonly tokens: TokenVerifier,
    private readonly sessions: SessionResolver | undefined,
  ) {}

  /** @throws AuthError */
  async authenticate(auth: unknown): Promise<Identity> {
    const a = typeof auth === "object" && auth !== null ? (auth as Record<string, unknown>) : {};
    if (a.token !== undefined) return this.tokens.verify(a.token);
    const sessionId = a.sessionID ?? a.sessionId;
    if (sessionId === undefined) throw new AuthError("missing", "No credentials: connect with auth: { token } or auth: { sessionID }.");
    if (typeof sessionId !== "string" || !SESSION_ID.test(sessionId)) throw new AuthError("malformed", "The session id is malformed.");
    if (!this.sessions) throw new AuthError("malformed", "This server does not accept session ids; connect with a token.");
    let identity: Identity | undefined;
    try {
      identity = await this.sessions.resolve(sessionId);
    } catch (err) {
      if (err instanceof AuthError) throw err;
      throw new AuthError("session_unavailable", "Sessions cannot be checked right now; try again shortly.", "UNAVAILABLE");
    }
    if (!identity) throw new AuthError("unknown_session", "The session is unknown or has expired.");
    return identity;
  }
}
