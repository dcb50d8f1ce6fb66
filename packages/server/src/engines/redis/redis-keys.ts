/**
 * Partitions of the key space. Fixed for good: changing it moves every channel
 * to another hash tag, i.e. renames every key.
 */
export const PARTITIONS = 16;

/** The Redis names one channel uses; they share the hash tag `{p<k>}`, so one script may touch them all (and Redis Cluster keeps them in one slot). */
export interface ChannelKeys {
  /** Hash: `e` the epoch, `s` the top offset. */
  readonly meta: string;
  /** Stream: one entry per publication, id `<offset>-0`, field `b` the body. */
  readonly hist: string;
  /** Pub/sub channel the publish script announces each publication on. */
  readonly pubsub: string;
}

/** The partition of a channel: FNV-1a (32 bit) of its UTF-8 bytes, modulo PARTITIONS. */
export function partitionOf(channel: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(channel, "utf8")) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % PARTITIONS;
}

/**
 * The sorted set of one user's connection leases (docs/scaling.md, "Limits
 * across nodes"). One key per script call, so it needs no hash tag on a cluster.
 */
export function leaseKey(prefix: string, userId: string): string {
  return `${prefix}conn:${userId}`;
}

/**
 * The sorted set of a channel's presence: members JSON `[nodeId, clientId, userId]`
 * scored by their expiry (ms). Tagged like the channel's other keys.
 */
export function presenceKey(prefix: string, channel: string): string {
  return `${prefix}pres:{p${partitionOf(channel)}}:${channel}`;
}

/** The hash of a channel's presence entries per user (userId → count), beside `presenceKey`. */
export function presenceUsersKey(prefix: string, channel: string): string {
  return `${prefix}presu:{p${partitionOf(channel)}}:${channel}`;
}

/**
 * Key names of a channel under `prefix`.
 * @example channelKeys("tw:", "trades:alice") // { meta: "tw:meta:{p7}:trades:alice", hist: "tw:hist:{p7}:…", pubsub: "tw:pub:{p7}:…" }
 */
export function channelKeys(prefix: string, channel: string): ChannelKeys {
  const tag = `{p${partitionOf(channel)}}`;
  return {
    meta: `${prefix}meta:${tag}:${channel}`,
    hist: `${prefix}hist:${tag}:${channel}`,
    pubsub: `${prefix}pub:${tag}:${channel}`,
  };
}

/**
 * The string holding one resumable session's record (docs/scaling.md,
 * "Resumption across nodes"). Its hash tag is the session's pid, so everything
 * of one session sits in one slot of a cluster.
 */
export function resumeKey(prefix: string, pid: string): string {
  return `${prefix}resume:{${pid}}`;
}

/**
 * A channel's occupancy (docs/scaling.md, "Occupancy"): `nodes` the sorted set of
 * the nodes with local subscribers, scored by their expiry (ms); `state` the state
 * last announced (`1` occupied, absent vacated). Tagged like the channel's other keys.
 */
export function occupancyKeys(prefix: string, channel: string): { nodes: string; state: string } {
  const tag = `{p${partitionOf(channel)}}`;
  return { nodes: `${prefix}occ:${tag}:${channel}`, state: `${prefix}occs:${tag}:${channel}` };
}
