import type { ConnectionLimiter } from "./connection-limiter.js";

/** The single-node connection limit: leases counted in this process. */
export class MemoryConnectionLimiter implements ConnectionLimiter {
  private readonly leases = new Map<string, Set<string>>();

  constructor(private readonly maxPerUser: number) {}

  /** Synchronous form of acquire, for callers that hold no promise (the Redis limiter's fallback). */
  tryAcquire(userId: string, leaseId: string): boolean {
    let set = this.leases.get(userId);
    if (set?.has(leaseId)) return true;
    if ((set?.size ?? 0) >= this.maxPerUser) return false;
    if (!set) {
      set = new Set();
      this.leases.set(userId, set);
    }
    set.add(leaseId);
    return true;
  }

  acquire(userId: string, leaseId: string): Promise<boolean> {
    return Promise.resolve(this.tryAcquire(userId, leaseId));
  }

  release(userId: string, leaseId: string): void {
    const set = this.leases.get(userId);
    if (!set?.delete(leaseId)) return;
    if (set.size === 0) this.leases.delete(userId);
  }

  /** Leases held for `userId`. */
  count(userId: string): number {
    return this.leases.get(userId)?.size ?? 0;
  }

  /** Every held lease, by user. */
  entries(): IterableIterator<[string, ReadonlySet<string>]> {
    return this.leases.entries();
  }

  async close(): Promise<void> {}
}
