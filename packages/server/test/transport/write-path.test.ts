import type { Socket as NetSocket } from "node:net";
import { Type } from "@sinclair/typebox";
import { io, type Socket } from "socket.io-client";
import { afterEach, describe, expect, it } from "vitest";
import type { Gateway } from "@tickwire/server";
import { api, record, TestBed, until } from "../helpers.js";

const bed = new TestBed();
afterEach(() => bed.cleanup());

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The server side of a user's (only) connection: its session and the TCP socket the writer writes to. */
function serverSide(gw: Gateway, userId: string) {
  const session = gw.registry.ofUser(userId)[0]!;
  const engine = (session.connection as unknown as { socket: { conn: { transport: { name: string; socket?: { _socket: NetSocket } } } } }).socket.conn;
  return { session, engine, tcp: () => engine.transport.socket!._socket };
}

type Chunk = { chunk: Buffer };
type Dispatch = { _write(chunk: Buffer, encoding: string, cb: () => void): void; _writev(chunks: Chunk[], cb: () => void): void };

/**
 * Records what the server's socket dispatches to the kernel: each `_write` or
 * `_writev` is one write request of libuv (one system call unless the kernel
 * takes only part of it), with its bytes.
 */
function spyWrites(tcp: NetSocket): Buffer[] {
  const writes: Buffer[] = [];
  const socket = tcp as unknown as Dispatch;
  const write = socket._write.bind(tcp);
  const writev = socket._writev.bind(tcp);
  socket._write = (chunk, encoding, cb) => {
    writes.push(Buffer.from(chunk));
    write(chunk, encoding, cb);
  };
  socket._writev = (chunks, cb) => {
    writes.push(Buffer.concat(chunks.map((c) => c.chunk)));
    writev(chunks, cb);
  };
  return writes;
}

/** The text frames of a server write, without their WebSocket headers. */
function framesOf(bytes: Buffer): string[] {
  const out: string[] = [];
  for (let at = 0; at < bytes.length; ) {
    let length = bytes[at + 1]! & 0x7f;
    let header = 2;
    if (length === 126) [length, header] = [bytes.readUInt16BE(at + 2), 4];
    else if (length === 127) [length, header] = [Number(bytes.readBigUInt64BE(at + 2)), 10];
    out.push(bytes.subarray(at + header, at + header + length).toString("utf8"));
    at += header + length;
  }
  return out;
}

/** Every event a client receives, in order, with its arguments. */
function everything(socket: Socket): Array<[string, ...unknown[]]> {
  const seen: Array<[string, ...unknown[]]> = [];
  socket.onAny((event: string, ...args: unknown[]) => seen.push([event, ...args]));
  return seen;
}

/** The client's TCP socket: pausing it stops reading, so the server's writes back up. */
function clientTcp(socket: Socket): NetSocket {
  return (socket.io.engine.transport as unknown as { ws: { _socket: NetSocket } }).ws._socket;
}

const quote = (price: number) => ({ symbol: "AAPL", price });

