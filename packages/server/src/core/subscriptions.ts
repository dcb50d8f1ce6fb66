import {
  atLeast,
  admits,
  buildCatalogue,
  isChannelError,
  parseChannel,
  TickwireError,
  type FailedChannel,
  type NamespaceDefinition,
  type SubscribedChannel,
  type PresenceUser,
  type SubscribeItem,
} from "@tickwire/protocol";
import type { Logger } from "../observability/logger.js";
import type { Engine } from "./engine.js";
import type { ChannelSource } from "./channel-source.js";
import type { ChannelSources } from "./channel-sources.js";
import type { Hub } from "./hub.js";
import type { Publication } from "./publication.js";
import { channelError, fieldSetKey, toTickwireError } from "./rules.js";
import type { Session } from "./session.js";
import { SubscribeAttempts, type SubscribeAttempt } from "./subscribe-attempts.js";
import { Subscription, type LegacyView } from "./subscription.js";

/** Options of the subscription manager. */
export interface SubscriptionManagerOptions {
  readonly catalogue: ReturnType<typeof buildCatalogue>;
  readonly engine: Engine;
  readonly hub: Hub;
  readonly logger: Logger;
  /** Subscriptions of limit-counted namespaces per connection, by tier. */
  readonly maxSubscriptions: Readonly<Record<string, number>>;
  /** Most publications replayed on one recovery. */
  readonly maxRecoveryPublications: number;
  /** The channel source of each kind: positions, what a new subscriber is owed, this node's first and last subscriber. */
  readonly sources: ChannelSources;
  /** Asked after Tickwire's own rules admitted a new subscription (the subscribe proxy); throws a TickwireError to refuse it. */
  readonly check?: SubscribeCheck | undefined;
  /** Told when this node gets its first local subscriber of a channel (`true`) and loses its last (`false`): occupancy. */
  readonly onLocal?: ((channel: string, namespace: NamespaceDefinition, present: boolean) => void) | undefined;
}

/** A further check of a new subscription, after Tickwire's own rules; throws a TickwireError to refuse. */
export type SubscribeCheck = (session: Session, channel: string, namespace: NamespaceDefinition) => Promise<void>;
/** Who is subscribed to a canonical channel across all nodes: users sorted by id, with their connection counts; UNAVAILABLE when the engine cannot tell now. */
export async function readPresence(engine: Engine, channel: string): Promise<{ channel: string; users: PresenceUser[]; connections: number }> {
  let entries;
  try {
    entries = (await engine.presence?.(channel)) ?? [];
  } catch (err) {
    throw new TickwireError("UNAVAILABLE", "Presence cannot be read right now; retry.", { cause: err });
  }
  const counts = new Map<string, number>();
  const clients = new Set<string>();
  for (const e of entries) {
    if (clients.has(e.clientId)) continue;
    clients.add(e.clientId);
    counts.set(e.userId, (counts.get(e.userId) ?? 0) + 1);
  }
  const users = [...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([userId, connections]) => ({ userId, connections }));
  return { channel, users, connections: clients.size };
}

/** The refusal of a subscribe whose subscription was ended before it was answered. */
function ended(): TickwireError {
  return new TickwireError("CONFLICT", "The subscription was ended while it was being set up.");
}

const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** How a subscription delivers, beyond what the protocol's subscribe item says. */
export interface SubscribeOptions {
  /**
   * Emit the channel's publications (snapshots and replays included) under this
   * view's event name and shape instead of their own; legacy clients
   * (docs/legacy-clients.md). The last subscribe of a channel decides: a
   * subscribe without it clears it.
   */
  readonly view?: LegacyView | undefined;
  /** A legacy client's subscription: it gets the namespace's `legacyRewind` (it cannot ask for `rewind`). */
  readonly legacy?: boolean | undefined;
  /** Called for each publication replayed by a `since` recovery or a rewind (resumption counts them). */
  readonly onReplay?: ((publication: Publication) => void) | undefined;
}

/**
 * Subscribes and unsubscribes sessions: authorisation, limits, and recovery
 * (docs/protocol.md, "Recovery"). Live publications that arrive while history is read
 * are buffered by the hub and merged by offset, so the subscriber sees no gap
 * and no duplicate.
 */
export class SubscriptionManager {
  /**
   * The engine subscription of a channel while it is being made. A second subscriber of the
   * channel on this node waits for it before reading history: the engine delivers live
   * publications only from the position it read once subscribed, so one read earlier would
   * leave the publications in between to nobody.
   */
  private readonly engineSubscribing = new Map<string, Promise<void>>();
  private readonly attempts = new SubscribeAttempts();

  constructor(private readonly options: SubscriptionManagerOptions) {}

