/** Fewest and most tasks the gate starts per turn when tasks wait, and how many more a short turn allows. */
const MIN_PER_TURN = 4;
const MAX_PER_TURN = 256;
const STEP = 4;

/**
 * Keeps the turns of the event loop short when many tasks (handshakes, client
 * events) arrive at once: while tasks wait, it starts a number of them per turn,
 * in arrival order, and adjusts that number so that a whole turn of the loop
 * (everything the started tasks did, and everything else) stays near
 * `targetTurnMs`. Under normal load nothing waits and a task starts at once.
 * Ten thousand clients reconnecting at once then cost a few hundred short turns
 * instead of a few long ones; timers, pings and publications run in between.
 * @example const gate = new TurnGate(40); gate.run(() => authenticate(socket));
 */
export class TurnGate {
  private queue: Array<(() => void) | undefined> = [];
  private head = 0;
  /** Tasks this turn may still start; grows while turns stay short, shrinks when one runs long. */
  private perTurn = 32;
  private started = 0;
  private lastTurnAt: number | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private readonly nextTurn = (): void => {
    this.immediate = undefined;
    const now = this.now();
    if (this.head < this.queue.length && this.lastTurnAt !== undefined) this.adapt(now - this.lastTurnAt);
    this.started = 0;
    while (this.head < this.queue.length && this.started < this.perTurn) {
      const task = this.queue[this.head]!;
      this.queue[this.head++] = undefined;
      this.start(task);
    }
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
      this.lastTurnAt = undefined;
      return;
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    this.lastTurnAt = now;
    this.immediate = setImmediate(this.nextTurn);
  };

  constructor(
    private readonly targetTurnMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Tasks waiting for a turn. */
  get waiting(): number {
    return this.queue.length - this.head;
  }

  /** Runs `task` now if this turn has room and nothing waits before it, else in a later turn, in order. */
  run(task: () => void): void {
    this.immediate ??= setImmediate(this.nextTurn);
    if (this.head === this.queue.length && this.started < this.perTurn) {
      this.start(task);
      return;
    }
    // The turn in which tasks begin to wait is the first one measured.
    if (this.head === this.queue.length) this.lastTurnAt ??= this.now();
    this.queue.push(task);
  }

  /** The last turn took `turnMs`: start proportionally fewer tasks if it was long, a few more if it was short (slow up, fast down). */
  private adapt(turnMs: number): void {
    if (turnMs > this.targetTurnMs) this.perTurn = Math.max(MIN_PER_TURN, Math.floor((this.perTurn * this.targetTurnMs) / turnMs));
    else this.perTurn = Math.min(MAX_PER_TURN, this.perTurn + STEP);
  }

  private start(task: () => void): void {
    this.started++;
    try {
      task();
    } catch {
      // A task reports its own errors; one that throws must not stop the others.
    }
  }
}
