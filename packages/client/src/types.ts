import type {
  ConnectedPayload,
  PayloadOf,
  PublicationMeta,
  ShutdownPayload,
  SubscribedChannel,
  TickwireError,
} from "@tickwire/protocol/core";

/**
 * Connection state of a client:
 * - `connecting`: first connection attempt;
 * - `connected`: the server accepted the connection;
 * - `reconnecting`: the connection dropped (network, server restart, refused token) and the client is trying again;
 * - `disconnected`: closed by `client.close()`, or refused for good (bad static token, FORBIDDEN).
 */
export type ConnectionState = "connecting" | "connected" | "reconnecting" | "disconnected";

/** `meta` given to a subscription handler: the wire meta plus the event name (`trade:executed`, …). */
export interface DeliveryMeta extends PublicationMeta {
  /** Server event the publication arrived as. */
  event: string;
  /**
   * False for what the server sends while a subscription is being set up (a state
   * channel's latest value, a recovery replay, the unread inbox), true for
   * publications that arrived after the subscription was confirmed.
   */
  live: boolean;
  /**
   * Set for a message the platform sent to some members of a room only (`"role"`: the
   * members of `role`; `"users"`: listed members). Such a message is kept in no history:
   * `offset` and `epoch` are the channel's position when it arrived, unchanged by it.
   */
  to?: "role" | "users";
  /** The role a `to: "role"` message was for. */
  role?: string;
}

/** A subscription handler: called once per publication, in channel order. */
export type ChannelHandler<C extends string> = (payload: PayloadOf<C>, meta: DeliveryMeta) => void;

/** Why the app must refetch a channel's state: history could not be repaired. */
export interface ResyncInfo {
  /** Canonical channel name. */
  channel: string;
  /** `not_recovered` when a resubscribe was answered `recovered: false`; otherwise the server's `resync` reason. */
  reason: string;
}

/** Told when a resubscribe after a reconnect recovered the missed publications. */
export interface RecoveredInfo {
  channel: string;
  /** How many publications the server replayed. */
  replayed: number;
}

/** Options of one `client.subscribe` call. */
export interface SubscribeOptions {
  /**
   * Quotes only: payload fields to deliver (`symbol` always comes). Fields
   * apply per channel, not per local subscription: the server subscription
   * uses the union of all local subscriptions' fields, or no filter as soon
   * as one local subscription gives none; a change of that union
   * resubscribes the channel.
   */
  fields?: readonly string[];
  /**
   * Event channels: the last N publications of the channel's history (1 to 1000,
   * at most its size) are delivered first, with `live: false`, when the channel is
   * subscribed on the server without a position to recover from (the first
   * subscribe). The largest asked by the channel's local subscriptions applies.
   */
  rewind?: number;
  /** Called when this channel's history could not be recovered; refetch its state. */
  onResync?: (info: ResyncInfo) => void;
  /** Called when the server refuses the channel (FORBIDDEN, UNKNOWN_CHANNEL, …). */
  onError?: (error: TickwireError) => void;
}

/** A local subscription returned by `client.subscribe`. */
export interface Subscription<C extends string = string> {
  /** The name as given to `subscribe`. */
  readonly channel: C;
  /** Canonical name once the server answered (`trades` → `trades:alice`). */
  readonly canonical: string | undefined;
  /** Resolves when the server first confirms the channel; rejects with a TickwireError when refused. */
  readonly ready: Promise<SubscribedChannel>;
  /** Whether `unsubscribe` has not been called yet. */
  readonly active: boolean;
  /** Stops delivery to this handler; the server subscription ends with the last local one. */
  unsubscribe(): void;
}

/** Events of a client (`client.on(event, listener)`). */
export interface ClientEventMap {
  state: [state: ConnectionState];
  connected: [payload: ConnectedPayload];
  recovered: [info: RecoveredInfo];
  resync: [info: ResyncInfo];
  error: [error: TickwireError];
  /** A new token was fetched and accepted by the server (`auth:refresh`) or used to reconnect. */
  token: [info: { token: string }];
  /** The server announced a restart; the client reconnects after `reconnectAfterMs` plus jitter. */
  shutdown: [payload: ShutdownPayload];
}
