import type { NamespaceDefinition, Tier } from "@tickwire/protocol";
import { DEFAULT_OPTIONS } from "../config/defaults.js";
import type { Logger } from "../observability/logger.js";
import type { GatewayMetrics } from "../observability/metrics.js";
import type { Broadcaster, Connection } from "./connection.js";
import type { DeliveryPolicy, DeliveryPolicyFactory } from "./delivery-policy.js";
import type { Publication } from "./publication.js";
import { filterFields, metaOf, type LegacyView, type PublicationMeta, type SubscriberSession, type Subscription } from "./subscription.js";
import type { ChannelSources } from "./channel-sources.js";

/** Numbers every write to resumable connections and names it in a token (core/resumption.ts). */
export interface WriteNumbering {
  /** The next write number (node-wide, increasing). */
  next(): number;
  /** The token of write `write`: the trailing argument its packet carries. */
  token(write: number): string;
}

/** Sessions of one channel and tier, sharing one delivery policy (conflation timers are per group, not per socket). */
class DeliveryGroup {
  /** Subscriptions by delivery set (field set and legacy view): each set is encoded once per publication. */
  readonly byFields = new Map<string, Set<Subscription>>();
  policy!: DeliveryPolicy;
  size = 0;
}

/** Bounds of one socket's outbound queue (docs/streams.md, "Slow consumers"), in packets and in bytes. */
export interface OutboundLimits {
  /** Queued packets from which a socket is backed up: its state publications are held, latest wins, until it drains. @default DEFAULT_OPTIONS.stateBacklogPackets */
  readonly stateBacklogPackets: number;
  /** Queued packets at which an event publication disconnects the socket with SLOW_CONSUMER instead of queueing. @default DEFAULT_OPTIONS.maxQueuedPackets */
  readonly maxQueuedPackets: number;
  /** Queued bytes from which a socket is backed up (as stateBacklogPackets). @default DEFAULT_OPTIONS.stateBacklogBytes */
  readonly stateBacklogBytes: number;
  /** Queued bytes at which an event publication disconnects the socket with SLOW_CONSUMER. @default DEFAULT_OPTIONS.maxQueuedBytes */
  readonly maxQueuedBytes: number;
}

/** The defaults of OutboundLimits: the gateway options' defaults. */
export const DEFAULT_OUTBOUND_LIMITS: OutboundLimits = Object.freeze({
  stateBacklogPackets: DEFAULT_OPTIONS.stateBacklogPackets,
  maxQueuedPackets: DEFAULT_OPTIONS.maxQueuedPackets,
  stateBacklogBytes: DEFAULT_OPTIONS.stateBacklogBytes,
  maxQueuedBytes: DEFAULT_OPTIONS.maxQueuedBytes,
});

/** Local subscribers of one channel. */
class ChannelFanout {
  readonly groups = new Map<Tier, DeliveryGroup>();
  readonly recovering = new Set<Subscription>();
  size = 0;
}

/**
 * The local hub: channel → sessions of this node. The engine hands it every
 * publication in order; it buffers them for subscribers still recovering and
 * passes them to each (channel, tier) group's policy, which writes them to the
 * group's sockets, one encoding per distinct field set and legacy view.
 */
export class Hub {
  private readonly channels = new Map<string, ChannelFanout>();
  /** Called with the channel of each publication that has local subscribers (the ops page's channel rates). */
  onDispatch: ((channel: string) => void) | undefined;
  private readonly byNamespace = new Map<string, number>();
  /** Newest state publication held per subscription of a backed-up session, written when the socket drains. */
  private readonly held = new Map<SubscriberSession, Map<Subscription, Publication>>();
  /** Sessions being disconnected as slow consumers: nothing more is queued for them. */
  private readonly evicted = new WeakSet<SubscriberSession>();
  /** Set when sessions may resume: writes to resumable connections are numbered and journaled. */
  private numbering: WriteNumbering | undefined;

  constructor(
    private readonly broadcaster: Broadcaster,
    private readonly metrics: GatewayMetrics,
    private readonly policyFactory: DeliveryPolicyFactory,
    private readonly now: () => number = Date.now,
    private readonly limits: OutboundLimits = DEFAULT_OUTBOUND_LIMITS,
    private readonly logger?: Logger,
    /** The channel sources, told what was delivered (`ChannelSource.delivered`). */
    private readonly sources?: ChannelSources,
  ) {}

  /** Turns on resumption tokens for resumable sessions. */
  setNumbering(numbering: WriteNumbering): void {
    this.numbering = numbering;
  }

