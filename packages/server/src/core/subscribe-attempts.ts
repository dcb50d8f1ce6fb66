import type { NamespaceDefinition } from "@tickwire/protocol";
import type { Session } from "./session.js";

/** One subscribe of a session's channel, from its first check to its reply. */
export interface SubscribeAttempt {
  readonly channel: string;
  readonly namespace: NamespaceDefinition;
  /** Set when the subscription was ended (or lost its admission) while the attempt was under way. */
  revoked: boolean;
}

/**
 * The subscribes under way, per session and channel. A subscription the platform ends
 * (a removed room member, a server-side unsubscribe, a lower tier) may still be on its
 * way: its checks passed on what was true before, and it is not in the session yet, so
 * the unsubscribe finds nothing to end. Marking the attempt lets it refuse itself when it
 * completes, instead of going live after the removal. Only attempts under way are held:
 * the map empties as they finish.
 */
export class SubscribeAttempts {
  private readonly bySession = new WeakMap<Session, Set<SubscribeAttempt>>();

  /** Records an attempt; call `end` with it once it is answered. */
  begin(session: Session, channel: string, namespace: NamespaceDefinition): SubscribeAttempt {
    const attempt: SubscribeAttempt = { channel, namespace, revoked: false };
    let set = this.bySession.get(session);
    if (set === undefined) {
      set = new Set();
      this.bySession.set(session, set);
    }
    set.add(attempt);
    return attempt;
  }

  end(session: Session, attempt: SubscribeAttempt): void {
    const set = this.bySession.get(session);
    if (set === undefined) return;
    set.delete(attempt);
    if (set.size === 0) this.bySession.delete(session);
  }

  /** Marks the session's attempts under way that `matches`; returns how many. */
  revoke(session: Session, matches: (attempt: SubscribeAttempt) => boolean): number {
    let n = 0;
    for (const attempt of this.bySession.get(session) ?? []) {
      if (!attempt.revoked && matches(attempt)) {
        attempt.revoked = true;
        n++;
      }
    }
    return n;
  }
}
