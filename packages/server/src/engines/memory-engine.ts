import { randomBytes } from "node:crypto";
import type { NamespaceDefinition } from "@tickwire/protocol";
import type { Engine, HistoryRead, PresenceChange, PresenceEntry, PresenceListener, PublicationListener } from "../core/engine.js";
import type { ChannelPosition, Publication, PublishInput } from "../core/publication.js";
import type { HistoryStore } from "../core/store.js";
import type { SkipListener } from "../core/stored-data.js";
import { isDurable } from "../core/rules.js";
import type { Logger } from "../observability/logger.js";

/** Options of the single-node engine. */
export interface MemoryEngineOptions {
  /** Where event-channel history is written so that it survives a restart. */
  readonly history: HistoryStore;
  /** Clock, injectable for tests. @default Date.now */
  readonly now?: () => number;
  /** Most publications written in one transaction. @default 1000 */
  readonly maxBatch?: number;
  /** Where a listener failure is logged (the publication is stored and answered anyway). @default none */
  readonly logger?: Logger;
  /** Told about stored publications that history reads leave out. @default none */
  readonly onSkipped?: SkipListener;
}

interface ChannelState {
  epoch: string;
  offset: number;
  latest: Publication | undefined;
}

/** A durable publish waiting for the next group commit. */
interface PendingPublish {
  readonly channel: string;
  readonly namespace: NamespaceDefinition;
  readonly input: PublishInput;
  readonly resolve: (publication: Publication) => void;
  readonly reject: (err: unknown) => void;
}

/** A new epoch: random, short, URL-safe. */
export function newEpoch(): string {
  return randomBytes(6).toString("base64url");
}


/**
 * The single-node engine. Offsets are assigned here, the one point that orders
 * a channel. Event channels with history are written to the store before they
 * are fanned out, by group commit: every publish of one turn of the event loop
 * (and any that arrive while a write is running) goes into one transaction, in
 * call order, so a burst costs one commit instead of one per publication. State
 * channels keep their latest value in memory (a restart gives them a new epoch,
 * which recovering clients see as `recovered: false`).
 */
