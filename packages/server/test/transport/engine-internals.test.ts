import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Socket as NetSocket } from "node:net";
import { Server, type Socket as ServerSocket } from "socket.io";
import { io as connect, type Socket } from "socket.io-client";
import { afterEach, describe, expect, it } from "vitest";
import { shedHandshake } from "../../src/transport/connection-footprint.js";
import {
  closeTransport,
  compresses,
  connectionProblem,
  detachHttpServer,
  encodeEvent,
  encoderProblem,
  engineOf,
  footprintOf,
  footprintProblem,
  isCloseRelay,
  isUpgradeErrorHandler,
  listenerTable,
  setPid,
  transportProblem,
  webSocketOf,
  type EngineConnection,
  type EnginePacket,
  type EngineTransport,
} from "../../src/transport/engine-internals.js";
import { EncodedPacket, wsFrame } from "../../src/transport/ws-frame.js";
import { installWritePath, queuedPackets, writePacket } from "../../src/transport/ws-write-path.js";
import { WriteScheduler } from "../../src/transport/write-scheduler.js";
import { until } from "../helpers.js";

// engine.io, socket.io and ws members the gateway relies on, on real connections
// of a plain Socket.IO server: this file fails when an upgrade of one of them
// changes a member (the adapter would then log it and fall back; see the last block).

type Fixture = { http: HttpServer; io: Server; url: string };
const fixtures: Fixture[] = [];
const clients: Socket[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  for (const { io } of fixtures.splice(0)) await new Promise<void>((resolve) => io.close(() => resolve()));
});

