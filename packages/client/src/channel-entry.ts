import type { PublicationMeta, StreamPosition, SubscribedChannel, TickwireError } from "@tickwire/protocol/core";
import type { ChannelHandler, DeliveryMeta, SubscribeOptions } from "./types.js";

/** One local subscription (one `client.subscribe` call). */
export interface LocalSubscriber {
  readonly handler: ChannelHandler<string>;
  readonly options: SubscribeOptions;
  active: boolean;
  /** Whether this subscriber was handed at least one publication. */
  received: boolean;
  settle(result: { ok: true; info: SubscribedChannel } | { ok: false; error: TickwireError }): void;
}

/** Where the server subscription of a channel stands on the current connection. */
export type ServerSubscriptionStatus = "idle" | "pending" | "subscribed" | "failed";

/**
 * Everything the client knows about one channel: its local subscribers (which
 * share one server subscription), its recovery position and what it last delivered.
 */
export interface ChannelEntry {
  /** Local key: the client's best guess of the canonical name. */
  readonly key: string;
  /** Canonical name from the server's reply. */
  canonical: string | undefined;
  readonly subscribers: Set<LocalSubscriber>;
  /** Where to resume after a reconnect (`since`). */
  position: StreamPosition | undefined;
  /** The last publication handed to subscribers; anything at or before it under the same epoch is a duplicate. */
  delivered: StreamPosition | undefined;
  /** Latest publication of a state channel, handed to subscribers that join later. */
  last: { payload: unknown; meta: DeliveryMeta } | undefined;
  status: ServerSubscriptionStatus;
  /** The server's last confirmation. */
  info: SubscribedChannel | undefined;
  /** Field filter last sent to the server (sorted, comma-joined), or "" for none. */
  sentFields: string;
  readonly state: boolean;
}

/** True when `meta` is at or before `delivered` in the same history (a replay already seen). */
export function isDuplicate(delivered: StreamPosition | undefined, meta: PublicationMeta): boolean {
  return delivered !== undefined && meta.epoch === delivered.epoch && meta.offset <= delivered.offset;
}

/**
 * The field filter of a channel: none as soon as one subscriber wants every
 * field, else the union of all subscribers' fields.
 */
export function effectiveFields(entry: ChannelEntry): string[] | undefined {
  const union = new Set<string>();
  for (const sub of entry.subscribers) {
    if (!sub.options.fields || sub.options.fields.length === 0) return undefined;
    for (const field of sub.options.fields) union.add(field);
  }
  return union.size === 0 ? undefined : [...union].sort();
}

/** True when `value` has the shape of publication meta `{ channel, offset, epoch, ts }`. */
export function isPublicationMeta(value: unknown): value is PublicationMeta {
  if (value === null || typeof value !== "object") return false;
  const m = value as Record<string, unknown>;
  return typeof m.channel === "string" && typeof m.offset === "number" && typeof m.epoch === "string";
}

/** The meta of a message sent to some members of a room: `{ channel, ts, to, role? }`, no offset (it is in no history). */
export interface TargetedMeta {
  channel: string;
  ts: number;
  to: "role" | "users";
  role?: string;
}

/** True when `value` has the shape of a targeted message's meta. */
export function isTargetedMeta(value: unknown): value is TargetedMeta {
  if (value === null || typeof value !== "object") return false;
  const m = value as Record<string, unknown>;
  return typeof m.channel === "string" && typeof m.ts === "number" && m.offset === undefined && (m.to === "role" || m.to === "users");
}