  /** Registers a subscription in the recovering state; true when it is the channel's first local one. */
  add(sub: Subscription): boolean {
    let fanout = this.channels.get(sub.channel);
    const first = fanout === undefined;
    if (!fanout) {
      fanout = new ChannelFanout();
      this.channels.set(sub.channel, fanout);
    }
    fanout.recovering.add(sub);
    fanout.size++;
    this.count(sub.namespace.name, 1);
    return first;
  }

  /** Ends recovery: the subscription joins its delivery group and gets live publications from now on. */
  activate(sub: Subscription): void {
    const fanout = this.channels.get(sub.channel);
    if (!fanout || !fanout.recovering.delete(sub)) return;
    this.join(fanout, sub);
  }

  /** Moves a subscription to another field set. */
  refield(sub: Subscription, fields: readonly string[] | undefined): void {
    this.regroup(sub, () => {
      sub.fields = fields;
    });
  }

  /** Changes how a subscription's publications are emitted (undefined: the protocol's own event and payload). */
  review(sub: Subscription, view: LegacyView | undefined): void {
    this.regroup(sub, () => {
      sub.view = view;
    });
  }

  /** Moves a subscription to the delivery group of its session's current tier (after auth:refresh). */
  retier(sub: Subscription): void {
    if (sub.tier === sub.session.tier) return;
    this.regroup(sub, () => {
      sub.tier = sub.session.tier;
    });
  }

  private regroup(sub: Subscription, change: () => void): void {
    const fanout = this.channels.get(sub.channel);
    if (!fanout || !sub.recovery.live) {
      change();
      return;
    }
    this.leave(fanout, sub);
    change();
    this.join(fanout, sub);
  }

  /** Removes a subscription; true when the channel has no local subscriber left. */
  remove(sub: Subscription): boolean {
    this.unhold(sub);
    const fanout = this.channels.get(sub.channel);
    if (!fanout) return false;
    const wasRecovering = fanout.recovering.delete(sub);
    if (!wasRecovering && !this.leave(fanout, sub)) return false;
    fanout.size--;
    this.count(sub.namespace.name, -1);
    if (fanout.size > 0) return false;
    this.channels.delete(sub.channel);
    return true;
  }

  /** Local subscriptions per channel (the ops page's top channels). */
  subscriberCounts(): Array<[channel: string, subscribers: number]> {
    return [...this.channels].map(([channel, fanout]) => [channel, fanout.size]);
  }

  /** Every local subscription of `channel`, the recovering ones included. */
  subscriptionsOf(channel: string): Subscription[] {
    const fanout = this.channels.get(channel);
    if (!fanout) return [];
    const out = [...fanout.recovering];
    for (const group of fanout.groups.values()) for (const set of group.byFields.values()) out.push(...set);
    return out;
  }

  /** Hands a publication to every local subscriber of its channel; never throws (a group that fails is told to resync). */
  dispatch(publication: Publication): void {
    const fanout = this.channels.get(publication.channel);
    if (!fanout) return;
    this.onDispatch?.(publication.channel);
    for (const sub of fanout.recovering) sub.recovery.buffer(publication);
    for (const group of fanout.groups.values()) {
      try {
        group.policy.offer(publication);
      } catch (err) {
        this.failed(publication, [...group.byFields.values()].flatMap((set) => [...set]), err);
      }
    }
  }

  /** Forgets everything held for a closed session (called on close, whatever its transport was doing). */
  forget(session: SubscriberSession): void {
    this.held.delete(session);
  }

  /** Sessions with state publications held until their socket drains, and how many publications. */
  heldCount(): { sessions: number; publications: number } {
    let publications = 0;
    for (const held of this.held.values()) publications += held.size;
    return { sessions: this.held.size, publications };
  }


  /**
   * Writes one publication to one subscriber: snapshots and replays (`live` false:
   * they are old by design, so they stay out of the delivery-latency figures),
   * merged recovery buffers and drained held values (`live` true).
   */
  sendTo(sub: Subscription, publication: Publication, live = true): void {
    // What the subscriber already has (a replay that a live arrival overtook, a repeated resend) is never written twice.
    if (sub.recovery.has(publication)) return;
    const meta = metaOf(publication);
    const payload = filterFields(publication.data, sub.fields, sub.namespace.keyField);
    const { view } = sub;
    const token = this.journal(sub, publication);
    if (sub.recovery.advance(publication)) this.resync(sub);
    try {
      if (view === undefined) sub.session.connection.publish(publication.event, payload, meta, token);
      else sub.session.connection.publish(view.event, viewed(view, payload, meta, publication.data), meta, token);
    } catch (err) {
      this.failed(publication, [sub], err);
      return;
    }
    this.sources?.delivered(sub.namespace, publication.channel, publication.offset);
    this.metrics.delivered(sub.namespace.name, 1, publication.ts, this.now(), live);
  }