async function server(): Promise<Fixture> {
  const http = createServer();
  const io = new Server(http);
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const fixture = { http, io, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}` };
  fixtures.push(fixture);
  return fixture;
}

/** A client connected with `transports`, and the server's socket of it. */
async function connection(fixture: Fixture, transports: Array<"polling" | "websocket">, auth: Record<string, unknown> = {}): Promise<{ client: Socket; socket: ServerSocket }> {
  const opened = new Promise<ServerSocket>((resolve) => fixture.io.once("connection", resolve));
  const client = connect(fixture.url, { transports, auth, reconnection: false, forceNew: true });
  clients.push(client);
  const socket = await opened;
  if (!client.connected) await new Promise<void>((resolve) => client.once("connect", () => resolve()));
  return { client, socket };
}

/** Every event the client receives, in order. */
function received(client: Socket): Array<[string, ...unknown[]]> {
  const seen: Array<[string, ...unknown[]]> = [];
  client.onAny((event: string, ...args: unknown[]) => seen.push([event, ...args]));
  return seen;
}

/** Records the packets engine.io hands the transport, still sending them. */
function spySend(transport: EngineTransport): EnginePacket[][] {
  const sends: EnginePacket[][] = [];
  const send = transport.send.bind(transport);
  transport.send = (packets) => {
    sends.push(packets.map((p) => ({ ...p })));
    send(packets);
  };
  return sends;
}

const event = (name: string, ...args: unknown[]): string => `2${JSON.stringify([name, ...args])}`;
const noProblem = (problems: string[]) => (problem: string) => problems.push(problem);

describe("engine.io, socket.io and ws members the gateway relies on", () => {
  it("a WebSocket connection has every member the write path and the footprint read, of the expected types", async () => {
    const fixture = await server();
    const { socket } = await connection(fixture, ["websocket"]);
    const conn = engineOf(socket);
    expect(conn.transport.name).toBe("websocket");
    expect(connectionProblem(conn)).toBeUndefined();
    expect(transportProblem(conn.transport)).toBeUndefined();
    expect(footprintProblem(footprintOf(socket))).toBeUndefined();
    const { ws, sink } = webSocketOf(conn.transport)!;
    expect(sink).toBeInstanceOf(NetSocket);
    expect(ws.readyState).toBe(1);
    // Socket.IO negotiates no compression by default: the coalescing writer takes the transport.
    expect(ws._extensions).toEqual({});
    expect(compresses(conn.transport)).toBe(false);
    expect(conn.writeBuffer).toEqual([]);
    expect(conn.request).toBeTypeOf("object");
    for (const emitter of [ws, conn.transport, conn, socket]) expect(listenerTable(emitter)).toBeTypeOf("object");
    // Node's streams preset their table as an ordinary object: the footprint leaves the TCP socket's as it is.
    expect(listenerTable(sink)).toBeUndefined();
  });

  it("the upgrade's listeners the footprint lets go of are there, one each, recognised by name and source", async () => {
    const fixture = await server();
    const { socket } = await connection(fixture, ["websocket"]);
    const { ws, sink } = webSocketOf(engineOf(socket).transport)!;
    type Fn = (...args: unknown[]) => unknown;
    const unwrap = (fn: Fn | Function): Fn => (fn as { listener?: Fn }).listener ?? (fn as Fn);
    expect((sink as unknown as NetSocket).rawListeners("close").map(unwrap).filter(isCloseRelay)).toHaveLength(1);
    expect(ws.rawListeners("error").map(unwrap).filter(isUpgradeErrorHandler)).toHaveLength(1);
    expect(engineOf(socket).transport.rawListeners("headers")).toHaveLength(1);

    shedHandshake(socket, noProblem([]));
    expect((sink as unknown as NetSocket).rawListeners("close").map(unwrap).filter(isCloseRelay)).toHaveLength(0);
    expect(ws.rawListeners("error").map(unwrap).filter(isUpgradeErrorHandler)).toHaveLength(0);
    expect(engineOf(socket).request).toBeNull();
  });

  it("engine.io hands the transport every packet through send(packets), options included, and holds them in writeBuffer while the transport is not writable", async () => {
    const fixture = await server();
    const { client, socket } = await connection(fixture, ["websocket"]);
    const conn = engineOf(socket);
    const seen = received(client);
    const sends = spySend(conn.transport);
    const frame = wsFrame(`4${event("one", 1)}`);

    conn.write(event("one", 1), { wsPreEncodedFrame: [frame] });
    expect(sends).toEqual([[{ type: "message", data: event("one", 1), options: { compress: true, wsPreEncodedFrame: [frame] } }]]);
    expect(conn.writeBuffer).toEqual([]);

    conn.transport.writable = false;
    conn.write(event("two", 2), {});
    conn.write(event("three", 3), {});
    expect(conn.writeBuffer).toHaveLength(2);
    expect(sends).toHaveLength(1);
    conn.transport.writable = true;
    (conn as unknown as { flush(): void }).flush();
    expect(conn.writeBuffer).toEqual([]);
    expect(sends[1]!.map((p) => p.data)).toEqual([event("two", 2), event("three", 3)]);
    // The first packet left as its pre-encoded frame, the others encoded by the transport.
    await until(() => seen.length === 3, 5000, "three events");
    expect(seen).toEqual([["one", 1], ["two", 2], ["three", 3]]);
  });

  it("the transport's parser encodes a packet synchronously, and its doClose is on the prototype", async () => {
    const fixture = await server();
    const { socket } = await connection(fixture, ["websocket"]);
    const { transport } = engineOf(socket);
    const out: unknown[] = [];
    transport.parser.encodePacket({ type: "message", data: "abc" }, transport.supportsBinary, (data) => out.push(data));
    expect(out).toEqual(["4abc"]);
    expect(Object.hasOwn(transport, "doClose")).toBe(false);
    expect(Object.getPrototypeOf(transport).doClose).toBeTypeOf("function");
  });

  it("with the write path on a WebSocket, frames go through the coalescing writer in write order, and what it holds leaves before the close", async () => {
    const fixture = await server();
    const scheduler = new WriteScheduler();
    const problems: string[] = [];
    fixture.io.engine.on("connection", (conn: EngineConnection) => installWritePath(conn, scheduler, noProblem(problems)));
    const { client, socket } = await connection(fixture, ["websocket"]);
    const conn = engineOf(socket);
    expect(Object.hasOwn(conn.transport, "send")).toBe(true);
    const seen = received(client);
    const closed = new Promise((resolve) => client.once("disconnect", resolve));
    for (let n = 1; n <= 3; n++) {
      writePacket(conn, new EncodedPacket(event("direct", n)), 0);
      socket.emit("emitted", n);
    }
    (conn as unknown as { close(): void }).close();
    expect(await closed).toBe("transport close");
    expect(seen).toEqual([["direct", 1], ["emitted", 1], ["direct", 2], ["emitted", 2], ["direct", 3], ["emitted", 3]]);
    expect(problems).toEqual([]);
  });

  it("a long-polling connection has the members the write path reads, and after its upgrade the WebSocket transport has the rest", async () => {
    const fixture = await server();
    const scheduler = new WriteScheduler();
    const problems: string[] = [];
    let upgraded: Promise<EngineTransport> | undefined;
    fixture.io.engine.on("connection", (conn: EngineConnection) => {
      expect(conn.transport.name).toBe("polling");
      expect(connectionProblem(conn)).toBeUndefined();
      upgraded = new Promise<EngineTransport>((resolve) => conn.on("upgrade", resolve));
      installWritePath(conn, scheduler, noProblem(problems));
    });
    const { client, socket } = await connection(fixture, ["polling", "websocket"]);
    const conn = engineOf(socket);
    expect(footprintProblem(footprintOf(socket))).toBeUndefined();
    const seen = received(client);
    const transport = await upgraded!;
    expect(transport.name).toBe("websocket");
    expect(transportProblem(transport)).toBeUndefined();
    // The upgrade handed the new transport to the write path: its send is the writer's.
    expect(Object.hasOwn(transport, "send")).toBe(true);
    for (let n = 1; n <= 3; n++) writePacket(conn, new EncodedPacket(event("after", n)), 0);
    await until(() => seen.length === 3, 5000, "three events");
    expect(seen).toEqual([["after", 1], ["after", 2], ["after", 3]]);
    expect(problems).toEqual([]);
  });

  it("socket.io's encoder writes an event as one string (several packets with a binary attachment), and the server holds its HTTP server as httpServer", async () => {
    const fixture = await server();
    expect(encoderProblem(fixture.io)).toBeUndefined();
    const meta = { channel: "quotes:AAPL", offset: 1, epoch: "e", ts: 5 };
    expect(encodeEvent(fixture.io, "quote:update", [{ price: 1 }, meta, "token"])).toBe(`2["quote:update",{"price":1},${JSON.stringify(meta)},"token"]`);
    expect(encodeEvent(fixture.io, "quote:update", [Buffer.from([1]), meta])).toBeUndefined();
    expect(fixture.io.httpServer).toBe(fixture.http);
    expect(detachHttpServer(fixture.io)).toBe(true);
    await new Promise<void>((resolve) => fixture.io.close(() => resolve()));
    fixtures.splice(fixtures.indexOf(fixture), 1);
    expect(fixture.http.listening).toBe(true);
    await new Promise((resolve) => fixture.http.close(resolve));
  });

  it("the pid set in a middleware reaches the client in CONNECT, which sends it back with the last token when it reconnects", async () => {
    const fixture = await server();
    const auths: unknown[] = [];
    fixture.io.use((socket, next) => {
      auths.push(socket.handshake.auth);
      setPid(socket, "pid-1");
      next();
    });
    const opened = new Promise<ServerSocket>((resolve) => fixture.io.once("connection", resolve));
    const client = connect(fixture.url, { transports: ["websocket"], forceNew: true, reconnectionDelay: 10, reconnectionDelayMax: 10 });
    clients.push(client);
    const first = await opened;
    const got = new Promise((resolve) => client.once("quote:update", (...args: unknown[]) => resolve(args)));
    first.emit("quote:update", { price: 1 }, { offset: 1 }, "token-7");
    expect(await got).toEqual([{ price: 1 }, { offset: 1 }, "token-7"]);
    const again = new Promise<ServerSocket>((resolve) => fixture.io.once("connection", resolve));
    (first.conn as unknown as { close(): void }).close();
    await again;
    expect(auths).toEqual([{}, { pid: "pid-1", offset: "token-7" }]);
  });
});

describe("when a member is missing or changed", () => {
  /** `target` seen without the members `hidden` names (reads answer undefined); its methods stay bound to it. */
  function without<T extends object>(target: T, hidden: Record<string, unknown>): T {
    return new Proxy(target, {
      has: (t, key) => !(key in hidden) && Reflect.has(t, key),
      get: (t, key) => {
        if (key in hidden) return hidden[key as string];
        const value = Reflect.get(t, key, t) as unknown;
        return typeof value === "function" ? value.bind(t) : value;
      },
    });
  }

  it("a connection without writeBuffer is reported by name and keeps engine.io's write path: deliveries arrive, in order, and its queue is still counted", async () => {
    const fixture = await server();
    const scheduler = new WriteScheduler();
    const problems: string[] = [];
    let seenConn: EngineConnection | undefined;
    fixture.io.engine.on("connection", (conn: EngineConnection) => {
      seenConn = without(conn, { writeBuffer: undefined });
      installWritePath(seenConn, scheduler, noProblem(problems));
    });
    const { client, socket } = await connection(fixture, ["websocket"]);
    const real = engineOf(socket);
    const conn = seenConn!;
    expect(problems).toEqual(["engine.io Socket.writeBuffer is not an array"]);
    expect(Object.hasOwn(real.transport, "send")).toBe(false);
    const seen = received(client);
    for (let n = 1; n <= 5; n++) {
      writePacket(conn, new EncodedPacket(event("direct", n)), 0);
      socket.emit("emitted", n);
    }
    await until(() => seen.length === 10 && real.transport.writable, 5000, "ten events");
    real.transport.writable = false;
    writePacket(conn, new EncodedPacket(event("held", 1)), 0);
    writePacket(conn, new EncodedPacket(event("held", 2)), 0);
    expect(queuedPackets(conn)).toBe(2);
    real.transport.writable = true;
    (real as unknown as { flush(): void }).flush();
    expect(queuedPackets(conn)).toBe(0);
    await until(() => seen.length === 12, 5000, "twelve events");
    expect(seen).toEqual([
      ...[1, 2, 3, 4, 5].flatMap((n) => [["direct", n], ["emitted", n]]),
      ["held", 1],
      ["held", 2],
    ]);
  });

  it("a WebSocket transport without its TCP socket is reported by name and keeps engine.io's write path, deliveries in order", async () => {
    const fixture = await server();
    const scheduler = new WriteScheduler();
    const problems: string[] = [];
    let seenConn: EngineConnection | undefined;
    fixture.io.engine.on("connection", (conn: EngineConnection) => {
      const ws = without(conn.transport.socket!, { _socket: undefined });
      seenConn = without(conn, { transport: without(conn.transport, { socket: ws }) });
      installWritePath(seenConn, scheduler, noProblem(problems));
    });
    const { client, socket } = await connection(fixture, ["websocket"]);
    expect(problems).toEqual(["ws WebSocket._socket (the TCP socket) is not an object"]);
    expect(Object.hasOwn(engineOf(socket).transport, "send")).toBe(false);
    const seen = received(client);
    for (let n = 1; n <= 5; n++) {
      writePacket(seenConn!, new EncodedPacket(event("direct", n)), 0);
      socket.emit("emitted", n);
    }
    await until(() => seen.length === 10, 5000, "ten events");
    expect(seen).toEqual([1, 2, 3, 4, 5].flatMap((n) => [["direct", n], ["emitted", n]]));
  });

  it("a connection without its request is reported and its footprint left as it is; the handshake is still shed", async () => {
    const fixture = await server();
    const { socket } = await connection(fixture, ["websocket"], { token: "secret" });
    const real = engineOf(socket);
    const seenSocket = without(socket, { conn: without(real, { request: undefined }) });
    const problems: string[] = [];
    shedHandshake(seenSocket, noProblem(problems));
    expect(problems).toEqual(["engine.io Socket.request is missing"]);
    expect(real.request).toBeTypeOf("object");
    expect(real.request).not.toBeNull();
    expect(socket.handshake.auth).toEqual({});
  });

  it("an encoder that does not encode an event as one string is described", () => {
    expect(encoderProblem({ encoder: {} as Server["encoder"] })).toBe("socket.io Server.encoder.encode is not a function");
    expect(encoderProblem({ encoder: { encode: () => ["2", "attachment"] } as unknown as Server["encoder"] })).toBe("socket.io Server.encoder encodes an event as undefined");
    expect(
      encoderProblem({
        encoder: {
          encode: () => {
            throw new Error("no");
          },
        } as unknown as Server["encoder"],
      }),
    ).toBe("socket.io Server.encoder.encode throws: no");
  });

  it("closing a transport whose doClose was taken over still closes it through engine.io's own", async () => {
    const fixture = await server();
    const { client, socket } = await connection(fixture, ["websocket"]);
    const { transport } = engineOf(socket);
    const disconnected = new Promise((resolve) => client.once("disconnect", resolve));
    closeTransport(transport);
    expect(await disconnected).toBe("transport close");
  });
});
