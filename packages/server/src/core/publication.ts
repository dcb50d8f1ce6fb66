import type { NamespaceDefinition, StreamPosition } from "@tickwire/protocol";

/** A publication after the engine ordered it: what history keeps and fan-out delivers. */
export interface Publication {
  readonly channel: string;
  /** Per-channel integer, one more than the previous publication of the channel. */
  readonly offset: number;
  /** Names the history this offset belongs to; changes only when that history was lost. */
  readonly epoch: string;
  /** Publish time, ms since the epoch. */
  readonly ts: number;
  /** Server event the publication is emitted as. */
  readonly event: string;
  readonly data: unknown;
  /** Follows the publication from the API to the sockets in logs. */
  readonly traceId: string;
}

/** A position in a channel: the last offset and its epoch (the protocol's `StreamPosition`, as `since` sends it). */
export type ChannelPosition = Readonly<StreamPosition>;

/** What a publisher hands to the engine. */
export interface PublishInput {
  readonly event: string;
  readonly data: unknown;
  readonly ts: number;
  readonly traceId: string;
}

/** A publication about to be stored, as publish rules see it. */
export interface PublishTarget {
  /** Canonical channel name. */
  readonly channel: string;
  readonly namespace: NamespaceDefinition;
  /** The part after the colon, if any. */
  readonly key: string | undefined;
  readonly event: string;
  readonly data: unknown;
}
