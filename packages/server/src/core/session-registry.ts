import type { Tier } from "@tickwire/protocol";
import type { Session } from "./session.js";

/** Open sessions of this node by user (the per-user connection limit is a ConnectionLimiter's). */
export class SessionRegistry {
  private readonly byUser = new Map<string, Set<Session>>();
  private total = 0;

  add(session: Session): void {
    let set = this.byUser.get(session.userId);
    if (!set) {
      set = new Set();
      this.byUser.set(session.userId, set);
    }
    set.add(session);
    this.total++;
  }

  remove(session: Session): void {
    const set = this.byUser.get(session.userId);
    if (!set || !set.delete(session)) return;
    this.total--;
    if (set.size === 0) this.byUser.delete(session.userId);
  }

  /** Sessions of one user on this node. */
  ofUser(userId: string): Session[] {
    return [...(this.byUser.get(userId) ?? [])];
  }

  /** Every open session. */
  all(): Session[] {
    const out: Session[] = [];
    for (const set of this.byUser.values()) out.push(...set);
    return out;
  }

  get connectionCount(): number {
    return this.total;
  }

  get userCount(): number {
    return this.byUser.size;
  }

  /** Open sessions by tier. */
  byTier(): Record<Tier, number> {
    const counts: Record<Tier, number> = { navigator: 0, participant: 0, builder: 0, operator: 0 };
    for (const set of this.byUser.values()) for (const s of set) counts[s.tier]++;
    return counts;
  }
}
