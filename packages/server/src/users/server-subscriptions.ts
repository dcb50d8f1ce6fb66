import { isChannelError, parseChannel, TickwireError, type buildCatalogue, type DeliveredMeta, type FailedChannel, type NamespaceDefinition, type SubscribedChannel } from "@tickwire/protocol";
import type { Engine } from "../core/engine.js";
import type { Publication } from "../core/publication.js";
import { newTraceId } from "../core/publisher.js";
import type { Session } from "../core/session.js";
import type { SessionRegistry } from "../core/session-registry.js";
import type { SubscriptionManager } from "../core/subscriptions.js";
import type { Logger } from "../observability/logger.js";
import { randomBytes } from "node:crypto";
import { PendingUnsubscribes } from "./pending-unsubscribes.js";

/**
 * The engine channel that carries a user's control messages between nodes. Its name
 * cannot be a catalogue channel (namespaces have no `#`), and its namespace is not in
 * the catalogue: no client can subscribe it, no publisher publish on it.
 */
const CONTROL_PREFIX = "#user:";

/** A control channel: an event channel without history, in no catalogue. */
const CONTROL_NAMESPACE: NamespaceDefinition = Object.freeze({
  name: "#user",
  event: "#control",
  access: "owner",
  key: "owner",
  minTier: "navigator",
  kind: "event",
  history: Object.freeze({ size: 0, ttlMs: 0 }),
  description: "Server-side subscription requests of one user, between nodes.",
});

/** What travels on a control channel. */
interface ControlMessage {
  readonly action: "subscribe" | "unsubscribe";
  readonly channels: readonly string[];
  /** The node that sent it; it applied an unsubscribe to its own connections before sending. */
  readonly origin?: string;
}

/**
 * A message for the user's connections subscribed to one channel, delivered live
 * and kept in no history (a room publish to a role or to listed users).
 */
interface DeliverMessage {
  readonly action: "deliver";
  readonly channel: string;
  readonly event: string;
  readonly data: unknown;
  readonly ts: number;
  /** Whom the publish was for, repeated in the meta (`role` or `users`). */
  readonly to: "role" | "users";
  readonly role?: string | undefined;
}

/** Options of the server-side subscriptions. */
export interface ServerSubscriptionsOptions {
  readonly catalogue: ReturnType<typeof buildCatalogue>;
  readonly engine: Engine;
  readonly registry: SessionRegistry;
  readonly subscriptions: SubscriptionManager;
  readonly logger: Logger;
  /** First retry of an unsubscribe the engine could not take (doubling up to 5 s). @default 250 */
  readonly retryMinDelayMs?: number;
}

/**
 * Server-side subscriptions (protocol.md section 6): the platform subscribes or
 * unsubscribes every live connection of a user, on every node, and a token's
 * `channels` claim is subscribed at connect. Each node with connections of a user
 * listens on the user's control channel through the engine (the Redis engine
 * carries it between nodes); what a connection is subscribed to is decided by the
 * same rules as its own `subscribe` (owner, tier, roles, the subscribe proxy), and
 * the connection is told by `server:subscribed { subscribed, failed }` or
 * `server:unsubscribed { unsubscribed }`.
 */
export class ServerSubscriptions {
  /** Users this node listens for, with the engine subscription of their control channel. */
  private readonly listening = new Map<string, Promise<void>>();
  private readonly node = randomBytes(6).toString("hex");
  private readonly retries: PendingUnsubscribes;

  constructor(private readonly options: ServerSubscriptionsOptions) {
    this.retries = new PendingUnsubscribes({
      send: (userId, channels) => this.publish(userId, { action: "unsubscribe", channels, origin: this.node }),
      logger: options.logger,
      ...(options.retryMinDelayMs === undefined ? {} : { minDelayMs: options.retryMinDelayMs }),
    });
  }

  /** Users whose unsubscribe requests wait for the engine to reach the other nodes. */
  get pendingUnsubscribes(): number {
    return this.retries.size;
  }

  /** Stops retrying (the node closes). */
  close(): void {
    this.retries.close();
  }

  /** Resolves once this node receives the user's server-side subscriptions (it has a connection of theirs). */
  whenListening(userId: string): Promise<void> {
    return this.listening.get(userId) ?? Promise.reject(new Error(`no connection of ${userId} on this node`));
  }

  /** A session opened: the node listens for its user, and the token's channels are subscribed. */
  opened(session: Session): void {
    const { userId } = session;
    if (!this.listening.has(userId)) {
      const subscribed = this.options.engine.subscribe(controlChannel(userId), CONTROL_NAMESPACE).catch((err: unknown) => {
        this.options.logger.warn({ err, userId }, "server-side subscriptions of the user cannot be received");
      });
      this.listening.set(userId, subscribed);
    }
    const claimed = session.identity.channels;
    if (claimed !== undefined && claimed.length > 0) void this.apply(session, { action: "subscribe", channels: claimed });
  }

  /** A session closed: the node stops listening when it was the user's last here. */
  async closed(session: Session): Promise<void> {
    const { userId } = session;
    const listening = this.listening.get(userId);
    if (listening === undefined || this.options.registry.ofUser(userId).length > 0) return;
    this.listening.delete(userId);
    await listening;
    // A connection of the user that opened meanwhile listens again on its own.
    if (this.listening.has(userId)) return;
    await this.options.engine.unsubscribe(controlChannel(userId), CONTROL_NAMESPACE).catch(() => undefined);
  }