  /** Subscribes `session` to one requested channel; never throws for a refusal, it answers `failed`. */
  async subscribe(session: Session, item: SubscribeItem, options: SubscribeOptions = {}): Promise<{ ok: SubscribedChannel } | { failed: FailedChannel }> {
    const requested = typeof item === "string" ? item : item.channel;
    try {
      return { ok: await this.subscribeOne(session, item, requested, options.view, options.onReplay, options.legacy === true) };
    } catch (err) {
      const e = toTickwireError(err);
      if (e.code === "INTERNAL") this.options.logger.error({ err, channel: requested }, "subscribe failed");
      return { failed: { channel: requested, code: e.code, message: e.message } };
    }
  }

  /** Unsubscribes one channel name (bare owner names resolve to the caller's own); true when it was subscribed. */
  async unsubscribe(session: Session, name: string): Promise<string | undefined> {
    const parsed = parseChannel(name, this.options.catalogue, session.userId);
    const channel = isChannelError(parsed) ? name : parsed.channel;
    const sub = session.subscriptions.get(channel);
    if (!sub) return undefined;
    await this.drop(session, sub);
    return channel;
  }

  /**
   * Ends a subscription for the platform (a server-side unsubscribe, a removed room member):
   * like `unsubscribe`, and a subscribe of the channel still under way is refused when it
   * completes, so it cannot go live after the removal. Returns the channel when it was subscribed.
   */
  async revoke(session: Session, name: string): Promise<string | undefined> {
    const parsed = parseChannel(name, this.options.catalogue, session.userId);
    const channel = isChannelError(parsed) ? name : parsed.channel;
    this.attempts.revoke(session, (a) => a.channel === channel);
    return this.unsubscribe(session, channel);
  }

  /** The session's subscription of one channel name (bare owner names resolve to the caller's own), if any. */
  find(session: Session, name: string): Subscription | undefined {
    const parsed = parseChannel(name, this.options.catalogue, session.userId);
    return session.subscriptions.get(isChannelError(parsed) ? name : parsed.channel);
  }

  /** Drops every subscription of a closing session. */
  async dropAll(session: Session): Promise<void> {
    await Promise.all([...session.subscriptions.values()].map((sub) => this.drop(session, sub)));
  }

  /** Re-checks subscriptions after the session's tier changed; returns the channels dropped. */
  async revalidate(session: Session): Promise<string[]> {
    const dropped: string[] = [];
    this.attempts.revoke(session, (a) => !admits(a.namespace, session.tier, session.identity.roles));
    for (const sub of [...session.subscriptions.values()]) {
      if (!admits(sub.namespace, session.tier, session.identity.roles)) {
        await this.drop(session, sub);
        dropped.push(sub.channel);
      } else {
        this.options.hub.retier(sub);
      }
    }
    return dropped;
  }

  /**
   * Who is subscribed to `name` across all nodes, for `session`: `stats` asks for the
   * counts only. Refused like a subscribe (unknown, another user's, below the
   * namespace's tier), and when the namespace keeps no presence or the session's
   * tier is below the one presence asks for.
   */
  async presenceFor(session: Session, name: string, stats: boolean): Promise<{ channel: string; users: PresenceUser[]; connections: number }> {
    const { channel, namespace } = this.authorize(session, name, name);
    const need = stats ? namespace.presence?.statsMinTier : namespace.presence?.minTier;
    if (need === undefined || !this.options.engine.presence) throw new TickwireError("BAD_REQUEST", `"${namespace.name}" channels keep no presence.`);
    if (!atLeast(session.tier, need)) throw new TickwireError("FORBIDDEN", `Presence of "${namespace.name}" needs tier ${need} or above; you are ${session.tier}.`);
    return readPresence(this.options.engine, channel);
  }

  private async drop(session: Session, sub: Subscription): Promise<void> {
    if (session.subscriptions.get(sub.channel) === sub) session.subscriptions.delete(sub.channel);
    if (sub.namespace.presence && this.options.engine.presenceLeave) {
      await this.options.engine.presenceLeave(sub.channel, session.id).catch((err: unknown) => this.options.logger.warn({ err, channel: sub.channel }, "presence leave failed; the entry expires"));
    }
    if (this.options.hub.remove(sub)) {
      this.options.onLocal?.(sub.channel, sub.namespace, false);
      // A subscription exists only once its kind's source was found, and sources are never taken away.
      await this.options.sources.of(sub.namespace).detach(sub.channel, sub.namespace).catch(() => undefined);
    }
  }