describe("coalesced writes", () => {
  it("sends publications, events and an acknowledgement written in one turn in one write, in the order they were written", async () => {
    const gw = await bed.gateway();
    gw.router.registerExtension("test:interleave", Type.Object({}), (session) => {
      // State publications fan out inside publish(): these are written in this order.
      void gw.publish({ channel: "quotes:AAPL", data: quote(1) });
      session.connection.emit("resync", { channel: "quotes:AAPL", reason: "between two publications" });
      void gw.publish({ channel: "quotes:MSFT", data: { symbol: "MSFT", price: 2 } });
      void gw.publish({ channel: "quotes:AAPL", data: quote(3) });
      return { done: true };
    });
    const alice = await bed.connectAs(gw, "alice", "operator");
    await alice.emitWithAck("subscribe", { channels: ["quotes:AAPL", "quotes:MSFT"] });
    const seen = everything(alice);
    const writes = spyWrites(serverSide(gw, "alice").tcp());

    const reply = await alice.emitWithAck("test:interleave", {});
    expect(reply).toEqual({ ok: true, done: true });
    await until(() => seen.length === 4);
    expect(seen.map(([event, payload]) => [event, payload])).toEqual([
      ["quote:update", quote(1)],
      ["resync", { channel: "quotes:AAPL", reason: "between two publications" }],
      ["quote:update", { symbol: "MSFT", price: 2 }],
      ["quote:update", quote(3)],
    ]);
    // One write of five frames: the four events and the acknowledgement after them.
    expect(writes).toHaveLength(1);
    const frames = framesOf(writes[0]!);
    expect(frames).toHaveLength(5);
    expect(frames[4]).toMatch(/^43\d+\[\{"ok":true,"done":true\}\]$/);
  });

  it("frames are the bytes Socket.IO itself writes for the same emit", async () => {
    const gw = await bed.gateway();
    const alice = await bed.connectAs(gw, "alice", "operator");
    const { epoch } = (await alice.emitWithAck("subscribe", { channels: ["quotes:AAPL"] })).subscribed[0];
    const { session, tcp } = serverSide(gw, "alice");
    const writes = spyWrites(tcp());
    const got = new Promise((r) => alice.once("quote:update", (...args: unknown[]) => r(args)));
    const published = await gw.publish({ channel: "quotes:AAPL", data: { symbol: "AAPL", price: 1.5, note: "é ✓" } });
    await got;
    // The same event emitted through Socket.IO's own socket.emit (engine.io's path).
    const meta = { channel: "quotes:AAPL", offset: published.offset, epoch, ts: expect.any(Number) };
    const direct = framesOf(writes[0]!)[0]!;
    const parsed = JSON.parse(direct.slice(2));
    // A resumable connection's publications end with the resumption token.
    expect(parsed).toEqual(["quote:update", { symbol: "AAPL", price: 1.5, note: "é ✓" }, meta, expect.stringMatching(/^[0-9a-z]+\.[0-9a-z]+$/)]);
    session.connection.emit("quote:update", parsed[1], parsed[2], parsed[3]);
    await until(() => writes.length === 2);
    expect(writes[1]!.equals(writes[0]!)).toBe(true);
  });

  it("replays history, answers and goes live in order while trades keep being published", async () => {
    const gw = await bed.gateway();
    const first = await bed.connectAs(gw, "alice");
    const { epoch } = (await first.emitWithAck("subscribe", { channels: ["trades"] })).subscribed[0];
    for (let n = 1; n <= 20; n++) await gw.publish({ channel: "trades:alice", data: { n } });
    first.close();
    for (let n = 21; n <= 40; n++) await gw.publish({ channel: "trades:alice", data: { n } });

    const second = await bed.connectAs(gw, "alice");
    const seen = record(second, "trade:update");
    let beforeReply = -1;
    let publishing = true;
    const publisher = (async () => {
      for (let n = 41; n <= 200; n++) {
        await gw.publish({ channel: "trades:alice", data: { n } });
        if (n % 4 === 0) await turn();
      }
      publishing = false;
    })();
    const reply = await second.emitWithAck("subscribe", { channels: [{ channel: "trades", since: { offset: 20, epoch } }] }).then((r) => {
      beforeReply = seen.length;
      return r;
    });
    await publisher;
    expect(publishing).toBe(false);
    await until(() => seen.length === 180);
    expect(seen.map((e) => [e.meta.offset, e.payload])).toEqual(Array.from({ length: 180 }, (_, i) => [21 + i, { n: 21 + i }]));
    // Replayed and buffered trades came before the reply; live ones may overtake the reply, never a replayed one.
    expect(reply.subscribed[0]).toMatchObject({ channel: "trades:alice", recovered: true });
    expect(reply.subscribed[0].replayed).toBeGreaterThanOrEqual(20);
    expect(reply.subscribed[0].offset).toBeGreaterThanOrEqual(20 + reply.subscribed[0].replayed);
    expect(reply.subscribed[0].offset).toBeLessThanOrEqual(20 + beforeReply);
  });

  it("sends a frame larger than the socket buffers whole, with what was written before and after it in order", async () => {
    const gw = await bed.gateway({ maxPublicationBytes: 8 * 1024 * 1024 });
    const alice = await bed.connectAs(gw, "alice");
    await alice.emitWithAck("subscribe", { channels: ["trades"] });
    const seen = record(alice, "trade:update");
    const big = { n: 2, blob: "b".repeat(6 * 1024 * 1024) };
    void gw.publish({ channel: "trades:alice", data: { n: 1 } });
    void gw.publish({ channel: "trades:alice", data: big });
    void gw.publish({ channel: "trades:alice", data: { n: 3 } });
    const pong = await alice.emitWithAck("ping", {});
    await gw.publish({ channel: "trades:alice", data: { n: 4 } });
    await until(() => seen.length === 4, 15_000, "four trades");
    expect(pong).toMatchObject({ ok: true });
    expect(seen.map((e) => e.meta.offset)).toEqual([1, 2, 3, 4]);
    expect(seen.map((e) => e.payload)).toEqual([{ n: 1 }, big, { n: 3 }, { n: 4 }]);
  });

  it("keeps what a client does not read, counts it as its backlog, and sends it all in order once the client reads again", async () => {
    const gw = await bed.gateway({ maxQueuedPackets: 100_000, maxQueuedBytes: 1024 * 1024 * 1024 });
    const alice = await bed.connectAs(gw, "alice");
    await alice.emitWithAck("subscribe", { channels: ["trades"] });
    const seen = record(alice, "trade:update");
    const { session, tcp } = serverSide(gw, "alice");
    const writes = spyWrites(tcp());
    clientTcp(alice).pause();
    const pad = "p".repeat(16 * 1024);
    let n = 0;
    while (session.connection.bufferedPackets() < 20 && n < 5000) {
      await gw.publish({ channel: "trades:alice", data: { n: ++n, pad } });
      await turn();
    }
    expect(session.connection.bufferedPackets()).toBe(20);
    expect(session.connection.bufferedBytes()).toBeGreaterThan(20 * 16 * 1024);
    const writesWhileBlocked = writes.length;
    clientTcp(alice).resume();
    await until(() => seen.length === n, 15_000, "every trade");
    expect(seen.map((e) => e.payload)).toEqual(Array.from({ length: n }, (_, i) => ({ n: i + 1, pad })));
    // The twenty frames that waited left together.
    expect(writes.length - writesWhileBlocked).toBe(1);
    expect(session.connection.bufferedPackets()).toBe(0);
    expect(gw.metrics.totals.slowConsumerDisconnects).toBe(0);
  });

  it("skips a connection that closed between its writes and the flush; the others get everything and the server keeps serving", async () => {
    const gw = await bed.gateway();
    const clients = await Promise.all(["alice", "bob", "carol"].map((u) => bed.connectAs(gw, u, "operator")));
    for (const c of clients) await c.emitWithAck("subscribe", { channels: ["quotes:AAPL"] });
    const seen = clients.map((c) => record(c, "quote:update"));
    const bob = serverSide(gw, "bob");
    void gw.publish({ channel: "quotes:AAPL", data: quote(1) });
    bob.tcp().destroy();
    void gw.publish({ channel: "quotes:AAPL", data: quote(2) });
    await until(() => seen[0]!.length === 2 && seen[2]!.length === 2);
    expect(seen[0]!.map((e) => e.payload)).toEqual([quote(1), quote(2)]);
    expect(seen[2]!.map((e) => e.payload)).toEqual([quote(1), quote(2)]);
    expect(seen[1]).toEqual([]);
    await until(() => gw.registry.connectionCount === 2, 5000, "bob's session to close");
    await gw.publish({ channel: "quotes:AAPL", data: quote(3) });
    expect(await clients[0]!.emitWithAck("ping", {})).toMatchObject({ ok: true });
    await until(() => seen[2]!.length === 3);
  });
});

