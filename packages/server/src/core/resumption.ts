import { randomBytes } from "node:crypto";
import type { Logger } from "../observability/logger.js";
import type { GatewayMetrics } from "../observability/metrics.js";
import type { WriteNumbering } from "./hub.js";
import type { Session } from "./session.js";
import { formatToken, parseToken, positionsAt, SessionJournal, type Position } from "./session-journal.js";
import type { ResumeRecord, ResumeStore, ResumeSubscription } from "./store.js";
import { LegacyView } from "./subscription.js";
import type { SubscriptionManager } from "./subscriptions.js";

/** How long a record outlives its window: a client back later still gets its subscriptions, started fresh. */
export const RESUME_RETENTION_MS = 24 * 3_600_000;

/** A pid as this server makes them, and as a client may send one back. */
const PID = /^[A-Za-z0-9_-]{16,64}$/;

/** Why a handshake with a `pid` did not resume (the `reason` label of tickwire_resume_failures_total). */
export type ResumeFailure = "malformed" | "unknown" | "user_mismatch" | "expired" | "offset_unknown";

/** What the handshake of a resumable connection found. */
export interface ResumeGrant {
  readonly pid: string;
  /** True when the session was resumed: positions are known, the client gets what it missed. */
  readonly resumed: boolean;
  readonly subscriptions: readonly ResumeSubscription[];
  /** Positions of event channels (undefined: the channel is started fresh and told to resync). */
  readonly positions: ReadonlyMap<string, Position | undefined>;
  /** Positions come from a checkpoint taken before a crash: replays may repeat what the client had. */
  readonly uncertain: boolean;
  /** When the crash may have happened at the latest (uncertain grants): replays published before it may be duplicates. */
  readonly uncertainBefore: number;
}

/** What ResumptionManager needs. */
export interface ResumptionOptions {
  readonly store: ResumeStore;
  /** How long after its connection closed a session resumes. */
  readonly windowMs: number;
  /** How often open sessions are checkpointed (what a crash leaves). */
  readonly checkpointMs: number;
  readonly subscriptions: SubscriptionManager;
  readonly metrics: GatewayMetrics;
  readonly logger: Logger;
  readonly now: () => number;
  /** Open sessions, for checkpoints and shutdown. */
  readonly sessions: () => Iterable<Session>;
}

/**
 * Session resumption for every Socket.IO client (docs/protocol.md, "Resuming a
 * session"). A resumable connection gets a `pid` in Socket.IO's CONNECT packet
 * and a token as the last argument of every publication event; socket.io-client
 * sends both back when it reconnects. The token names the last write the client
 * received; the session's journal (or, after a crash, its last checkpoint) turns
 * it into one position per subscription, and the subscriptions are restored with
 * those positions through the ordinary `since` recovery.
 */
export class ResumptionManager implements WriteNumbering {
  /** This process run: part of every token, so tokens of an earlier run are told apart. */
  readonly run = Date.now().toString(36) + randomBytes(3).readUIntBE(0, 3).toString(36).padStart(5, "0");
  private writes = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly pending = new Set<Promise<void>>();
  private checkpointing = false;

  constructor(private readonly options: ResumptionOptions) {}

  next(): number {
    return ++this.writes;
  }

  token(write: number): string {
    return formatToken(this.run, write);
  }

  /** A new pid. */
  newPid(): string {
    return randomBytes(18).toString("base64url");
  }

  /** Starts the checkpoints of open sessions. */
  start(): void {
    this.timer = setInterval(() => void this.checkpoint(), this.options.checkpointMs);
    this.timer.unref();
  }

