import type { Tier } from "@tickwire/protocol";
import type { Identity } from "../auth/identity.js";
import type { Connection } from "./connection.js";
import { ExpiryQueue, type Expiring } from "./expiry-queue.js";
import type { SessionResume } from "./session-journal.js";
import type { SubscriberSession, Subscription } from "./subscription.js";

/** Legacy platforms a handshake may name in `auth.client` (their client gets what it expects at connect). */
export const LEGACY_PLATFORMS = ["mystocks"] as const;
export type LegacyPlatform = (typeof LEGACY_PLATFORMS)[number];

/** Token expiries of every session of the process, on one timer. */
const expiries = new ExpiryQueue<Session>();

/** One connected client: who it is, what it subscribed to, its connection. */
export class Session implements Expiring, SubscriberSession {
  readonly subscriptions = new Map<string, Subscription>();
  /** The legacy platform the handshake named (`auth.client`, docs/legacy-clients.md), if Tickwire knows it. */
  platform: LegacyPlatform | undefined;
  readonly connectedAt = Date.now();
  closed = false;
  expirySlot: number | undefined;
  private onExpire: (() => void) | undefined;
  /** Set for a connection that may resume (it was given a `pid`). */
  resume: SessionResume | undefined;

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

  /**
   * Arms (or re-arms) the end of the connection when the credential expires:
   * `onExpire`, by default `expire()`. One timer serves every session.
   */
  scheduleExpiry(onExpire?: () => void): void {
    this.onExpire = onExpire;
    const at = this.identity.expiresAt;
    if (at === undefined || this.closed) expiries.remove(this);
    else expiries.add(this, at);
  }

  /** The expiry queue's call: the credential's time came (a refreshed one may have moved it). */
  expired(): void {
    const at = this.identity.expiresAt;
    if (this.closed || at === undefined) return;
    if (at > Date.now()) this.scheduleExpiry(this.onExpire);
    else if (this.onExpire) this.onExpire();
    else this.expire();
  }

  /** Ends the connection because its credential expired. */
  expire(): void {
    this.connection.disconnect("TOKEN_EXPIRED", "The token expired; reconnect with a new token, or refresh it with auth:refresh before it expires.");
  }

  /** Marks the session closed and stops its timers. */
  close(): void {
    this.closed = true;
    expiries.remove(this);
  }
}
