import type { NamespaceDefinition } from "@tickwire/protocol";
import type { Logger } from "../observability/logger.js";

/** One occupancy transition of a channel, as announced once across the deployment. */
export interface OccupancyChange {
  readonly channel: string;
  readonly namespace: string;
  /** True: the channel got its first subscriber anywhere; false: its last one left. */
  readonly occupied: boolean;
  /** When it was announced (ms since the epoch). */
  readonly ts: number;
}

/** Called for each transition; never awaited by subscribes. */
export type OccupancyListener = (change: OccupancyChange) => void | Promise<void>;

/** Told on every node when a followed channel becomes occupied or vacated deployment-wide (what this node believes, kept in step with the state). */
export type DemandListener = (channel: string, occupied: boolean) => void;

/** Told, on every node, about each transition of the deployment (`change`) and, after a gap in what it heard, the whole occupied set (`reset`). */
export interface TransitionWatcher {
  change(channel: string, occupied: boolean): void;
  reset(occupied: readonly string[]): void;
}

/**
 * Where occupancy is kept: which nodes hold local subscribers of a channel, and
 * which state was last announced. The memory engine keeps it in the process, the
 * Redis engine in Redis (docs/scaling.md, "Occupancy").
 */
export interface OccupancyState {
  /** This node has (`true`) or no longer has local subscribers of `channel`. */
  mark(channel: string, present: boolean): Promise<void>;
  /**
   * Compares the channel's current state with the announced one and, when they
   * differ, records the new one atomically: resolves `true` (now occupied) or
   * `false` (now vacated) on the one call that made the change, `undefined` otherwise.
   */
  settle(channel: string): Promise<boolean | undefined>;
  /** The announced state of `channel`. */
  occupied(channel: string): Promise<boolean>;
  /**
   * Shared states (several nodes): starts telling `watcher` about every transition any
   * node announces, then resets it with the channels occupied now; resets it again after
   * each reconnect (transitions may have been missed). States of one process omit it.
   */
  watch?(watcher: TransitionWatcher): Promise<void>;
}

/** Occupancy of one process (the memory engine). */
export class MemoryOccupancy implements OccupancyState {
  private readonly present = new Set<string>();
  private readonly announced = new Set<string>();

  async mark(channel: string, present: boolean): Promise<void> {
    if (present) this.present.add(channel);
    else this.present.delete(channel);
  }

  async settle(channel: string): Promise<boolean | undefined> {
    const now = this.present.has(channel);
    if (now === this.announced.has(channel)) return undefined;
    if (now) this.announced.add(channel);
    else this.announced.delete(channel);
    return now;
  }

  async occupied(channel: string): Promise<boolean> {
    return this.announced.has(channel);
  }
}

/** Options of the occupancy tracker. */
export interface OccupancyOptions {
  readonly state: OccupancyState;
  /** Namespaces whose channels are tracked. */
  readonly namespaces: readonly string[];
  /** How long a change must last before it is announced. */
  readonly debounceMs: number;
  readonly logger: Logger;
  readonly now?: () => number;
  /** Told about a settle that failed (counted in metrics). */
  readonly onError?: (err: unknown) => void;
}

/**
 * Demand-driven feeds (docs/backend-hooks.md, "Occupancy"): follows the first
 * local subscriber and the last local one of each tracked channel, records it
 * in the engine's occupancy state, and `debounceMs` after the last local change
 * asks the state whether the channel's occupancy changed deployment-wide. The
 * state answers that to exactly one node per transition, which tells its listeners.
 * A quick unsubscribe and subscribe inside the debounce announces nothing.
 */
export class OccupancyTracker {
  private readonly namespaces: ReadonlySet<string>;
  private readonly listeners: OccupancyListener[] = [];
  /** Pending settles by channel. */
  private readonly timers = new Map<string, { timer: NodeJS.Timeout; namespace: string }>();
  /** Marks and settles of one channel run one after the other. */
  private readonly chains = new Map<string, Promise<void>>();
  private readonly now: () => number;
  private closed = false;
  /** Demand on this node: every followed channel announced occupied anywhere. */
  private readonly demanded = new Set<string>();
  private readonly demandListeners: DemandListener[] = [];
  private watching: Promise<void> | undefined;
  /** Tracked channels with local subscribers on this node. */
  private readonly localPresent = new Set<string>();
  /** Marks and settles to try again after a failure, by channel. */
  private readonly retries = new Map<string, NodeJS.Timeout>();

  constructor(private readonly options: OccupancyOptions) {
    this.namespaces = new Set(options.namespaces);
    this.now = options.now ?? Date.now;
  }

  /** Whether channels of `namespace` are tracked. */
  tracks(namespace: string): boolean {
    return this.namespaces.has(namespace);
  }

