import type { Publication } from "../../core/publication.js";

/** Reads a channel's position and its publications `from..to` (inclusive, at most `count`) at one instant. */
export type FeedReader = (from: number, to: number | "+", count: number) => Promise<{ top: number; epoch: string; publications: Publication[] }>;

/** What feeds count, for stats and tests. */
export interface FeedCounters {
  /** Publications taken from the stream because pub/sub skipped them. */
  filled: number;
  /** Offsets skipped because the stream no longer held them (trimmed or expired). */
  holes: number;
  /** Catch-ups after a reconnect. */
  syncs: number;
  /** Messages put aside because the stream could not be read; the next sync delivers them. */
  deferred: number;
}

/** Most entries read from the stream in one round trip. */
const PAGE = 500;

type Task = { readonly kind: "message"; readonly publication: Publication } | { readonly kind: "sync" };

/**
 * One channel's ordered delivery queue on one node. A cursor holds the last
 * offset handed to the listener: a message at or below it is a duplicate and
 * dropped, the next one is delivered at once, and a jump is filled from the
 * stream first. What the stream no longer holds is skipped (a hole, counted);
 * subscribers whose client later recovers with `since` get `recovered: false`
 * for it, as when they were offline too long. A new epoch (Redis lost the
 * channel's meta) restarts the cursor at 0.
 */
export class ChannelFeed {
  private cursor = 0;
  private epoch = "";
  private ready = false;
  private busy = false;
  private closed = false;
  private readonly queue: Task[] = [];
  /** Waiting for the cursor to pass a position (shutdown: what this node published is delivered first). */
  private waiters: Array<{ epoch: string; offset: number; resolve: () => void }> = [];

  constructor(
    readonly channel: string,
    private readonly read: FeedReader,
    private readonly deliver: (publication: Publication) => void,
    private readonly counters: FeedCounters,
    private readonly onError: (err: unknown, what: string) => void,
  ) {}

  /** Starts delivering after `top`: what pub/sub brought while the position was read is already in the queue. */
  start(epoch: string, top: number): void {
    this.epoch = epoch;
    this.cursor = top;
    this.ready = true;
    this.pump();
  }

  /** A message from pub/sub. */
  push(publication: Publication): void {
    if (this.closed) return;
    this.queue.push({ kind: "message", publication });
    this.pump();
  }

  /** Catches up with the stream (after a reconnect, when pub/sub may have missed messages). */
  sync(): void {
    if (this.closed) return;
    this.queue.push({ kind: "sync" });
    this.pump();
  }

  /** Stops delivering; queued work is dropped. */
  close(): void {
    this.closed = true;
    this.queue.length = 0;
    this.notify();
  }

  /** Resolves once the feed delivered `offset` of `epoch` (or moved to another epoch, or closed). */
  reached(epoch: string, offset: number): Promise<void> {
    if (this.passed(epoch, offset)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ epoch, offset, resolve }));
  }

  private passed(epoch: string, offset: number): boolean {
    return this.closed || (this.ready && (this.epoch !== epoch || this.cursor >= offset));
  }

  private notify(): void {
    if (this.waiters.length === 0) return;
    const waiting = this.waiters;
    this.waiters = [];
    for (const w of waiting) {
      if (this.passed(w.epoch, w.offset)) w.resolve();
      else this.waiters.push(w);
    }
  }

  /** Delivers in-order messages synchronously; anything that needs the stream runs asynchronously, holding the queue. */
  private pump(): void {
    if (!this.ready || this.busy) return;
    while (this.queue.length > 0 && !this.closed) {
      const task = this.queue[0]!;
      if (task.kind === "message" && task.publication.epoch === this.epoch && task.publication.offset <= this.cursor + 1) {
        this.queue.shift();
        if (task.publication.offset === this.cursor + 1) this.accept(task.publication);
        continue;
      }
      this.busy = true;
      this.queue.shift();
      void this.runSlow(task).finally(() => {
        this.busy = false;
        this.pump();
      });
      return;
    }
  }

  private async runSlow(task: Task): Promise<void> {
    try {
      if (task.kind === "sync") await this.catchUp();
      else await this.fillThenDeliver(task.publication);
    } catch (err) {
      if (task.kind === "message") this.counters.deferred++;
      this.onError(err, task.kind === "sync" ? "sync from the stream failed" : "gap fill from the stream failed; the next sync delivers it");
    }
  }

  private async fillThenDeliver(publication: Publication): Promise<void> {
    if (publication.epoch !== this.epoch) {
      this.epoch = publication.epoch;
      this.cursor = 0;
    }
    if (publication.offset <= this.cursor) return;
    if (publication.offset > this.cursor + 1) await this.fill(publication.offset - 1);
    if (this.closed || publication.epoch !== this.epoch) return;
    if (publication.offset > this.cursor + 1) this.counters.holes += publication.offset - this.cursor - 1;
    this.accept(publication);
  }

  /** Delivers what the stream holds after the cursor up to `to` (the publication that revealed the gap waits). */
  private async fill(to: number): Promise<void> {
    let from = this.cursor + 1;
    while (from <= to) {
      const count = Math.min(PAGE, to - from + 1);
      const read = await this.read(from, to, count);
      if (this.closed || read.epoch !== this.epoch) return;
      for (const p of read.publications) {
        if (p.offset <= this.cursor || p.offset > to) continue;
        if (p.offset > this.cursor + 1) this.counters.holes += p.offset - this.cursor - 1;
        this.counters.filled++;
        this.accept(p);
      }
      if (read.publications.length < count) return;
      from = this.cursor + 1;
    }
  }

  /** Delivers everything the stream holds after the cursor, then moves the cursor to the top. */
  private async catchUp(): Promise<void> {
    this.counters.syncs++;
    for (;;) {
      const read = await this.read(this.cursor + 1, "+", PAGE);
      if (this.closed) return;
      if (read.epoch !== this.epoch) {
        this.epoch = read.epoch;
        this.cursor = 0;
        continue;
      }
      for (const p of read.publications) {
        if (p.offset <= this.cursor) continue;
        if (p.offset > this.cursor + 1) this.counters.holes += p.offset - this.cursor - 1;
        this.counters.filled++;
        this.accept(p);
      }
      if (read.publications.length < PAGE || this.cursor >= read.top) {
        if (read.top > this.cursor) {
          // The tail exists no more (trimmed, or a channel without a stream): skip it.
          this.counters.holes += read.top - this.cursor;
          this.cursor = read.top;
        }
        return;
      }
    }
  }

  private accept(publication: Publication): void {
    this.cursor = publication.offset;
    this.deliver(publication);
    this.notify();
  }
}
