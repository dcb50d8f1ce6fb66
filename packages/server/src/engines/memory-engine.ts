import { randomBytes } from "node:crypto";
import type { NamespaceDefinition } from "@tickwire/protocol";
import type { Engine, HistoryRead, PublicationListener } from "../core/engine.js";
import type { ChannelPosition, Publication, PublishInput } from "../core/publication.js";
import type { HistoryStore } from "../core/store.js";

/** Options of the single-node engine. */
export interface MemoryEngineOptions {
  /** Where event-channel history is written so that it survives a restart. */
  readonly history: HistoryStore;
  /** Clock, injectable for tests. @default Date.now */
  readonly now?: () => number;
}

interface ChannelState {
  epoch: string;
  offset: number;
  latest: Publication | undefined;
  /** Serialises publishes of a durable channel: offsets are assigned and written one at a time. */
  tail: Promise<unknown>;
}

/** A new epoch: random, short, URL-safe. */
export function newEpoch(): string {
  return randomBytes(6).toString("base64url");
}

function isDurable(namespace: NamespaceDefinition): boolean {
  return namespace.kind === "event" && namespace.history.size > 0;
}

/**
 * The single-node engine. Offsets are assigned here, the one point that orders
 * a channel. Event channels with history are written to the store before they
 * are fanned out; state channels keep their latest value in memory (a restart
 * gives them a new epoch, which recovering clients see as `recovered: false`).
 */
export class MemoryEngine implements Engine {
  readonly name = "memory";
  private readonly channels = new Map<string, ChannelState>();
  private readonly loading = new Map<string, Promise<ChannelState>>();
  private listener: PublicationListener = () => {};
  private readonly now: () => number;
  private closed = false;

  constructor(private readonly options: MemoryEngineOptions) {
    this.now = options.now ?? Date.now;
  }

  async start(listener: PublicationListener): Promise<void> {
    this.listener = listener;
  }

  async publish(channel: string, namespace: NamespaceDefinition, input: PublishInput): Promise<Publication> {
    if (this.closed) throw new Error("engine closed");
    if (!isDurable(namespace)) {
      const state = this.channels.get(channel) ?? this.createState(channel, { epoch: newEpoch(), offset: 0 });
      return this.commit(channel, state, input);
    }
    const state = await this.load(channel);
    const run = state.tail.then(async () => {
      const publication = this.next(channel, state, input);
      await this.options.history.append(publication, namespace.history);
      state.offset = publication.offset;
      state.latest = publication;
      this.listener(publication);
      return publication;
    });
    // A failed write must not block the channel's later publishes.
    state.tail = run.catch(() => undefined);
    return run;
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
    await state.tail; // a publish in flight is part of the history a reader must see
    const position = { offset: state.offset, epoch: state.epoch };
    if (afterOffset >= position.offset) return { position, publications: [], contiguous: afterOffset === position.offset };
    const minTs = namespace.history.ttlMs > 0 ? this.now() - namespace.history.ttlMs : 0;
    const publications = await this.options.history.read(channel, position.epoch, afterOffset, limit, minTs);
    const contiguous = publications.length > 0 && publications[0]!.offset === afterOffset + 1;
    return { position, publications, contiguous };
  }

  async latest(channel: string): Promise<Publication | undefined> {
    return this.channels.get(channel)?.latest;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.channels.values()].map((s) => s.tail));
  }

  private next(channel: string, state: ChannelState, input: PublishInput): Publication {
    return { channel, offset: state.offset + 1, epoch: state.epoch, ts: input.ts, event: input.event, data: input.data, traceId: input.traceId };
  }

  private commit(channel: string, state: ChannelState, input: PublishInput): Publication {
    const publication = this.next(channel, state, input);
    state.offset = publication.offset;
    state.latest = publication;
    this.listener(publication);
    return publication;
  }

  private createState(channel: string, position: ChannelPosition): ChannelState {
    const state: ChannelState = { epoch: position.epoch, offset: position.offset, latest: undefined, tail: Promise.resolve() };
    this.channels.set(channel, state);
    return state;
  }

  private load(channel: string): Promise<ChannelState> {
    const known = this.channels.get(channel);
    if (known) return Promise.resolve(known);
    let pending = this.loading.get(channel);
    if (!pending) {
      pending = this.options.history.loadPosition(channel).then((stored) => {
        this.loading.delete(channel);
        return this.channels.get(channel) ?? this.createState(channel, stored ?? { epoch: newEpoch(), offset: 0 });
      });
      this.loading.set(channel, pending);
    }
    return pending;
  }
}
