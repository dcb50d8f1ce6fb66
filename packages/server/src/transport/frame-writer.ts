import { IDLE, type Flushable, type WriteScheduler, type WriteState } from "./write-scheduler.js";

/** The part of a `net.Socket` the writer uses. */
export interface ByteSink {
  readonly destroyed: boolean;
  /** Bytes the socket holds that the kernel has not taken yet. */
  readonly writableLength: number;
  write(chunk: Buffer): boolean;
  cork(): void;
  uncork(): void;
  once(event: "drain", listener: () => void): unknown;
}

/** ws's readyState of an open WebSocket. */
const WS_OPEN = 1;

/** Above this many pending bytes one flush hands the frames to the socket as a vector (corked) instead of copying them into one buffer. */
const COPY_LIMIT = 64 * 1024;

/**
 * The coalescing writer of one WebSocket connection: every frame written to the
 * connection (publications, acknowledgement replies, snapshots, pings, errors:
 * everything, in the order written) waits here until the scheduler flushes it,
 * at the end of the turn or of the connection's write window, and then leaves
 * in one `write` of the socket: one system call however many frames.
 *
 * When the socket does not take more (the client reads slower than we write),
 * frames wait here until it drains; they are what the slow-consumer limits
 * count.
 */
export class FrameWriter implements Flushable {
  state: WriteState = IDLE;
  deadline = 0;
  /** Frames not yet handed to the socket, in write order. */
  private frames: Buffer[] = [];
  private bytes = 0;
  /** The socket's buffer is over its high-water mark: nothing is written until it drains. */
  private blocked = false;
  private closed = false;
  /** Engine.IO sends to confirm (the transport's "drain") once their frames were handed to the socket. */
  private sends = 0;
  private drainListeners: Array<() => void> | undefined;
  private onSocketDrain: (() => void) | undefined;

  constructor(
    private readonly sink: ByteSink,
    /** The WebSocket: frames are written while it is open (no close frame sent or received). */
    private readonly ws: { readonly readyState: number },
    private readonly scheduler: WriteScheduler,
    /** Told "drain" once per Engine.IO send whose frames were handed to the socket (engine.io's send callbacks). */
    private readonly transport: { emit(event: "drain"): unknown },
  ) {}

  /**
   * Queues one frame. `windowMs` > 0: it may wait up to that long for frames of
   * later turns to join it; 0: it leaves at the end of this turn, and so does
   * everything queued before it.
   */
  push(frame: Buffer, windowMs = 0): void {
    if (this.closed) return;
    this.frames.push(frame);
    this.bytes += frame.length;
    if (this.blocked) {
      // A socket destroyed while backed up never drains.
      if (this.sink.destroyed) this.close();
      return;
    }
    if (windowMs > 0) this.scheduler.hold(this, windowMs);
    else this.scheduler.soon(this);
  }

  /** Records one Engine.IO send made of the frames pushed just before. */
  sent(): void {
    this.sends++;
  }

  /** Frames waiting because the socket is backed up (frames of this turn, still to be written, are not a backlog). */
  queuedPackets(): number {
    return this.blocked ? this.frames.length : 0;
  }

  /**
   * Bytes not yet taken by the kernel: pending frames and what the socket
   * buffers. While the socket is not backed up it holds less than its
   * high-water mark (16 KiB), which is not read on every delivery.
   */
  queuedBytes(): number {
    return this.blocked && !this.closed ? this.bytes + this.sink.writableLength : this.bytes;
  }

  /** Calls `listener` once everything queued was handed to the socket and the socket is not backed up. */
  onceDrained(listener: () => void): void {
    if (this.closed) return;
    (this.drainListeners ??= []).push(listener);
    if (!this.blocked) this.scheduler.soon(this);
  }

  flush(): void {
    if (this.closed || this.blocked) return;
    if (this.sink.destroyed || !this.open()) {
      this.close();
      return;
    }
    const count = this.frames.length;
    if (count > 0) {
      const frames = this.frames;
      const bytes = this.bytes;
      this.frames = [];
      this.bytes = 0;
      if (!this.write(frames, bytes)) this.block();
    }
    if (this.sends > 0) {
      const sends = this.sends;
      this.sends = 0;
      for (let i = 0; i < sends; i++) this.transport.emit("drain");
    }
    if (!this.blocked && this.drainListeners !== undefined) {
      const listeners = this.drainListeners;
      this.drainListeners = undefined;
      for (const listener of listeners) listener();
    }
  }

  /**
   * The connection is closing: what is queued goes to the socket now, backed up
   * or not (ahead of the close frame), and nothing is queued after it.
   */
  finish(): void {
    if (this.closed) return;
    if (this.frames.length > 0 && !this.sink.destroyed && this.open()) this.write(this.frames, this.bytes);
    this.close();
  }

  /** Drops everything: the socket is gone. */
  close(): void {
    this.closed = true;
    this.frames = [];
    this.bytes = 0;
    this.sends = 0;
    this.drainListeners = undefined;
  }

  fail(): void {
    this.close();
  }

  /** The WebSocket is open: no close frame sent or received. */
  private open(): boolean {
    return this.ws.readyState === WS_OPEN;
  }

  private write(frames: Buffer[], bytes: number): boolean {
    const { sink } = this;
    if (frames.length === 1) return sink.write(frames[0]!);
    if (bytes <= COPY_LIMIT) return sink.write(Buffer.concat(frames, bytes));
    // Corked writes leave as one writev: no copy of a large backlog.
    sink.cork();
    for (let i = 0; i < frames.length - 1; i++) sink.write(frames[i]!);
    const ok = sink.write(frames[frames.length - 1]!);
    sink.uncork();
    return ok;
  }

  private block(): void {
    this.blocked = true;
    this.onSocketDrain ??= () => {
      this.blocked = false;
      this.flush();
    };
    this.sink.once("drain", this.onSocketDrain);
  }
}
