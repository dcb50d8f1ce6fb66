import type { Tier } from "@tickwire/protocol";

// What the options, their table and their checks are written in, and the layers below may share: the small
// option types, the input-depth ceiling, the host:port syntax. A leaf: it imports nothing of ours.

/** Per-tier numbers. */
export type PerTier<T> = Readonly<Record<Tier, T>>;

/** Inbound event rate limit of one connection. */
export interface RateLimitOptions {
  /** Sustained events per second. */
  readonly eventsPerSecond: number;
  /** Events allowed in a burst above the sustained rate. */
  readonly burst: number;
}

/**
 * Who may call an RPC method: a tier reaching `minTier`, or one of `roles`.
 * A rule with neither admits everyone; one with only roles admits those roles only.
 */
export interface RpcMethodRule {
  readonly minTier?: Tier | undefined;
  readonly roles?: readonly string[] | undefined;
}

/** Deepest nesting any option may allow: far below what overflows Socket.IO's recursive encoder (about 4,000). */
export const MAX_INPUT_DEPTH_CEILING = 256;

/** `host:port` as ioredis takes a cluster node; undefined when malformed. */
export function parseClusterNode(value: string): { host: string; port: number } | undefined {
  const m = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(value.trim());
  if (!m) return undefined;
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return undefined;
  return { host: m[1]!.replace(/^\[|\]$/g, ""), port };
}
