import type { Tier } from "@tickwire/protocol";
import type { Identity } from "../auth/identity.js";
import type { Connection } from "./connection.js";
import type { Subscription } from "./subscription.js";

/** One connected client: who it is, what it subscribed to, its connection. */
export class Session {
  readonly subscriptions = new Map<string, Subscription>();
  readonly connectedAt = Date.now();
  closed = false;
  private expiryTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly connection: Connection,
    public identity: Identity,
  ) {}

  get id(): string {
    return this.connection.id;
  }

  get userId(): string {
    return this.identity.userId;
  }

  get tier(): Tier {
    return this.identity.tier;
  }

  /** Subscriptions of namespaces that count toward the per-tier limit. */
  countedSubscriptions(): number {
    let n = 0;
    for (const sub of this.subscriptions.values()) if (sub.namespace.countsTowardLimit) n++;
    return n;
  }

  /** Arms (or re-arms) the timer that ends the connection when the credential expires. */
  scheduleExpiry(onExpire: () => void, now = Date.now()): void {
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.expiryTimer = undefined;
    const at = this.identity.expiresAt;
    if (at === undefined) return;
    // setTimeout holds at most 2^31-1 ms; a far expiry is re-checked later.
    const delay = Math.min(Math.max(0, at - now), 2 ** 31 - 1);
    this.expiryTimer = setTimeout(() => {
      if (this.identity.expiresAt !== undefined && this.identity.expiresAt <= Date.now()) onExpire();
      else this.scheduleExpiry(onExpire);
    }, delay);
    this.expiryTimer.unref();
  }

  /** Ends the connection because its credential expired. */
  expire(): void {
    this.connection.disconnect("TOKEN_EXPIRED", "The token expired; reconnect with a new token, or refresh it with auth:refresh before it expires.");
  }

  /** Marks the session closed and stops its timers. */
  close(): void {
    this.closed = true;
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
  }
}
