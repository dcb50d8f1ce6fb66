import { systemTimers, type Timers } from "../streams/timers.js";

/** What the scheduler flushes: one connection's coalescing writer. */
export interface Flushable {
  /** Where the writer is: idle, due at the end of this turn, or held for a write window. */
  state: WriteState;
  /** With state "window": when the window ends (performance.now() ms). */
  deadline: number;
  /** Writes what is pending in one system call. */
  flush(): void;
  /** The flush threw: the connection is given up, never the pass. */
  fail(err: unknown): void;
}

/** Idle, due at the end of the turn, or held until a write window ends. */
export type WriteState = 0 | 1 | 2;
export const IDLE: WriteState = 0;
export const SOON: WriteState = 1;
export const WINDOW: WriteState = 2;

/** Writers held for one window length, in the order their windows started (so their deadlines are too). */
class WindowQueue {
  private writers: Flushable[] = [];
  private deadlines: number[] = [];
  private head = 0;
  private timer: unknown;

  constructor(
    private readonly ms: number,
    private readonly run: (writer: Flushable) => void,
    private readonly clock: SchedulerClock,
  ) {}

  add(writer: Flushable, now: number): void {
    const deadline = now + this.ms;
    writer.state = WINDOW;
    writer.deadline = deadline;
    this.writers.push(writer);
    this.deadlines.push(deadline);
    if (this.timer === undefined) this.arm(this.ms);
  }

  close(): void {
    if (this.timer !== undefined) this.clock.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(ms: number): void {
    if (this.timer !== undefined) this.clock.timers.clearTimeout(this.timer);
    this.timer = this.clock.timers.setTimeout(() => this.fire(), Math.max(1, Math.ceil(ms)));
  }

  private fire(): void {
    this.timer = undefined;
    // Timers run on the loop's cached clock: a deadline within a millisecond is due.
    const now = this.clock.now() + 1;
    const { writers, deadlines } = this;
    while (this.head < writers.length && deadlines[this.head]! <= now) {
      const writer = writers[this.head]!;
      const deadline = deadlines[this.head]!;
      writers[this.head] = undefined as unknown as Flushable;
      this.head++;
      // A writer flushed early (something not held arrived) and held again has a later deadline.
      if (writer.state === WINDOW && writer.deadline === deadline) this.run(writer);
    }
    if (this.head === writers.length) {
      this.writers = [];
      this.deadlines = [];
      this.head = 0;
      return;
    }
    if (this.head > 1024 && this.head * 2 > writers.length) {
      this.writers = writers.slice(this.head);
      this.deadlines = deadlines.slice(this.head);
      this.head = 0;
    }
    this.arm(this.deadlines[this.head]! - this.clock.now());
  }
}

/** The clock of the write windows; tests drive it by hand. */
export interface SchedulerClock {
  readonly timers: Timers;
  /** Monotonic milliseconds. */
  now(): number;
}

const systemClock: SchedulerClock = { timers: systemTimers, now: () => performance.now() };

/**
 * When coalescing writers flush: every writer written to in one turn of the
 * event loop is flushed once, after everything else of that turn ran
 * (setImmediate), so all its frames of the turn leave in one system call; a
 * writer held for a write window is flushed when its window ends. One
 * setImmediate per turn and one timer per window length, never one per socket.
 */
export class WriteScheduler {
  constructor(private readonly clock: SchedulerClock = systemClock) {}

  private due: Flushable[] = [];
  private immediate: NodeJS.Immediate | undefined;
  private readonly windows = new Map<number, WindowQueue>();
  private readonly runOne = (writer: Flushable): void => {
    writer.state = IDLE;
    try {
      writer.flush();
    } catch (err) {
      writer.fail(err);
    }
  };
  private readonly flushDue = (): void => {
    this.immediate = undefined;
    const due = this.due;
    this.due = [];
    for (let i = 0; i < due.length; i++) {
      const writer = due[i]!;
      if (writer.state === SOON) this.runOne(writer);
    }
  };

  /** Flushes `writer` at the end of this turn (it may be held for a window now: it goes sooner). */
  soon(writer: Flushable): void {
    if (writer.state === SOON) return;
    writer.state = SOON;
    this.due.push(writer);
    this.immediate ??= setImmediate(this.flushDue);
  }

  /** Flushes `writer` in `ms` at the latest, unless it is already due or held. */
  hold(writer: Flushable, ms: number): void {
    if (writer.state !== IDLE) return;
    let queue = this.windows.get(ms);
    if (queue === undefined) {
      queue = new WindowQueue(ms, this.runOne, this.clock);
      this.windows.set(ms, queue);
    }
    queue.add(writer, this.clock.now());
  }

  /** Stops the window timers (the transport is closing; its writers were finished). */
  close(): void {
    for (const queue of this.windows.values()) queue.close();
    this.windows.clear();
  }
}