describe("batch publishing", () => {
  it("a batch of items on several channels reaches a subscriber in one write, each channel in item order", async () => {
    const gw = await bed.gateway();
    const alice = await bed.connectAs(gw, "alice", "operator");
    await alice.emitWithAck("subscribe", { channels: ["quotes:AAPL", "quotes:MSFT", "trades"] });
    const seen = everything(alice);
    const writes = spyWrites(serverSide(gw, "alice").tcp());
    const items = [1, 2, 3].flatMap((n) => [
      { channel: "quotes:AAPL", data: quote(n) },
      { channel: "trades:alice", data: { n } },
      { channel: "quotes:MSFT", data: { symbol: "MSFT", price: n } },
    ]);
    const res = await api(gw, "POST", "/api/v1/publish/batch", { items });
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: { ok: boolean; offset: number }) => [r.ok, r.offset])).toEqual([1, 2, 3].flatMap((n) => [[true, n], [true, n], [true, n]]));
    await until(() => seen.length === 9);
    const byChannel = (event: string, key: (p: Record<string, number | string>) => unknown) => seen.filter(([e, p]) => e === event && key(p as Record<string, number | string>) !== undefined).map(([, p]) => p);
    expect(byChannel("quote:update", (p) => (p.symbol === "AAPL" ? p : undefined))).toEqual([quote(1), quote(2), quote(3)]);
    expect(byChannel("quote:update", (p) => (p.symbol === "MSFT" ? p : undefined))).toEqual([1, 2, 3].map((n) => ({ symbol: "MSFT", price: n })));
    expect(byChannel("trade:update", (p) => p.n)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    // Quotes fan out as the request is handled, trades when their group commit is written: still one write, the turn's.
    expect(writes).toHaveLength(1);
    expect(framesOf(writes[0]!)).toHaveLength(9);
  });
});

