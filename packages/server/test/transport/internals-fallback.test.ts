import { afterEach, describe, expect, it } from "vitest";
import type { EngineConnection } from "../../src/transport/engine-internals.js";
import { record, TestBed, until, captureLogs } from "../helpers.js";

const bed = new TestBed();
afterEach(() => bed.cleanup());

// This file's default level.
const capture = (level = "warn"): ReturnType<typeof captureLogs> => captureLogs(level);

const ERROR = 50;

describe("a gateway whose engine.io or ws internals changed", () => {
  it("logs the changed member once, by name, and delivers through engine.io's own write path, every publication once and in order", async () => {
    const { logger, lines } = capture();
    const gw = await bed.gateway({}, { logger });
    // Before the gateway sees a connection, its WebSocket's extensions become what a changed ws might hold (ws itself reads none of them here).
    gw.transport.io.engine.prependListener("connection", (conn: EngineConnection) => {
      if (conn.transport.socket) (conn.transport.socket as unknown as { _extensions: unknown })._extensions = "changed";
    });
    const alice = await bed.connectAs(gw, "alice");
    const bob = await bed.connectAs(gw, "bob");
    const seen = { alice: record(alice, "trade:update"), bob: record(bob, "trade:update") };
    await alice.emitWithAck("subscribe", { channels: ["trades"] });
    await bob.emitWithAck("subscribe", { channels: ["trades"] });
    // Neither connection's transport was taken over: engine.io's own send writes their packets.
    const transports = [...gw.transport.io.of("/").sockets.values()].map((s) => s.conn.transport);
    expect(transports.map((t) => [t.name, Object.hasOwn(t, "send")])).toEqual([["websocket", false], ["websocket", false]]);
    for (let n = 1; n <= 20; n++) await gw.publish({ channel: "trades:alice", data: { n } });
    await gw.publish({ channel: "trades:bob", data: { n: 1 } });
    await until(() => seen.alice.length === 20 && seen.bob.length === 1, 5000, "every trade");
    expect(seen.alice.map((s) => s.payload)).toEqual(Array.from({ length: 20 }, (_, i) => ({ n: i + 1 })));
    expect(seen.alice.map((s) => s.meta.offset)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(seen.bob.map((s) => [s.payload, s.meta.channel])).toEqual([[{ n: 1 }, "trades:bob"]]);
    const reports = lines.filter((l) => typeof l.problem === "string");
    expect(reports).toEqual([expect.objectContaining({ level: ERROR, problem: "ws WebSocket._extensions is not an object" })]);
  });
});