  /** Takes the engine's control publications; false for every other publication. */
  handle(publication: Publication): boolean {
    if (!publication.channel.startsWith(CONTROL_PREFIX)) return false;
    const userId = publication.channel.slice(CONTROL_PREFIX.length);
    const deliver = publication.data as DeliverMessage;
    if (deliver?.action === "deliver") {
      if (typeof deliver.channel !== "string" || typeof deliver.event !== "string") {
        this.options.logger.warn({ userId }, "an unreadable delivery was dropped");
        return true;
      }
      const meta: DeliveredMeta = { channel: deliver.channel, ts: deliver.ts, to: deliver.to, ...(deliver.role === undefined ? {} : { role: deliver.role }) };
      for (const session of this.options.registry.ofUser(userId)) {
        // Only a connection subscribed to the channel gets it: the same rule as a publication of the channel.
        if (!session.closed && session.subscriptions.has(deliver.channel)) session.connection.publish(deliver.event, deliver.data, meta);
      }
      return true;
    }
    const message = publication.data as ControlMessage;
    // Written by request() only; anything else on the channel is dropped.
    if ((message?.action !== "subscribe" && message?.action !== "unsubscribe") || !Array.isArray(message.channels) || message.channels.some((c) => typeof c !== "string")) {
      this.options.logger.warn({ userId }, "an unreadable server-side subscription request was dropped");
      return true;
    }
    // The sender applied its unsubscribe to its own connections already.
    if (message.action === "unsubscribe" && message.origin === this.node) return true;
    for (const session of this.options.registry.ofUser(userId)) void this.apply(session, message);
    return true;
  }

  /**
   * Sends a request to every node: the channels are checked here first (names, keys;
   * bare owner names are the user's own) and answered in canonical form.
   * An unsubscribe takes effect on this node's connections first, whatever the engine does;
   * when the engine cannot carry it to the other nodes it is retried until it can, and the
   * caller is told UNAVAILABLE (the other nodes keep the subscriptions until then).
   * @throws TickwireError BAD_REQUEST / UNKNOWN_CHANNEL naming the first bad channel (nothing is sent), UNAVAILABLE when the engine cannot take it.
   */
  async request(userId: string, action: ControlMessage["action"], names: readonly string[]): Promise<string[]> {
    const channels: string[] = [];
    for (const name of names) {
      const parsed = parseChannel(name, this.options.catalogue, userId);
      if (isChannelError(parsed)) throw new TickwireError(parsed.reason === "unknown_namespace" ? "UNKNOWN_CHANNEL" : "BAD_REQUEST", `${JSON.stringify(name)}: ${parsed.message}`);
      if (!channels.includes(parsed.channel)) channels.push(parsed.channel);
    }
    // The newest request for a channel wins: an older unsubscribe still waiting must not undo this one.
    this.retries.cancel(userId, channels);
    if (action === "subscribe") {
      try {
        await this.publish(userId, { action, channels });
      } catch (err) {
        throw new TickwireError("UNAVAILABLE", "The request cannot be sent to the nodes right now; retry.", { cause: err });
      }
      return channels;
    }
    const message: ControlMessage = { action, channels, origin: this.node };
    await Promise.all(this.options.registry.ofUser(userId).map((session) => this.apply(session, message)));
    try {
      await this.publish(userId, message);
    } catch (err) {
      this.retries.add(userId, channels);
      this.options.logger.warn({ err, userId, channels }, "an unsubscribe request cannot reach the other nodes now; retried until it does");
      throw new TickwireError(
        "UNAVAILABLE",
        "This node's connections were unsubscribed, but the other nodes cannot be reached right now: the request is sent to them as soon as they can be (repeating it is safe).",
        { cause: err },
      );
    }
    return channels;
  }

  private async publish(userId: string, message: ControlMessage): Promise<void> {
    await this.options.engine.publish(controlChannel(userId), CONTROL_NAMESPACE, { event: CONTROL_NAMESPACE.event, data: message, ts: Date.now(), traceId: newTraceId() });
  }

  /**
   * Sends one message to the connections of each user that are subscribed to the canonical
   * `channel`, on every node; live only (no history, no offset).
   * @throws TickwireError UNAVAILABLE when the engine cannot take it (users before the failing one were sent to).
   */
  async deliver(userIds: readonly string[], channel: string, message: Omit<DeliverMessage, "action" | "channel">, traceId: string): Promise<void> {
    for (const userId of userIds) {
      const data: DeliverMessage = { action: "deliver", channel, ...message };
      try {
        await this.options.engine.publish(controlChannel(userId), CONTROL_NAMESPACE, { event: CONTROL_NAMESPACE.event, data, ts: message.ts, traceId });
      } catch (err) {
        throw new TickwireError("UNAVAILABLE", "The message cannot be sent to the nodes right now; retry.", { cause: err });
      }
    }
  }

  private async apply(session: Session, message: ControlMessage): Promise<void> {
    try {
      if (message.action === "subscribe") {
        const subscribed: SubscribedChannel[] = [];
        const failed: FailedChannel[] = [];
        for (const channel of message.channels) {
          const result = await this.options.subscriptions.subscribe(session, channel);
          if ("ok" in result) subscribed.push(result.ok);
          else failed.push(result.failed);
        }
        if (!session.closed) session.connection.emit("server:subscribed", { subscribed, failed });
      } else {
        const unsubscribed: string[] = [];
        for (const channel of message.channels) {
          const done = await this.options.subscriptions.revoke(session, channel);
          if (done !== undefined) unsubscribed.push(done);
        }
        if (!session.closed && unsubscribed.length > 0) session.connection.emit("server:unsubscribed", { unsubscribed });
      }
    } catch (err) {
      this.options.logger.error({ err, userId: session.userId }, "a server-side subscription failed");
    }
  }
}

function controlChannel(userId: string): string {
  return CONTROL_PREFIX + userId;
}