  /**
   * The handshake sent `pid` (and `offset`): finds the session and the positions
   * of its subscriptions. Undefined when there is nothing to resume (counted by reason).
   */
  async claim(pid: unknown, offset: unknown, userId: string): Promise<ResumeGrant | undefined> {
    const { metrics, store, now } = { metrics: this.options.metrics, store: this.options.store, now: this.options.now };
    if (typeof pid !== "string" || !PID.test(pid)) return this.fail("malformed");
    const record = await store.take(pid);
    if (!record) return this.fail("unknown");
    if (record.userId !== userId) {
      // Someone else's pid: the session stays for its owner.
      await store.putMany([record], this.expiresAt(record)).catch(() => undefined);
      return this.fail("user_mismatch");
    }
    const at = record.closedAt ?? record.savedAt;
    const fresh = (reason: ResumeFailure): ResumeGrant => {
      this.fail(reason);
      return { pid, resumed: false, subscriptions: record.subscriptions, positions: new Map(), uncertain: false, uncertainBefore: 0 };
    };
    if (now() - at > this.options.windowMs) return fresh("expired");
    const resolved = resolve(record, parseToken(offset), offset === undefined);
    if (resolved === undefined) return fresh("offset_unknown");
    metrics.resumed.inc({ kind: resolved.uncertain ? "checkpoint" : "exact" });
    return { pid, resumed: true, subscriptions: record.subscriptions, positions: resolved.positions, uncertain: resolved.uncertain, uncertainBefore: record.savedAt + this.options.checkpointMs };
  }

  private fail(reason: ResumeFailure): undefined {
    this.options.metrics.resumeFailures.inc({ reason });
    return undefined;
  }

  /**
   * Restores the subscriptions of a grant on its new session, each through the
   * ordinary subscribe path: a known position is a `since` recovery (the missed
   * publications, in order, before live ones); an event channel without one is
   * told `resync`; a state channel sends its latest value. Before the client's own
   * events are handled? No: concurrently, and subscribing twice is harmless.
   */
  async restore(session: Session, grant: ResumeGrant): Promise<void> {
    const { subscriptions, metrics } = this.options;
    await Promise.all(
      grant.subscriptions.map(async (saved) => {
        const view = saved.view === undefined ? undefined : LegacyView.find(saved.view);
        const position = grant.positions.get(saved.channel);
        const item = { channel: saved.channel, ...(saved.fields ? { fields: [...saved.fields] } : {}), ...(position ? { since: position } : {}) };
        const replays = { count: 0, duplicates: 0 };
        const result = await subscriptions.subscribe(session, item, {
          view,
          onReplay: (publication) => {
            replays.count++;
            if (grant.uncertain && publication.ts <= grant.uncertainBefore) replays.duplicates++;
          },
        });
        if (session.closed) return;
        if ("failed" in result) {
          session.connection.emit("error", { code: result.failed.code, message: `Resuming ${saved.channel}: ${result.failed.message}`, event: "resume" });
          return;
        }
        const namespace = saved.channel.split(":")[0]!;
        if (replays.count > 0) metrics.replayed.inc({ namespace }, replays.count);
        if (replays.duplicates > 0) metrics.possibleDuplicates.inc({ namespace }, replays.duplicates);
        const eventChannel = saved.position !== null || result.ok.recovered !== undefined;
        if (eventChannel && result.ok.recovered !== true && subscriptions.find(session, saved.channel)?.namespace.kind === "event") {
          session.connection.emit("resync", { channel: result.ok.channel, reason: "The session could not be resumed on this channel; refetch its state." });
        }
      }),
    );
  }

  /** The record of a session, at close (`closedAt` set, with its journal) or at a checkpoint. */
  private recordOf(session: Session, closedAt: number | null): ResumeRecord | undefined {
    const resume = session.resume;
    if (!resume) return undefined;
    const subscriptions: ResumeSubscription[] = [];
    const positions: Record<string, Position | null> = {};
    for (const sub of session.subscriptions.values()) {
      const position = sub.namespace.kind === "event" ? (sub.recovery.position() ?? null) : null;
      subscriptions.push({ channel: sub.channel, ...(sub.fields ? { fields: sub.fields } : {}), ...(sub.view ? { view: sub.view.key } : {}), position });
      positions[sub.channel] = position;
    }
    const write = this.writes;
    const start = Object.fromEntries([...resume.start].map(([channel, p]) => [channel, p ?? null]));
    const base = { pid: resume.pid, userId: session.userId, run: this.run, write, savedAt: this.options.now(), closedAt, subscriptions, start };
    if (closedAt !== null) {
      const { entries, floor } = resume.journal.snapshot();
      return { ...base, journal: { floor, entries: entries.map((e) => ({ write: e.write, channel: e.channel, before: e.before ?? null })) } };
    }
    // The session's own last write, not the node's: a client that received it has everything the checkpoint says.
    resume.checkpoints = [{ write: resume.journal.last, positions }, ...resume.checkpoints].slice(0, 2);
    return { ...base, checkpoints: resume.checkpoints };
  }

