import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { FrameWriter, type ByteSink } from "../../src/transport/frame-writer.js";
import { wsFrame } from "../../src/transport/ws-frame.js";
import { WriteScheduler } from "../../src/transport/write-scheduler.js";
import { ManualTimers } from "../streams/manual-timers.js";

/** A socket that records each write (one write = one system call) and takes `capacity` bytes before it reports back-pressure. */
class FakeSink extends EventEmitter implements ByteSink {
  readonly writes: Buffer[] = [];
  destroyed = false;
  writableLength = 0;
  corked = 0;
  private corkedChunks: Buffer[] = [];

  constructor(private readonly capacity = Infinity) {
    super();
  }

  write(chunk: Buffer): boolean {
    if (this.corked > 0) this.corkedChunks.push(chunk);
    else this.writes.push(chunk);
    this.writableLength += chunk.length;
    if (this.writableLength <= this.capacity) this.writableLength = 0;
    return this.writableLength === 0;
  }

  cork(): void {
    this.corked++;
  }

  uncork(): void {
    if (--this.corked === 0 && this.corkedChunks.length > 0) this.writes.push(Buffer.concat(this.corkedChunks.splice(0)));
  }

  /** The client read everything: the socket drains. */
  drain(): void {
    this.writableLength = 0;
    this.emit("drain");
  }

