import type { StreamPosition } from "@tickwire/protocol";

/** A channel position: the last offset a subscriber was sent, in the history `epoch` names (the protocol's `StreamPosition`). */
export type Position = Readonly<StreamPosition>;

/**
 * Resumption tokens: the trailing string argument of every publication event a
 * resumable connection receives, which socket.io-client keeps as its `offset`
 * and sends back in the handshake. `<run>.<write>`: the process run that wrote
 * it and the node-wide number of the write (one per encoded packet, so one
 * encoding still serves many sockets).
 */
export interface ResumeToken {
  readonly run: string;
  readonly write: number;
}

const TOKEN = /^([0-9a-z]{1,16})\.([0-9a-z]{1,11})$/;

/** Formats a token. */
export function formatToken(run: string, write: number): string {
  return `${run}.${write.toString(36)}`;
}

/** Parses what a client sent as `offset`; undefined for anything that is not a token. */
export function parseToken(value: unknown): ResumeToken | undefined {
  if (typeof value !== "string") return undefined;
  const m = TOKEN.exec(value);
  if (!m) return undefined;
  const write = parseInt(m[2]!, 36);
  return Number.isSafeInteger(write) ? { run: m[1]!, write } : undefined;
}

/** What the journal remembers of one write: the subscriber's position before it. */
export interface JournalEntry {
  readonly write: number;
  readonly channel: string;
  readonly before: Position | undefined;
}

/**
 * The last writes of event publications to one connection, each with the
 * position its subscription had before it. Given the token of the last event
 * the client received, undoing the writes after it gives every subscription's
 * position at that moment: exactly what the client has, whatever was lost in
 * flight. Bounded: beyond `capacity` the oldest writes are forgotten, and a
 * token older than them can no longer be resolved exactly.
 */
export class SessionJournal {
  private entries: JournalEntry[] = [];
  /** Number of writes forgotten from the front. */
  private dropped = 0;
  /** Write number of the newest forgotten entry (-1: none forgotten). */
  private floor = -1;

  constructor(readonly capacity = 1024) {}

  /** Number of the last write recorded (0: none). */
  last = 0;

  /** Records one write to `channel` whose subscription was at `before`. */
  record(write: number, channel: string, before: Position | undefined): void {
    this.last = write;
    this.entries.push({ write, channel, before });
    if (this.entries.length > this.capacity * 2) this.compact();
  }

  private compact(): void {
    const cut = this.entries.length - this.capacity;
    this.floor = this.entries[cut - 1]!.write;
    this.dropped += cut;
    this.entries = this.entries.slice(cut);
  }

  /** The retained entries, oldest first, and the write number below which nothing is known (-1: everything). */
  snapshot(): { entries: JournalEntry[]; floor: number } {
    if (this.entries.length > this.capacity) this.compact();
    return { entries: [...this.entries], floor: this.floor };
  }
}

/**
 * Positions at the moment write `upTo` left, from the positions `now` and the
 * entries of the writes since; undefined when entries after `upTo` were
 * forgotten. `upTo` undefined: before every entry (the client received none of them).
 */
export function positionsAt(now: ReadonlyMap<string, Position | undefined>, entries: readonly JournalEntry[], floor: number, upTo: number | undefined): Map<string, Position | undefined> | undefined {
  if (upTo === undefined ? floor !== -1 : upTo < floor) return undefined;
  const out = new Map(now);
  for (let i = entries.length - 1; i >= 0; i--) {
    const entry = entries[i]!;
    if (upTo !== undefined && entry.write <= upTo) break;
    if (out.has(entry.channel)) out.set(entry.channel, entry.before);
  }
  return out;
}

/** What a resumable session carries (core/resumption.ts). */
export interface SessionResume {
  /** The private session id socket.io-client sends back as `pid`. */
  readonly pid: string;
  /** The last event writes to this connection, to find what the client has. */
  readonly journal: SessionJournal;
  /** Positions the session started this run with (a resumed session's), for a client that received nothing since. */
  readonly start: ReadonlyMap<string, { epoch: string; offset: number } | undefined>;
  /** Write number and positions of the last checkpoint, and the one before (what a crash leaves). */
  checkpoints: { write: number; positions: Record<string, { epoch: string; offset: number } | null> }[];
  /** True when something was written since the last checkpoint. */
  dirty: boolean;
}
