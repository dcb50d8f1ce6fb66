import type { ChannelKind, NamespaceDefinition, PublishResult } from "@tickwire/protocol";
import type { ChannelPosition, Publication, PublishTarget } from "./publication.js";
import type { Session } from "./session.js";
import type { Subscription } from "./subscription.js";

/** A publication the publisher checked (channel, event, size, rules) and hands to the source of its kind. */
export type SourceTarget = PublishTarget;

/** What travels with a publication to its source. */
export interface SourceContext {
  readonly traceId: string;
  /** Publish time, ms since the epoch (the publisher's clock). */
  readonly ts: number;
}

/**
 * What a source answers for one stored publication. `id` and `deduplicated` are
 * for callers that publish on many channels at once (`Publisher.publishMany`);
 * `Publisher.publish` answers the `PublishResult` part only.
 */
export interface SourceReceipt extends PublishResult {
  /** The stored item's own id, where the source gives its items one (the inbox: the notification id). */
  readonly id?: string;
  /** True when the source recognised a duplicate and stored nothing new (the offset is the original's). */
  readonly deduplicated?: boolean;
}

/**
 * What channels of one kind (`event`, `state`, `inbox`) are made of: how a
 * publication is stored and numbered, where a channel stands, what a new
 * subscriber is owed and what this node does when it gains or loses its local
 * subscribers. The publisher and the subscription manager look the source up by
 * `namespace.kind` (ChannelSources) and know nothing else of the kind.
 */
export interface ChannelSource {
  /** The namespaces it serves when not every namespace of its kind (the inbox: `notifications` only). @default every one */
  readonly namespaces?: readonly string[];
  /** Stores and numbers one publication; throws a TickwireError (UNAVAILABLE, BAD_REQUEST) when it cannot. */
  publish(target: SourceTarget, context: SourceContext): Promise<SourceReceipt>;
  /**
   * Stores one publication on several channels of one namespace together (the
   * inbox: one transaction for every recipient). Sources without it get one
   * `publish` per channel. Receipts come in `targets` order.
   */
  publishMany?(targets: readonly SourceTarget[], context: SourceContext): Promise<SourceReceipt[]>;
  /** Where `channel` stands for `session`: what a repeated subscribe answers and where a fresh one starts. */
  position(channel: string, namespace: NamespaceDefinition, session: Session): Promise<ChannelPosition>;
  /** This node got its first local subscriber of `channel`: from now on the engine's listener must get its publications. */
  attach(channel: string, namespace: NamespaceDefinition, session: Session): Promise<void>;
  /** This node lost its last local subscriber of `channel`. */
  detach(channel: string, namespace: NamespaceDefinition): Promise<void>;
  /**
   * The channel's latest value, sent to a subscriber that starts fresh or could
   * not recover (state channels); sources without one send nothing.
   */
  latest?(channel: string, namespace: NamespaceDefinition): Promise<Publication | undefined>;
  /**
   * A source that keeps what each subscriber is owed itself (the inbox: its
   * unread notifications) sends it with `send` and resolves to the position the
   * subscriber is at; `since` and `rewind` do not apply then. Sources without it
   * recover from the engine's history.
   */
  owed?(sub: Subscription, send: (publication: Publication) => void): Promise<ChannelPosition>;
  /**
   * A publication of this kind from the engine: a source that numbers its own
   * publications puts them in order here, drops what is not its own, and hands
   * the rest to the hub (`Hub.dispatch`) itself. Publications of sources without
   * it go to the hub at once, in the engine's order.
   */
  receive?(publication: Publication): void;
  /**
   * Told by the hub each time a publication of this kind was written to at least one
   * connection (the inbox keeps it as the delivered position of clients that never
   * acknowledge). Called on the delivery path: cheap, never throws.
   */
  delivered?(channel: string, offset: number): void;
}

/** The kinds a gateway's catalogue may use; each needs a registered source. */
export type { ChannelKind };
