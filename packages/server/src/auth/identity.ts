import type { Tier } from "@tickwire/protocol";

/** Who a connection belongs to, as established by a token or a server-side session. */
export interface Identity {
  readonly userId: string;
  readonly tier: Tier;
  readonly roles: readonly string[];
  /** Channels the server subscribes at connect (the token's `channels` claim). */
  readonly channels?: readonly string[] | undefined;
  /** When the credential expires (ms since the epoch), or undefined when it does not. */
  readonly expiresAt: number | undefined;
}

/** Why authentication failed; a label of the `tickwire_auth_failures_total` metric. */
export type AuthFailureReason =
  | "missing"
  | "malformed"
  | "expired"
  | "bad_signature"
  | "bad_claims"
  | "no_expiry"
  | "unknown_session"
  | "session_unavailable";