  /** Numbers and journals one write to a resumable session; its token, or undefined for other sessions. */
  private journal(sub: Subscription, publication: Publication): string | undefined {
    const resume = sub.session.resume;
    if (resume === undefined || this.numbering === undefined) return undefined;
    const write = this.numbering.next();
    if (sub.namespace.kind !== "state") resume.journal.record(write, sub.channel, sub.recovery.position());
    resume.dirty = true;
    return this.numbering.token(write);
  }

  /** Subscriptions by namespace on this node. */
  subscriptionsByNamespace(): Record<string, number> {
    return Object.fromEntries(this.byNamespace);
  }

  /** Number of channels with local subscribers. */
  channelCount(): number {
    return this.channels.size;
  }

  /** Stops every policy timer. */
  close(): void {
    for (const fanout of this.channels.values()) for (const group of fanout.groups.values()) group.policy.close();
    this.channels.clear();
    this.held.clear();
  }

  private join(fanout: ChannelFanout, sub: Subscription): void {
    let group = fanout.groups.get(sub.tier);
    if (!group) {
      group = this.createGroup(sub.channel, sub.namespace, sub.tier);
      fanout.groups.set(sub.tier, group);
    }
    const key = sub.deliveryKey;
    let set = group.byFields.get(key);
    if (!set) {
      set = new Set();
      group.byFields.set(key, set);
    }
    set.add(sub);
    group.size++;
  }

  /** A group and its policy. The policy's callbacks hold nothing of the subscription that made it: the group outlives it. */
  private createGroup(channel: string, namespace: NamespaceDefinition, tier: Tier): DeliveryGroup {
    const group = new DeliveryGroup();
    group.policy = this.policyFactory({
      channel,
      namespace,
      tier,
      flush: (publication, deferred) => this.flush(group, publication, deferred === true),
      skipped: (n) => this.metrics.conflatedPublication(namespace.name, n),
    });
    return group;
  }

  private leave(fanout: ChannelFanout, sub: Subscription): boolean {
    const group = fanout.groups.get(sub.tier);
    const key = sub.deliveryKey;
    const set = group?.byFields.get(key);
    if (!group || !set || !set.delete(sub)) return false;
    if (set.size === 0) group.byFields.delete(key);
    group.size--;
    if (group.size === 0) {
      group.policy.close();
      fanout.groups.delete(sub.tier);
    }
    return true;
  }

  private flush(group: DeliveryGroup, publication: Publication, deferred = false): void {
    const meta = metaOf(publication);
    let delivered = 0;
    let namespace = "";
    for (const set of group.byFields.values()) {
      const targets: Connection[] = [];
      let first: Subscription | undefined;
      let write: number | undefined;
      for (const sub of set) {
        const { recovery } = sub;
        // A subscriber that already has this offset (merged from its recovery buffer) is skipped.
        if (recovery.has(publication)) continue;
        if (!this.admit(sub, publication)) continue;
        first ??= sub;
        targets.push(sub.session.connection);
        // One write number per encoding: every resumable socket of the set gets the same packet.
        if (sub.session.resume !== undefined && this.numbering !== undefined) {
          write ??= this.numbering.next();
          if (sub.namespace.kind !== "state") sub.session.resume.journal.record(write, sub.channel, recovery.position());
          sub.session.resume.dirty = true;
        }
        if (recovery.advance(publication)) this.resync(sub);
      }
      if (!first) continue;
      namespace = first.namespace.name;
      try {
        const payload = filterFields(publication.data, first.fields, first.namespace.keyField);
        // Once per set, never per socket: every subscription of the set has the same fields and view.
        const { view } = first;
        const state = first.namespace.kind === "state";
        const token = write === undefined ? undefined : this.numbering!.token(write);
        if (view === undefined) this.broadcaster.broadcast(targets, publication.event, payload, meta, state, token);
        else this.broadcaster.broadcast(targets, view.event, viewed(view, payload, meta, publication.data), meta, state, token);
      } catch (err) {
        this.failed(publication, [...set].filter((sub) => targets.includes(sub.session.connection)), err);
        continue;
      }
      delivered += targets.length;
      this.sources?.delivered(first.namespace, publication.channel, publication.offset);
    }
    if (delivered === 0) return;
    this.metrics.delivered(namespace, delivered, publication.ts, this.now(), true, deferred);
    this.logger?.debug({ traceId: publication.traceId, channel: publication.channel, offset: publication.offset, sockets: delivered }, "delivered");
  }

