import type { ChannelPosition, Publication } from "./publication.js";
import type { PublishResult } from "@tickwire/protocol";

/** Durable history of event channels (single-node mode). */
export interface HistoryStore {
  /** Position of a channel whose history is stored, or undefined for a channel never seen. */
  loadPosition(channel: string): Promise<ChannelPosition | undefined>;
  /** Appends a publication and trims the channel to `size` entries; records the channel's position. */
  append(publication: Publication, limits: { size: number; ttlMs: number }): Promise<void>;
  /** Publications with offset > afterOffset and not older than `minTs`, oldest first, at most `limit`. */
  read(channel: string, epoch: string, afterOffset: number, limit: number, minTs: number): Promise<Publication[]>;
}

/** Remembers the result of an idempotent publish. */
export interface IdempotencyStore {
  get(key: string, now: number): Promise<PublishResult | undefined>;
  put(key: string, result: PublishResult, expiresAt: number): Promise<void>;
}

/** The durable part of a gateway: SQLite by default, PostgreSQL when configured. */
export interface Store {
  /** `sqlite` or `postgres`. */
  readonly kind: string;
  readonly history: HistoryStore;
  readonly idempotency: IdempotencyStore;
  /** Creates tables; safe to call on an existing store. */
  init(): Promise<void>;
  /** Deletes expired idempotency keys and history older than its namespace allows. */
  prune(now: number): Promise<void>;
  /** Flushes and closes. */
  close(): Promise<void>;
}