  /** Adds a listener of transitions (the occupancy hook, the simulator, the upstream feed). */
  onChange(listener: OccupancyListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /**
   * Adds a listener of demand (the upstream feed): unlike `onChange`, which one node hears
   * per transition, every node hears every transition, so each node's feed can release what
   * it asked for whichever node saw the channel vacated. Resolves once the node follows the
   * deployment's transitions and knows which channels are occupied now (told to `listener`).
   */
  async followDemand(listener: DemandListener): Promise<() => void> {
    this.demandListeners.push(listener);
    const watch = this.options.state.watch;
    if (watch) {
      this.watching ??= watch.call(this.options.state, {
        change: (channel, occupied) => this.demand(channel, occupied),
        reset: (occupied) => this.resetDemand(occupied),
      });
      await this.watching;
    }
    for (const channel of this.demanded) this.tell(listener, channel, true);
    return () => {
      const i = this.demandListeners.indexOf(listener);
      if (i >= 0) this.demandListeners.splice(i, 1);
    };
  }

  /** The announced state of `channel` (deployment-wide on the Redis engine). */
  occupied(channel: string): Promise<boolean> {
    return this.options.state.occupied(channel);
  }

  /** This node got its first (`present`) or lost its last local subscriber of `channel`; never throws, never waits for the state. */
  local(channel: string, namespace: NamespaceDefinition, present: boolean): void {
    if (this.closed || !this.namespaces.has(namespace.name)) return;
    if (present) this.localPresent.add(channel);
    else this.localPresent.delete(channel);
    this.mark(channel, namespace.name);
    this.schedule(channel, namespace.name);
  }

  /** Stops: pending settles run now, so a vacated channel is still announced. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.retries.values()) clearTimeout(timer);
    this.retries.clear();
    const pending = [...this.timers];
    this.timers.clear();
    for (const [channel, { timer, namespace }] of pending) {
      clearTimeout(timer);
      this.settle(channel, namespace);
    }
    await Promise.all([...this.chains.values()]);
  }

  private schedule(channel: string, namespace: string): void {
    const old = this.timers.get(channel);
    if (old) clearTimeout(old.timer);
    const timer = setTimeout(() => {
      this.timers.delete(channel);
      this.settle(channel, namespace);
    }, this.options.debounceMs);
    this.timers.set(channel, { timer, namespace });
  }

  /** Writes this node's current local state of `channel` (the latest, whatever was asked before). */
  private mark(channel: string, namespace: string): void {
    this.run(
      channel,
      async () => {
        await this.options.state.mark(channel, this.localPresent.has(channel));
      },
      () => this.retry(channel, namespace),
    );
  }

  /**
   * A mark or settle the state refused (Redis away): both are tried again a while later,
   * since otherwise nothing would announce the change until the channel's next local one.
   */
  private retry(channel: string, namespace: string): void {
    if (this.closed || this.retries.has(channel)) return;
    const timer = setTimeout(() => {
      this.retries.delete(channel);
      if (this.closed) return;
      this.mark(channel, namespace);
      this.schedule(channel, namespace);
    }, Math.max(this.options.debounceMs, 1000));
    timer.unref();
    this.retries.set(channel, timer);
  }

  private settle(channel: string, namespace: string): void {
    this.run(channel, async () => {
      const changed = await this.options.state.settle(channel);
      if (changed === undefined) return;
      const change: OccupancyChange = { channel, namespace, occupied: changed, ts: this.now() };
      // A shared state tells every node (this one included) through its watch.
      if (!this.options.state.watch) this.demand(channel, changed);
      this.options.logger.debug(change, changed ? "channel occupied" : "channel vacated");
      for (const listener of [...this.listeners]) {
        try {
          void Promise.resolve(listener(change)).catch((err: unknown) => this.options.logger.warn({ err, channel }, "occupancy listener failed"));
        } catch (err) {
          this.options.logger.warn({ err, channel }, "occupancy listener failed");
        }
      }
    }, () => this.retry(channel, namespace));
  }

  private demand(channel: string, occupied: boolean): void {
    if (this.closed || !this.namespaces.has(channel.split(":", 1)[0]!)) return;
    if (occupied === this.demanded.has(channel)) return;
    if (occupied) this.demanded.add(channel);
    else this.demanded.delete(channel);
    for (const listener of [...this.demandListeners]) this.tell(listener, channel, occupied);
  }

  private resetDemand(occupied: readonly string[]): void {
    const now = new Set(occupied);
    for (const channel of [...this.demanded]) if (!now.has(channel)) this.demand(channel, false);
    for (const channel of now) this.demand(channel, true);
  }

  private tell(listener: DemandListener, channel: string, occupied: boolean): void {
    try {
      listener(channel, occupied);
    } catch (err) {
      this.options.logger.warn({ err, channel }, "demand listener failed");
    }
  }

  private run(channel: string, task: () => Promise<void>, onFail?: () => void): void {
    const previous = this.chains.get(channel) ?? Promise.resolve();
    const next = previous
      .then(task)
      .catch((err: unknown) => {
        onFail?.();
        this.options.onError?.(err);
        this.options.logger.warn({ err, channel }, "occupancy update failed");
      })
      .finally(() => {
        if (this.chains.get(channel) === next) this.chains.delete(channel);
      });
    this.chains.set(channel, next);
  }
}