  /** Every byte written, in order, as text. */
  text(): string {
    return Buffer.concat(this.writes).toString("latin1");
  }
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Text frames whose payloads are `names`, as the client would read them off the wire. */
function framesOf(bytes: Buffer): string[] {
  const out: string[] = [];
  let at = 0;
  while (at < bytes.length) {
    let length = bytes[at + 1]! & 0x7f;
    let header = 2;
    if (length === 126) {
      length = bytes.readUInt16BE(at + 2);
      header = 4;
    } else if (length === 127) {
      length = Number(bytes.readBigUInt64BE(at + 2));
      header = 10;
    }
    out.push(bytes.subarray(at + header, at + header + length).toString("utf8"));
    at += header + length;
  }
  return out;
}

function setup(capacity = Infinity) {
  const timers = new ManualTimers();
  const scheduler = new WriteScheduler({ timers, now: () => timers.now() });
  const sink = new FakeSink(capacity);
  const ws = { readyState: 1 };
  const confirmed: number[] = [];
  let drains = 0;
  const transport = {
    emit: () => {
      drains++;
      queueMicrotask(() => {
        if (drains > 0) confirmed.push(drains);
        drains = 0;
      });
    },
  };
  const writer = new FrameWriter(sink, ws, scheduler, transport);
  return { timers, scheduler, sink, writer, confirmed, close: () => (ws.readyState = 2) };
}

describe("WebSocket frames", () => {
  it("encodes the three length forms as ws does", () => {
    expect([...wsFrame("ab")]).toEqual([0x81, 2, 0x61, 0x62]);
    expect([...wsFrame("x", 0x34)]).toEqual([0x81, 2, 0x34, 0x78]);
    const mid = wsFrame("y".repeat(300));
    expect([...mid.subarray(0, 4)]).toEqual([0x81, 126, 1, 44]);
    const big = wsFrame(Buffer.alloc(70_000, 1));
    expect([...big.subarray(0, 10)]).toEqual([0x82, 127, 0, 0, 0, 0, 0, 1, 0x11, 0x70]);
    expect(big.length).toBe(70_010);
    expect(framesOf(Buffer.concat([wsFrame("héllo"), mid]))).toEqual(["héllo", "y".repeat(300)]);
  });
});

describe("the coalescing writer", () => {
  it("writes everything queued in one turn in one write, in order, and tells engine.io once per send after it", async () => {
    const { sink, writer, confirmed } = setup();
    writer.push(wsFrame("a"));
    writer.push(wsFrame("b"));
    writer.sent();
    writer.push(wsFrame("c"));
    writer.sent();
    expect(sink.writes).toEqual([]);
    await turn();
    expect(sink.writes).toHaveLength(1);
    expect(framesOf(sink.writes[0]!)).toEqual(["a", "b", "c"]);
    expect(confirmed).toEqual([2]);
    writer.push(wsFrame("d"));
    await turn();
    expect(sink.writes.map(framesOf)).toEqual([["a", "b", "c"], ["d"]]);
  });

  it("hands a large backlog to the socket as one corked vector", async () => {
    const { sink, writer } = setup();
    const frames = Array.from({ length: 40 }, (_, i) => `${i}:${"z".repeat(4000)}`);
    for (const f of frames) writer.push(wsFrame(f));
    await turn();
    expect(sink.writes).toHaveLength(1);
    expect(framesOf(sink.writes[0]!)).toEqual(frames);
  });

  it("keeps frames while the socket is backed up and sends them together, in order, when it drains", async () => {
    const { sink, writer } = setup(100);
    const large = "L".repeat(5000);
    writer.push(wsFrame(large));
    await turn();
    // The socket kept most of the frame: the writer is backed up.
    expect(writer.queuedPackets()).toBe(0);
    expect(writer.queuedBytes()).toBe(5004);
    writer.push(wsFrame("after-1"));
    await turn();
    writer.push(wsFrame("after-2"));
    await turn();
    expect(sink.writes).toHaveLength(1);
    expect(writer.queuedPackets()).toBe(2);
    expect(writer.queuedBytes()).toBe(5004 + 9 + 9);
    let drained = 0;
    writer.onceDrained(() => drained++);
    sink.drain();
    expect(sink.writes.map(framesOf)).toEqual([[large], ["after-1", "after-2"]]);
    expect(writer.queuedPackets()).toBe(0);
    expect(drained).toBe(1);
  });

  it("holds frames for the write window, and lets a frame that must not wait take them along at the end of its turn", async () => {
    const { sink, writer, timers } = setup();
    writer.push(wsFrame("q1"), 50);
    await turn();
    timers.advance(10);
    writer.push(wsFrame("q2"), 50);
    await turn();
    expect(sink.writes).toEqual([]);
    timers.advance(40);
    expect(sink.writes.map(framesOf)).toEqual([["q1", "q2"]]);

    writer.push(wsFrame("q3"), 50);
    await turn();
    timers.advance(5);
    writer.push(wsFrame("trade"));
    await turn();
    expect(sink.writes.map(framesOf)).toEqual([["q1", "q2"], ["q3", "trade"]]);
    // The stale window entry of q3 flushes nothing when it ends.
    timers.advance(100);
    expect(sink.writes).toHaveLength(2);
  });

  it("drops what a closed or destroyed socket would have been sent, and the other writers of the pass still write", async () => {
    const timers = new ManualTimers();
    const scheduler = new WriteScheduler({ timers, now: () => timers.now() });
    const sinks = [new FakeSink(), new FakeSink(), new FakeSink(), new FakeSink()];
    const sockets = sinks.map(() => ({ readyState: 1 }));
    const quiet = { emit: () => true };
    const writers = sinks.map((sink, i) => new FrameWriter(sink, sockets[i]!, scheduler, quiet));
    for (const w of writers) w.push(wsFrame("tick"));
    sinks[1]!.destroyed = true;
    sockets[2]!.readyState = 2;
    sinks[3]!.write = () => {
      throw new Error("EPIPE");
    };
    writers.push(new FrameWriter(new FakeSink(), { readyState: 1 }, scheduler, quiet));
    writers[4]!.push(wsFrame("tick"));
    await turn();
    expect(sinks.map((s) => s.writes.length)).toEqual([1, 0, 0, 0]);
    expect(writers[0]!.queuedBytes()).toBe(0);
    // Nothing is queued for the dropped connections any more.
    writers[1]!.push(wsFrame("later"));
    writers[3]!.push(wsFrame("later"));
    await turn();
    expect(writers[1]!.queuedBytes()).toBe(0);
    expect(writers[3]!.queuedBytes()).toBe(0);
  });

  it("writes what is queued ahead of the close, even when backed up, and nothing after it", async () => {
    const { sink, writer, close } = setup(10);
    writer.push(wsFrame("x".repeat(50)));
    await turn();
    writer.push(wsFrame("error"));
    writer.finish();
    close();
    writer.push(wsFrame("late"));
    await turn();
    expect(framesOf(Buffer.concat(sink.writes))).toEqual(["x".repeat(50), "error"]);
  });
});