export class MemoryEngine implements Engine {
  readonly name = "memory";
  private readonly channels = new Map<string, ChannelState>();
  private readonly loading = new Map<string, Promise<ChannelState>>();
  private listener: PublicationListener = () => {};
  private readonly now: () => number;
  private readonly maxBatch: number;
  private queue: PendingPublish[] = [];
  private draining: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly options: MemoryEngineOptions) {
    this.now = options.now ?? Date.now;
    this.maxBatch = options.maxBatch ?? 1000;
  }

  async start(listener: PublicationListener): Promise<void> {
    this.listener = listener;
  }

  publish(channel: string, namespace: NamespaceDefinition, input: PublishInput): Promise<Publication> {
    if (this.closed) return Promise.reject(new Error("engine closed"));
    if (!isDurable(namespace)) {
      const state = this.channels.get(channel) ?? this.createState(channel, { epoch: newEpoch(), offset: 0 });
      const publication = this.next(channel, state, state.offset + 1, input);
      this.commit(state, publication);
      return Promise.resolve(publication);
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ channel, namespace, input, resolve, reject });
      this.draining ??= this.drain();
    });
  }

  /** One node: the publication goes straight to the listener, before this returns (as `hub.dispatch` would). */
  fanOut(publication: Publication): Promise<void> {
    try {
      this.listener(publication);
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(err);
    }
  }

  async subscribe(): Promise<void> {}

  async unsubscribe(): Promise<void> {}

  async position(channel: string, namespace: NamespaceDefinition): Promise<ChannelPosition> {
    const state = isDurable(namespace) ? await this.load(channel) : this.channels.get(channel) ?? this.createState(channel, { epoch: newEpoch(), offset: 0 });
    return { offset: state.offset, epoch: state.epoch };
  }

  async history(channel: string, namespace: NamespaceDefinition, afterOffset: number, limit: number): Promise<HistoryRead> {
    if (!isDurable(namespace)) {
      const position = await this.position(channel, namespace);
      return { position, publications: [], contiguous: afterOffset === position.offset };
    }
    const state = await this.load(channel);
    // The position is taken before the read: a publication committed meanwhile is
    // left out here and reaches a recovering subscriber through the hub's buffer.
    const position = { offset: state.offset, epoch: state.epoch };
    if (afterOffset >= position.offset) return { position, publications: [], contiguous: afterOffset === position.offset };
    const minTs = namespace.history.ttlMs > 0 ? this.now() - namespace.history.ttlMs : 0;
    // A skipped row is a counted error, not a gap in history: the range after it is still contiguous.
    let firstSkipped = Infinity;
    const read = await this.options.history.read(channel, position.epoch, afterOffset, limit, minTs, (offset, reason) => {
      firstSkipped = Math.min(firstSkipped, offset);
      this.options.onSkipped?.({ channel, offset, reason });
    });
    const publications = read.filter((p) => p.offset <= position.offset);
    const first = Math.min(publications[0]?.offset ?? Infinity, firstSkipped);
    const contiguous = publications.length > 0 && first === afterOffset + 1;
    return { position, publications, contiguous };
  }

  async latest(channel: string): Promise<Publication | undefined> {
    return this.channels.get(channel)?.latest;
  }

  /** Presence of this node's channels: channel → clientId → userId. */
  private readonly present = new Map<string, Map<string, string>>();
  /** Connections per user of this node's channels: channel → userId → count. */
  private readonly users = new Map<string, Map<string, number>>();
  /** Channels whose presence changes are announced. */
  private readonly announcing = new Set<string>();
  private presenceListener: PresenceListener = () => {};

  onPresenceChange(listener: PresenceListener): void {
    this.presenceListener = listener;
  }

  async presenceJoin(channel: string, clientId: string, userId: string, announce = false): Promise<void> {
    let clients = this.present.get(channel);
    if (!clients) this.present.set(channel, (clients = new Map()));
    if (announce) this.announcing.add(channel);
    if (clients.get(clientId) === userId) return;
    clients.set(clientId, userId);
    let users = this.users.get(channel);
    if (!users) this.users.set(channel, (users = new Map()));
    const count = (users.get(userId) ?? 0) + 1;
    users.set(userId, count);
    if (count === 1 && this.announcing.has(channel)) this.announce({ channel, userId, joined: true });
  }

  async presenceLeave(channel: string, clientId: string): Promise<void> {
    const clients = this.present.get(channel);
    const userId = clients?.get(clientId);
    if (!clients || userId === undefined) return;
    clients.delete(clientId);
    const users = this.users.get(channel)!;
    const count = users.get(userId)! - 1;
    if (count > 0) users.set(userId, count);
    else users.delete(userId);
    const announcing = this.announcing.has(channel);
    if (clients.size === 0) {
      this.present.delete(channel);
      this.users.delete(channel);
      this.announcing.delete(channel);
    }
    if (count === 0 && announcing) this.announce({ channel, userId, joined: false });
  }

  private announce(change: PresenceChange): void {
    try {
      this.presenceListener(change);
    } catch {
      // The listener is the gateway's fan-out, which does not throw; nothing to undo here.
    }
  }

  async presence(channel: string): Promise<PresenceEntry[]> {
    return [...(this.present.get(channel) ?? [])].map(([clientId, userId]) => ({ clientId, userId }));
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.draining;
  }

  /** Writes queued durable publishes in batches until the queue is empty, then fans them out in order. */
  private async drain(): Promise<void> {
    // Publishes made later in this same turn join the first batch.
    await Promise.resolve();
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        try {
          await this.writeBatch(batch);
        } catch (err) {
          // Never an unhandled rejection: whoever is still waiting gets the error (settling twice is a no-op).
          for (const pending of batch) pending.reject(err);
        }
      }
    } finally {
      this.draining = undefined;
    }
  }

  private async writeBatch(batch: PendingPublish[]): Promise<void> {
    const failedLoads = new Map<string, unknown>();
    const channels = [...new Set(batch.map((p) => p.channel))].filter((c) => !this.channels.has(c));
    await Promise.all(channels.map((c) => this.load(c).catch((err: unknown) => failedLoads.set(c, err))));

    const ready: Array<{ pending: PendingPublish; state: ChannelState; publication: Publication }> = [];
    const nextOffset = new Map<string, number>();
    for (const pending of batch) {
      const loadError = failedLoads.get(pending.channel);
      if (loadError !== undefined) {
        pending.reject(loadError);
        continue;
      }
      const state = this.channels.get(pending.channel)!;
      const offset = (nextOffset.get(pending.channel) ?? state.offset) + 1;
      nextOffset.set(pending.channel, offset);
      ready.push({ pending, state, publication: this.next(pending.channel, state, offset, pending.input) });
    }
    if (ready.length === 0) return;
    try {
      await this.options.history.appendMany(ready.map((r) => ({ publication: r.publication, limits: r.pending.namespace.history })));
    } catch (err) {
      // Nothing of the batch was stored and no offset was used: each publisher gets the error.
      for (const r of ready) r.pending.reject(err);
      return;
    }
    for (const r of ready) {
      this.commit(r.state, r.publication);
      r.pending.resolve(r.publication);
    }
  }

  private next(channel: string, state: ChannelState, offset: number, input: PublishInput): Publication {
    return { channel, offset, epoch: state.epoch, ts: input.ts, event: input.event, data: input.data, traceId: input.traceId };
  }

  /**
   * Makes a stored publication the channel's newest and hands it to the listener.
   * A listener failure is logged and goes no further: the publication is stored,
   * so its publisher is answered, and so are the others of its commit.
   */
  private commit(state: ChannelState, publication: Publication): void {
    state.offset = publication.offset;
    state.latest = publication;
    try {
      this.listener(publication);
    } catch (err) {
      this.options.logger?.error({ err, channel: publication.channel, offset: publication.offset, traceId: publication.traceId }, "delivering a stored publication failed");
    }
  }

  private createState(channel: string, position: ChannelPosition): ChannelState {
    const state: ChannelState = { epoch: position.epoch, offset: position.offset, latest: undefined };
    this.channels.set(channel, state);
    return state;
  }

  private load(channel: string): Promise<ChannelState> {
    const known = this.channels.get(channel);
    if (known) return Promise.resolve(known);
    let pending = this.loading.get(channel);
    if (!pending) {
      pending = this.options.history
        .loadPosition(channel)
        .then((stored) => this.channels.get(channel) ?? this.createState(channel, stored ?? { epoch: newEpoch(), offset: 0 }))
        .finally(() => this.loading.delete(channel));
      this.loading.set(channel, pending);
    }
    return pending;
  }
}