  private authorize(session: Session, item: SubscribeItem, requested: string): { channel: string; namespace: NamespaceDefinition } {
    const parsed = parseChannel(requested, this.options.catalogue, session.userId);
    if (isChannelError(parsed)) throw channelError(parsed);
    const { namespace } = parsed;
    if (namespace.access === "owner" && parsed.key !== session.userId) {
      throw new TickwireError("FORBIDDEN", `"${parsed.channel}" belongs to another user.`);
    }
    if (!admits(namespace, session.tier, session.identity.roles)) {
      const roles = namespace.roles?.length ? ` (or the role ${namespace.roles.join(" or ")})` : "";
      throw new TickwireError("FORBIDDEN", `"${namespace.name}" needs tier ${namespace.minTier} or above${roles}; you are ${session.tier}.`);
    }
    if (typeof item !== "string" && item.rewind !== undefined) {
      if (item.since !== undefined) throw new TickwireError("BAD_REQUEST", "since and rewind exclude each other: since resumes from a position, rewind starts from the last N publications.");
      if (namespace.kind !== "event") throw new TickwireError("BAD_REQUEST", `"${namespace.name}" keeps no history to rewind (it is a ${namespace.kind} channel).`);
    }
    if (typeof item !== "string" && item.fields !== undefined) {
      if (!namespace.fieldFilter) throw new TickwireError("BAD_REQUEST", `"${namespace.name}" does not take a fields filter.`);
      const bad = item.fields.find((f) => !FIELD_NAME.test(f));
      if (bad !== undefined) throw new TickwireError("BAD_REQUEST", `"${bad}" is not a valid field name.`);
    }
    return { channel: parsed.channel, namespace };
  }

  private async subscribeOne(
    session: Session,
    item: SubscribeItem,
    requested: string,
    view: LegacyView | undefined,
    onReplay?: (publication: Publication) => void,
    legacy = false,
  ): Promise<SubscribedChannel> {
    const { channel, namespace } = this.authorize(session, item, requested);
    const attempt = this.attempts.begin(session, channel, namespace);
    try {
      return await this.admitted(session, item, requested, channel, namespace, attempt, view, onReplay, legacy);
    } finally {
      this.attempts.end(session, attempt);
    }
  }

  private async admitted(
    session: Session,
    item: SubscribeItem,
    requested: string,
    channel: string,
    namespace: NamespaceDefinition,
    attempt: SubscribeAttempt,
    view: LegacyView | undefined,
    onReplay: ((publication: Publication) => void) | undefined,
    legacy: boolean,
  ): Promise<SubscribedChannel> {
    const source = this.options.sources.of(namespace);
    const fields = typeof item === "string" ? undefined : item.fields;
    const since = typeof item === "string" ? undefined : item.since;
    const asked = typeof item === "string" ? undefined : item.rewind;
    const byDefault = legacy && since === undefined && (namespace.legacyRewind ?? 0) > 0 ? namespace.legacyRewind : undefined;
    const rewind = asked ?? byDefault;
    const named = (reply: Omit<SubscribedChannel, "channel" | "requested">): SubscribedChannel =>
      channel === requested ? { channel, ...reply } : { channel, requested, ...reply };

    let existing = session.subscriptions.get(channel);
    if (!existing && this.options.check) {
      // Only a new subscription is asked about; one that came in meanwhile is answered as a repeat.
      await this.options.check(session, channel, namespace);
      if (session.closed) throw new TickwireError("CONFLICT", "The connection closed while the subscription was being checked.");
      if (attempt.revoked) throw ended();
      existing = session.subscriptions.get(channel);
    }
    if (existing) {
      // Subscribing twice is harmless: only the field set and the legacy view may change.
      if (existing.fieldsKey !== fieldSetKey(fields)) this.options.hub.refield(existing, fields);
      if (existing.view !== view) this.options.hub.review(existing, view);
      const position = await source.position(channel, namespace, session);
      if (attempt.revoked) throw ended();
      return named({ offset: Math.max(existing.recovery.offset, position.offset), epoch: position.epoch });
    }
    if (namespace.countsTowardLimit) {
      const max = this.options.maxSubscriptions[session.tier] ?? 0;
      if (session.countedSubscriptions() >= max) {
        throw new TickwireError("LIMIT_EXCEEDED", `Tier ${session.tier} may watch at most ${max} ${namespace.name} channels per connection.`);
      }
    }

    const sub = new Subscription(session, channel, namespace, fields, view);
    session.subscriptions.set(channel, sub);
    if (this.options.hub.add(sub)) {
      this.options.onLocal?.(channel, namespace, true);
      const subscribing = source.attach(channel, namespace, session);
      this.engineSubscribing.set(channel, subscribing);
      try {
        await subscribing;
      } catch (err) {
        await this.drop(session, sub);
        throw new TickwireError("UNAVAILABLE", "The channel cannot be subscribed right now; retry.", { cause: err });
      } finally {
        if (this.engineSubscribing.get(channel) === subscribing) this.engineSubscribing.delete(channel);
      }
    } else {
      const pending = this.engineSubscribing.get(channel);
      if (pending) {
        try {
          await pending;
        } catch (err) {
          await this.drop(session, sub);
          throw new TickwireError("UNAVAILABLE", "The channel cannot be subscribed right now; retry.", { cause: err });
        }
      }
    }
    try {
      const reply = await this.recover(sub, source, since, rewind, onReplay);
      if (session.closed || attempt.revoked || session.subscriptions.get(channel) !== sub) throw ended();
      if (namespace.presence && this.options.engine.presenceJoin) {
        // A presence write that fails does not refuse the subscription: the next renewal writes it.
        await this.options.engine.presenceJoin(channel, session.id, session.userId, namespace.presence.events === true).catch((err: unknown) => this.options.logger.warn({ err, channel }, "presence join failed; written on the next renewal"));
        if (session.closed || attempt.revoked || session.subscriptions.get(channel) !== sub) {
          await this.options.engine.presenceLeave?.(channel, session.id).catch(() => undefined);
          throw ended();
        }
      }
      return named(reply);
    } catch (err) {
      if (session.subscriptions.get(channel) === sub) await this.drop(session, sub);
      throw err;
    }
  }