  /**
   * Whether `publication` may be queued for `sub` now. A backed-up socket gets
   * its state publications held (latest wins, written when it drains); a socket
   * whose queue is full when an event publication must go is disconnected with
   * SLOW_CONSUMER, since events are never dropped: it recovers from history.
   */
  private admit(sub: Subscription, publication: Publication): boolean {
    const { session } = sub;
    if (this.evicted.has(session)) return false;
    const { connection } = session;
    const queued = connection.bufferedPackets();
    if (sub.namespace.kind === "state") {
      if (queued >= this.limits.stateBacklogPackets || connection.bufferedBytes() >= this.limits.stateBacklogBytes) {
        this.hold(sub, publication);
        return false;
      }
      if (this.held.size > 0 && this.held.get(session)?.has(sub)) {
        this.unhold(sub);
        this.metrics.supersededPublication(sub.namespace.name);
      }
      return true;
    }
    const bytes = connection.bufferedBytes();
    if (queued < this.limits.maxQueuedPackets && bytes < this.limits.maxQueuedBytes) return true;
    this.evicted.add(session);
    this.metrics.slowConsumer();
    const waiting = queued >= this.limits.maxQueuedPackets ? `${queued} packets` : `${bytes} bytes`;
    connection.disconnect("SLOW_CONSUMER", `${waiting} were waiting to be sent to this connection; reconnect and recover from history.`);
    return false;
  }

  private hold(sub: Subscription, publication: Publication): void {
    const { session } = sub;
    // A closed session is forgotten: nothing may be held for it again.
    if (session.closed) return;
    let held = this.held.get(session);
    if (!held) {
      held = new Map();
      this.held.set(session, held);
      // Released after the drain handler returns: writes from inside the transport's flush are not re-entered.
      session.connection.onceDrained(() => queueMicrotask(() => this.release(session)));
    }
    if (held.has(sub)) this.metrics.supersededPublication(sub.namespace.name);
    held.set(sub, publication);
  }

  /**
   * The channel started another epoch (its history was lost, e.g. Redis lost its
   * keys): the subscriber's position means nothing any more, so it is told to
   * refetch before it gets the first publication of the new history.
   */
  private resync(sub: Subscription): void {
    sub.session.connection.emit("resync", { channel: sub.channel, reason: "The channel's history was lost; its offsets restarted under a new epoch." });
  }

  /**
   * A publication could not be written to `subs` (nothing that passed the input
   * bounds should fail; this is the last line of defence): logged, counted, and
   * each subscriber is told to resync, since it missed an offset.
   */
  private failed(publication: Publication, subs: readonly Subscription[], err: unknown): void {
    const namespace = subs[0]?.namespace.name ?? publication.channel.split(":")[0]!;
    this.metrics.deliveryFailures.inc({ namespace });
    this.logger?.error({ err, traceId: publication.traceId, channel: publication.channel, offset: publication.offset, sockets: subs.length }, "a publication could not be delivered");
    for (const sub of subs) {
      if (sub.session.closed) continue;
      try {
        sub.session.connection.emit("resync", { channel: sub.channel, reason: "A publication of this channel could not be delivered; refetch its state." });
      } catch (resyncErr) {
        this.logger?.error({ err: resyncErr, channel: sub.channel }, "resync could not be sent");
      }
    }
  }

  /** Drops what is held for one subscription, and the session's entry once nothing is left. */
  private unhold(sub: Subscription): void {
    const held = this.held.get(sub.session);
    if (!held) return;
    held.delete(sub);
    if (held.size === 0) this.held.delete(sub.session);
  }

  /** The socket drained: writes the newest held value of each of its state subscriptions. */
  private release(session: SubscriberSession): void {
    const held = this.held.get(session);
    if (!held) return;
    this.held.delete(session);
    if (session.closed || this.evicted.has(session)) return;
    for (const [sub, publication] of held) {
      if (sub.recovery.has(publication)) continue;
      if (session.connection.bufferedPackets() >= this.limits.stateBacklogPackets || session.connection.bufferedBytes() >= this.limits.stateBacklogBytes) this.hold(sub, publication);
      else this.sendTo(sub, publication);
    }
  }

  private count(namespace: string, delta: number): void {
    const n = (this.byNamespace.get(namespace) ?? 0) + delta;
    this.byNamespace.set(namespace, n);
    this.metrics.subscriptions.set({ namespace }, n);
  }
}

/** A payload in a legacy view's shape (its transform's, or as it is). */
function viewed(view: LegacyView, payload: unknown, meta: PublicationMeta, data: unknown): unknown {
  return view.transform === undefined ? payload : view.transform(payload, meta, data);
}