  private expiresAt(record: ResumeRecord): number {
    return (record.closedAt ?? record.savedAt) + this.options.windowMs + RESUME_RETENTION_MS;
  }

  /** Keeps a closing session for its resumption (called before its subscriptions are dropped). */
  closed(session: Session): void {
    const record = this.recordOf(session, this.options.now());
    if (!record) return;
    this.track(this.options.store.putMany([record], this.expiresAt(record)));
  }

  /** Writes a checkpoint of every open session written to since the last one. */
  async checkpoint(): Promise<void> {
    if (this.checkpointing) return;
    this.checkpointing = true;
    try {
      const records: ResumeRecord[] = [];
      for (const session of this.options.sessions()) {
        if (!session.resume?.dirty || session.closed) continue;
        session.resume.dirty = false;
        const record = this.recordOf(session, null);
        if (record) records.push(record);
      }
      if (records.length > 0) await this.track(this.options.store.putMany(records, this.expiresAt(records[0]!)));
    } finally {
      this.checkpointing = false;
    }
  }

  /** Marks a session's subscriptions changed (a checkpoint will record them). */
  touched(session: Session): void {
    if (session.resume) session.resume.dirty = true;
  }

  private track(write: Promise<void>): Promise<void> {
    const tracked = write.catch((err: unknown) => this.options.logger.warn({ err }, "a resumable session could not be saved"));
    this.pending.add(tracked);
    void tracked.finally(() => this.pending.delete(tracked));
    return tracked;
  }

  /** Stops the checkpoints and waits for the records being written (before the store closes). */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await Promise.allSettled([...this.pending]);
  }

  /** Deletes records whose time ran out. */
  purge(): Promise<void> {
    return this.options.store.purge(this.options.now());
  }

  /** A journal for a new resumable session. */
  static journal(): SessionJournal {
    return new SessionJournal();
  }
}

/**
 * Positions of a record's subscriptions when the client received the write of
 * `token` (none: it received nothing in the record's connection). Exact from a
 * closed connection's journal; from a checkpoint (a crash) the newest one not
 * after the token, which may be behind what the client had. Undefined when the
 * token cannot be placed.
 */
function resolve(record: ResumeRecord, token: { run: string; write: number } | undefined, noOffset: boolean): { positions: Map<string, Position | undefined>; uncertain: boolean } | undefined {
  if (token === undefined && !noOffset) return undefined;
  const now = new Map<string, Position | undefined>(record.subscriptions.map((s) => [s.channel, s.position ?? undefined]));
  const start = new Map<string, Position | undefined>(Object.entries(record.start ?? {}).map(([c, p]) => [c, p ?? undefined]));
  // A token of an earlier run: the client received nothing of this record's run.
  const earlier = token === undefined || (token.run !== record.run && runTime(token.run) < runTime(record.run));
  if (token !== undefined && !earlier && token.run !== record.run) return undefined;
  if (record.journal) {
    const entries = record.journal.entries.map((e) => ({ write: e.write, channel: e.channel, before: e.before ?? undefined }));
    const positions = positionsAt(now, entries, record.journal.floor, earlier ? undefined : token!.write);
    return positions === undefined ? undefined : { positions, uncertain: false };
  }
  if (earlier) {
    // Nothing of this run was received: where the session started it (channels subscribed later are unknown).
    const positions = new Map<string, Position | undefined>();
    for (const channel of now.keys()) positions.set(channel, start.get(channel));
    return { positions, uncertain: false };
  }
  const checkpoint = (record.checkpoints ?? []).find((c) => c.write <= token!.write);
  if (!checkpoint) return undefined;
  const positions = new Map<string, Position | undefined>();
  for (const channel of now.keys()) positions.set(channel, checkpoint.positions[channel] ?? undefined);
  return { positions, uncertain: true };
}

/** The start time encoded in a run id (its first 8 base-36 digits). */
function runTime(run: string): number {
  return parseInt(run.slice(0, 8), 36);
}