  /** Sends what the subscriber is owed (replay or snapshot), merges the live buffer, and goes live. */
  private async recover(
    sub: Subscription,
    source: ChannelSource,
    since: { offset: number; epoch: string } | undefined,
    rewind?: number,
    onReplay?: (publication: Publication) => void,
  ): Promise<Omit<SubscribedChannel, "channel" | "requested">> {
    const { engine, hub } = this.options;
    const { channel, namespace } = sub;

    if (source.owed) {
      const position = await source.owed(sub, (publication) => hub.sendTo(sub, publication, false));
      this.goLive(sub, position.offset, position.epoch);
      return { offset: Math.max(position.offset, sub.recovery.offset), epoch: position.epoch };
    }

    let recovered: boolean | undefined;
    let replayed: number | undefined;
    let floor: number;
    let epoch: string;
    if (since !== undefined) {
      const read = await engine.history(channel, namespace, since.offset, this.options.maxRecoveryPublications);
      epoch = read.position.epoch;
      const sameEpoch = since.epoch === read.position.epoch;
      const nothingMissed = since.offset === read.position.offset;
      const last = read.publications[read.publications.length - 1];
      const covers = read.contiguous && last !== undefined && last.offset === read.position.offset;
      recovered = sameEpoch && (nothingMissed || covers);
      if (recovered) {
        // Where the subscriber starts: a resumed session's journal undoes its replays back to here.
        sub.recovery.start(since);
        for (const publication of read.publications) {
          onReplay?.(publication);
          hub.sendTo(sub, publication, false);
        }
        replayed = read.publications.length;
        floor = read.position.offset;
      } else {
        floor = read.position.offset;
        floor = await this.snapshot(sub, source, floor);
      }
    } else if (rewind !== undefined && namespace.kind === "event") {
      // The last `rewind` publications of the history (at most its size), oldest first, then live ones.
      const position = await engine.position(channel, namespace);
      const count = Math.min(rewind, namespace.history?.size ?? 0, this.options.maxRecoveryPublications);
      const read = count > 0 && position.offset > 0 ? await engine.history(channel, namespace, Math.max(0, position.offset - count), count) : { position, publications: [] };
      epoch = read.position.epoch;
      floor = read.position.offset;
      const first = read.publications[0];
      if (first !== undefined) sub.recovery.start({ epoch: first.epoch, offset: first.offset - 1 });
      for (const publication of read.publications) {
        onReplay?.(publication);
        hub.sendTo(sub, publication, false);
      }
      replayed = read.publications.length;
    } else {
      const position = await engine.position(channel, namespace);
      epoch = position.epoch;
      floor = position.offset;
      floor = await this.snapshot(sub, source, floor);
    }
    this.goLive(sub, floor, epoch);
    const offset = Math.max(floor, sub.recovery.offset);
    if (recovered === undefined) return replayed === undefined ? { offset, epoch } : { offset, epoch, replayed };
    return { offset, epoch, recovered, replayed: replayed ?? 0 };
  }

  /** Sends the channel's latest value where its source keeps one (state channels); returns the offset the subscriber is now at. */
  private async snapshot(sub: Subscription, source: ChannelSource, floor: number): Promise<number> {
    const latest = await source.latest?.(sub.channel, sub.namespace);
    if (latest === undefined) return floor;
    this.options.hub.sendTo(sub, latest, false);
    return Math.max(floor, latest.offset);
  }

  /** Sends what the recovery's merge says is still owed of the live buffer, then joins the live group (same tick: no gap). */
  private goLive(sub: Subscription, floor: number, epoch: string): void {
    for (const publication of sub.recovery.merge(floor, epoch)) this.options.hub.sendTo(sub, publication);
    this.options.hub.activate(sub);
  }
}