describe("long-polling clients", () => {
  it("receive publications and replies in order through engine.io's own path", async () => {
    const gw = await bed.gateway();
    const { socket } = await bed.connect(gw, { token: await bed.token(gw, "alice", "operator") }, { transports: ["polling"] });
    await socket.emitWithAck("subscribe", { channels: ["quotes:AAPL", "trades"] });
    const seen = everything(socket);
    for (let n = 1; n <= 30; n++) {
      await gw.publish({ channel: n % 3 === 0 ? "trades:alice" : "quotes:AAPL", data: n % 3 === 0 ? { n } : quote(n) });
      if (n % 10 === 0) expect(await socket.emitWithAck("ping", {})).toMatchObject({ ok: true });
    }
    const published = () => seen.filter(([event]) => event !== "pong");
    await until(() => published().length === 30);
    expect(published().map(([, payload]) => (payload as { n?: number; price?: number }).n ?? (payload as { price: number }).price)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(socket.io.engine.transport.name).toBe("polling");
  });

  it("an upgrade from polling to WebSocket in the middle of a stream loses and repeats nothing", async () => {
    const gw = await bed.gateway();
    const token = await bed.token(gw, "alice", "operator");
    const socket = io(gw.url, { auth: { token }, transports: ["polling", "websocket"], reconnection: false, forceNew: true });
    bed.sockets.push(socket);
    await new Promise((r) => socket.once("connected", r));
    await socket.emitWithAck("subscribe", { channels: ["quotes:AAPL"] });
    const seen = record(socket, "quote:update");
    let n = 0;
    while (n < 2000 && (socket.io.engine.transport.name !== "websocket" || n < 200)) {
      await gw.publish({ channel: "quotes:AAPL", data: quote(++n) });
      await turn();
    }
    expect(socket.io.engine.transport.name).toBe("websocket");
    await until(() => seen.length === n, 10_000, "every quote");
    expect(seen.map((e) => e.meta.offset)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  });
});

describe("the write window", () => {
  it("holds a tier's quotes for the window so that several turns share one write; a trade or a reply is not held and takes them along", async () => {
    const gw = await bed.gateway({ writeWindowMs: { navigator: 0, participant: 0, builder: 0, operator: 1000 }, conflationMs: { navigator: 0, participant: 0, builder: 0, operator: 0 } });
    const op = await bed.connectAs(gw, "op", "operator");
    const nav = await bed.connectAs(gw, "nav", "navigator");
    for (const c of [op, nav]) await c.emitWithAck("subscribe", { channels: ["quotes:AAPL", "trades"] });
    const opWrites = spyWrites(serverSide(gw, "op").tcp());
    const navWrites = spyWrites(serverSide(gw, "nav").tcp());
    const seen = everything(op);

    await gw.publish({ channel: "quotes:AAPL", data: quote(1) });
    await turn();
    await gw.publish({ channel: "quotes:AAPL", data: quote(2) });
    await turn();
    // The navigator tier has no window: one write per turn. The operator's quotes wait.
    expect(navWrites.map((w) => framesOf(w).length)).toEqual([1, 1]);
    expect(opWrites).toEqual([]);
    await gw.publish({ channel: "trades:op", data: { n: 1 } });
    await turn();
    expect(opWrites.map((w) => framesOf(w).map((f) => JSON.parse(f.slice(2))[1]))).toEqual([[quote(1), quote(2), { n: 1 }]]);

    await gw.publish({ channel: "quotes:AAPL", data: quote(3) });
    await turn();
    const pong = await op.emitWithAck("ping", {});
    expect(pong).toMatchObject({ ok: true });
    await until(() => seen.filter(([e]) => e === "pong").length === 1);
    // The quote waited for the reply (and the pong every platform gets after a ping) and left with them.
    expect(opWrites.length).toBe(2);
    expect(framesOf(opWrites[1]!).map((f) => (f.startsWith("43") ? "ack" : JSON.parse(f.slice(2))[0]))).toEqual(["quote:update", "ack", "pong"]);

    await gw.publish({ channel: "quotes:AAPL", data: quote(4) });
    await until(() => opWrites.length === 3, 5000, "the window to end");
    expect(framesOf(opWrites[2]!).map((f) => JSON.parse(f.slice(2))[1])).toEqual([quote(4)]);
    const quotes = () => seen.filter(([e]) => e === "quote:update").map(([, p]) => p);
    await until(() => quotes().length === 4);
    expect(quotes()).toEqual([quote(1), quote(2), quote(3), quote(4)]);
  });
});

describe("slow consumers in bytes", () => {
  it("disconnects a client with SLOW_CONSUMER once maxQueuedBytes are waiting for it on an event channel", async () => {
    const gw = await bed.gateway({ maxQueuedPackets: 1_000_000, stateBacklogPackets: 1_000_000, maxQueuedBytes: 1024 * 1024 });
    const alice = await bed.connectAs(gw, "alice");
    await alice.emitWithAck("subscribe", { channels: ["trades"] });
    const errors: Array<{ code: string; message: string }> = [];
    alice.on("error", (e: { code: string; message: string }) => errors.push(e));
    clientTcp(alice).pause();
    const pad = "x".repeat(32 * 1024);
    let n = 0;
    while (gw.metrics.totals.slowConsumerDisconnects === 0 && n < 2000) {
      await gw.publish({ channel: "trades:alice", data: { n: ++n, pad } });
      await turn();
    }
    expect(gw.metrics.totals.slowConsumerDisconnects).toBe(1);
    clientTcp(alice).resume();
    await until(() => errors.length === 1, 10_000, "the error");
    const waiting = Number(/^(\d+) bytes were waiting/.exec(errors[0]!.message)?.[1]);
    expect(errors[0]!.code).toBe("SLOW_CONSUMER");
    expect(waiting).toBeGreaterThanOrEqual(1024 * 1024);
  });

  it("holds state publications once stateBacklogBytes are waiting, and sends the newest when the client reads again", async () => {
    const gw = await bed.gateway({ stateBacklogPackets: 1_000_000, stateBacklogBytes: 256 * 1024 });
    const alice = await bed.connectAs(gw, "alice", "operator");
    await alice.emitWithAck("subscribe", { channels: ["quotes:AAPL"] });
    const seen = record(alice, "quote:update");
    clientTcp(alice).pause();
    const pad = "q".repeat(16 * 1024);
    let n = 0;
    while (gw.metrics.totals.superseded < 10 && n < 5000) {
      await gw.publish({ channel: "quotes:AAPL", data: { symbol: "AAPL", price: ++n, pad } });
      await turn();
    }
    expect(gw.metrics.totals.superseded).toBe(10);
    const last = ++n;
    await gw.publish({ channel: "quotes:AAPL", data: { symbol: "AAPL", price: last } });
    clientTcp(alice).resume();
    await until(() => seen.at(-1)?.meta.offset === last, 10_000, "the newest quote");
    const offsets = seen.map((e) => e.meta.offset as number);
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    expect(seen.length + gw.metrics.totals.superseded).toBe(last);
    expect(seen.at(-1)!.payload).toEqual({ symbol: "AAPL", price: last });
  });
});
