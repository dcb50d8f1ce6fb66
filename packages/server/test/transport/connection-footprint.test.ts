import { afterEach, describe, expect, it } from "vitest";
import { TestBed, record, until } from "../helpers.js";

const bed = new TestBed();
afterEach(() => bed.cleanup());

describe("what an open connection keeps", () => {
  it("lets go of the handshake: no token, headers or request are kept, the address is", async () => {
    const gw = await bed.gateway();
    const alice = await bed.connectAs(gw, "alice");
    await alice.emitWithAck("subscribe", { channels: ["trades"] });
    const [socket] = await gw.transport.io.fetchSockets();
    expect(socket!.handshake.auth).toEqual({});
    expect(socket!.handshake.headers).toEqual({});
    expect(socket!.handshake.address).toBe("127.0.0.1");
    const session = gw.registry.ofUser("alice")[0]!;
    expect(session.connection.address).toBe("127.0.0.1");
    expect((session.connection as unknown as { socket: { conn: { request: unknown } } }).socket.conn.request).toBeNull();
  });

  it("still closes cleanly: engine.io forgets the connection, the user's slot is free again, server:shutdown reaches everyone", async () => {
    const gw = await bed.gateway({ maxConnectionsPerUser: 1 });
    const first = await bed.connectAs(gw, "alice");
    await first.emitWithAck("subscribe", { channels: ["trades"] });
    first.close();
    await until(() => gw.transport.io.engine.clientsCount === 0 && gw.registry.connectionCount === 0, 5000, "the connection to be forgotten");
    const again = await bed.connectAs(gw, "alice");
    const bob = await bed.connectAs(gw, "bob");
    const seen = record(again, "trade:update");
    await again.emitWithAck("subscribe", { channels: ["trades"] });
    await gw.publish({ channel: "trades:alice", data: { n: 1 } });
    await until(() => seen.length === 1);
    const shutdowns: unknown[] = [];
    for (const c of [again, bob]) c.on("server:shutdown", (p: unknown) => shutdowns.push(p));
    const closed = Promise.all([again, bob].map((c) => new Promise((r) => c.once("disconnect", r))));
    await gw.close();
    await closed;
    expect(shutdowns).toEqual([{ reconnectAfterMs: 1000 }, { reconnectAfterMs: 1000 }]);
  });
});
