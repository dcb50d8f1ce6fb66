/**
 * Admission of a user's connections: at most N leases per user at once.
 * A lease is taken during the handshake and given back when the transport closes.
 */
export interface ConnectionLimiter {
  /**
   * Takes a slot for `userId` under `leaseId` (unique per connection, e.g. the
   * socket id); false when the user is at the limit. Taking the same lease twice
   * counts it once.
   */
  acquire(userId: string, leaseId: string): Promise<boolean>;
  /** Gives back a slot taken by acquire; unknown leases are ignored. */
  release(userId: string, leaseId: string): void;
  /** Stops background work. Leases still held are not given back (see the Redis limiter). */
  close(): Promise<void>;
}
