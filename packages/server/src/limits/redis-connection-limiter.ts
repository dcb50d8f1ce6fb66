import { DEFAULT_OPTIONS } from "../config/defaults.js";
import type { RedisClient } from "../engines/redis/redis-client.js";
import { leaseKey } from "../engines/redis/redis-keys.js";
import type { ConnectionLimiter } from "./connection-limiter.js";
import { defineLeaseScripts, type LeaseScripts } from "./lease-scripts.js";
import { LimitFallbacks } from "./limit-metrics.js";
import { MemoryConnectionLimiter } from "./memory-connection-limiter.js";

/** Options of the Redis connection limiter. */
export interface RedisConnectionLimiterOptions {
  /** A client shared with the node's other limits; use `enableOfflineQueue: false` and a `commandTimeout` so a lost Redis fails fast. */
  readonly redis: RedisClient;
  /** Key prefix shared by the nodes of one deployment. @default DEFAULT_OPTIONS.redisPrefix */
  readonly prefix?: string;
  /** This node's id, part of every lease so nodes never collide. */
  readonly nodeId: string;
  /** Connections one user may hold across all nodes. */
  readonly maxPerUser: number;
  /** How long a lease outlives its node's last renewal; renewed every third of it. @default DEFAULT_OPTIONS.connectionLeaseTtlMs */
  readonly leaseTtlMs?: number;
  /** Counter and log of local decisions. @default a counter in no registry, silent */
  readonly fallbacks?: LimitFallbacks;
}

/**
 * The multi-node connection limit (docs/scaling.md, "Limits across nodes"): a
 * counting semaphore per user in Redis, a sorted set `{prefix}conn:{userId}` of
 * leases (`nodeId:leaseId`) scored by their expiry. One script purges expired
 * leases and admits when fewer than the limit remain. The node renews all its
 * leases in one pipeline every `leaseTtlMs / 3`, removes one on release, and a
 * dead node's leases expire on their own.
 *
 * While Redis does not answer, a user is admitted up to the limit on this node
 * alone (availability over strictness: a user may then hold up to the limit on
 * each node). Those leases join Redis with the next renewal once it is back.
 */
export class RedisConnectionLimiter implements ConnectionLimiter {
  private readonly scripts: LeaseScripts;
  private readonly prefix: string;
  private readonly leaseTtlMs: number;
  private readonly fallbacks: LimitFallbacks;
  /** Every lease this node holds, however it was admitted. */
  private readonly held = new MemoryConnectionLimiter(Number.POSITIVE_INFINITY);
  private readonly timer: NodeJS.Timeout;
  private renewing: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly options: RedisConnectionLimiterOptions) {
    this.scripts = defineLeaseScripts(options.redis);
    this.prefix = options.prefix ?? DEFAULT_OPTIONS.redisPrefix;
    this.leaseTtlMs = options.leaseTtlMs ?? DEFAULT_OPTIONS.connectionLeaseTtlMs;
    this.fallbacks = options.fallbacks ?? new LimitFallbacks();
    this.timer = setInterval(() => void this.renew(), Math.max(1, Math.floor(this.leaseTtlMs / 3)));
    this.timer.unref();
  }

  async acquire(userId: string, leaseId: string): Promise<boolean> {
    if (this.closed) return false;
    let admitted: boolean;
    try {
      admitted = await this.scripts.acquire(this.key(userId), this.options.maxPerUser, this.leaseTtlMs, this.member(leaseId));
      this.fallbacks.recovered("connections");
    } catch (err) {
      this.fallbacks.fellBack("connections", err);
      // Counted against this node's own leases of the user, the ones admitted through Redis included.
      admitted = this.held.count(userId) < this.options.maxPerUser;
    }
    if (admitted) this.held.tryAcquire(userId, leaseId);
    return admitted;
  }

  release(userId: string, leaseId: string): void {
    this.held.release(userId, leaseId);
    if (this.closed) return;
    // If this fails the lease expires by itself within leaseTtlMs.
    this.scripts.release(this.key(userId), this.member(leaseId)).catch(() => undefined);
  }

  /** Stops renewing and refuses new leases. Leases are not removed: the ones still open expire within leaseTtlMs, as if the node had died. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await this.renewing;
  }

  /** Renews every lease of this node now (the timer calls it every leaseTtlMs / 3). */
  renew(): Promise<void> {
    if (this.closed || this.renewing) return this.renewing ?? Promise.resolve();
    const leases: Array<{ key: string; lease: string }> = [];
    for (const [userId, ids] of this.held.entries()) for (const id of ids) leases.push({ key: this.key(userId), lease: this.member(id) });
    if (leases.length === 0) return Promise.resolve();
    this.renewing = this.scripts.renewAll(leases, this.leaseTtlMs).then(
      () => this.fallbacks.recovered("connections"),
      // Not a decision, so not counted; the next acquire reports the outage.
      () => undefined,
    );
    return this.renewing.finally(() => (this.renewing = undefined));
  }

  private key(userId: string): string {
    return leaseKey(this.prefix, userId);
  }

  private member(leaseId: string): string {
    return `${this.options.nodeId}:${leaseId}`;
  }
}
