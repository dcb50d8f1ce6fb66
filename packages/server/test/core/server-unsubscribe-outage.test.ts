import { afterEach, describe, expect, it } from "vitest";
import type { Socket } from "socket.io-client";
import type { Gateway } from "@tickwire/server";
import { api, record, TestBed, until } from "../helpers.js";
import { TcpProxy } from "../../../../test/support/tcp-proxy.js";
import { REDIS_URL, redisAvailable } from "../services.js";
import { deleteKeys, testPrefix } from "../multi-node/redis-test-keys.js";

// A server-side unsubscribe (and a room removal, which is one) while the node cannot reach Redis: the node's own
// connections are unsubscribed at once, the API says UNAVAILABLE, and the other nodes are told once Redis is back.
describe.runIf(await redisAvailable())("server-side unsubscribe while Redis is unreachable", () => {
  const bed = new TestBed();
  const proxies: TcpProxy[] = [];
  let prefix = testPrefix();
  afterEach(async () => {
    await bed.cleanup();
    for (const p of proxies.splice(0)) await p.close();
    await deleteKeys(prefix);
    prefix = testPrefix();
  });

  /** A gateway whose Redis is behind a proxy the test cuts. */
  async function behindProxy(options: { redisCommandTimeoutMs?: number } = {}): Promise<{ gw: Gateway; proxy: TcpProxy }> {
    const target = new URL(REDIS_URL);
    const proxy = await new TcpProxy({ host: target.hostname, port: Number(target.port) }).start();
    proxies.push(proxy);
    // Reads go to the proxy too: a cut one takes the whole engine with it.
    return { gw: await bed.gateway({ redisUrl: proxy.urlFor(REDIS_URL), redisPrefix: prefix, ...options }), proxy };
  }

  async function connect(gw: Gateway, user: string): Promise<Socket> {
    const socket = await bed.connectAs(gw, user, "builder");
    await gw.serverSubscriptions.whenListening(user);
    return socket;
  }

  const cutOff = async (gw: Gateway, proxy: TcpProxy): Promise<void> => {
    proxy.cut();
    await until(() => gw.engine.health?.().ok === false, 5000, "the engine to see Redis gone");
  };

  it("ends the node's own subscriptions at once, answers UNAVAILABLE, and reaches the other node once Redis is back", async () => {
    const { gw: a, proxy } = await behindProxy();
    const b = await bed.gateway({ redisUrl: REDIS_URL, redisPrefix: prefix });
    const aliceA = await connect(a, "alice");
    const aliceB = await connect(b, "alice");
    const bobB = await connect(b, "bob");
    for (const s of [aliceA, aliceB, bobB]) expect((await s.emitWithAck("subscribe", { channels: ["signals"] })).subscribed).toHaveLength(1);
    const gone = [record(aliceA, "server:unsubscribed"), record(aliceB, "server:unsubscribed")];

    await cutOff(a, proxy);
    expect(await api(a, "POST", "/api/v1/users/alice/unsubscribe", { channels: ["signals"] })).toEqual({
      status: 503,
      body: {
        statusCode: 503,
        code: "UNAVAILABLE",
        message: "This node's connections were unsubscribed, but the other nodes cannot be reached right now: the request is sent to them as soon as they can be (repeating it is safe).",
      },
    });
    await until(() => gone[0]!.length === 1, 5000, "server:unsubscribed on the cut-off node");
    expect(gone[0]![0]!.payload).toEqual({ unsubscribed: ["signals"] });
    expect(a.hub.subscriptionsByNamespace().signals ?? 0).toBe(0);
    // The other node could not be told yet: alice's subscription there still stands, and the request waits.
    expect(gone[1]).toEqual([]);
    expect(b.hub.subscriptionsByNamespace().signals).toBe(2);
    expect(a.serverSubscriptions.pendingUnsubscribes).toBe(1);

    proxy.restore();
    await until(() => gone[1]!.length === 1, 15_000, "server:unsubscribed on the other node after Redis came back");
    expect(gone[1]![0]!.payload).toEqual({ unsubscribed: ["signals"] });
    expect(a.serverSubscriptions.pendingUnsubscribes).toBe(0);
    expect(b.hub.subscriptionsByNamespace().signals).toBe(1);
    // The node that applied it first does not apply it twice.
    expect(gone[0]).toHaveLength(1);

    const got = [aliceA, aliceB, bobB].map((s) => record(s, "signal:new"));
    await api(b, "POST", "/api/v1/publish", { channel: "signals", data: { id: "s1", symbol: "AAPL", action: "buy" } });
    await until(() => got[2]!.length === 1, 5000, "bob's signal");
    for (const s of [aliceA, aliceB]) await s.emitWithAck("ping", {});
    expect([got[0], got[1]]).toEqual([[], []]);
  });

  it("a room removal during the outage ends the member's subscription on the node, answers UNAVAILABLE, and the removal stands", async () => {
    const { gw, proxy } = await behindProxy();
    await api(gw, "POST", "/api/v1/rooms", { id: "desk", type: "protected", capacity: 5 });
    const alice = await connect(gw, "alice");
    const bob = await connect(gw, "bob");
    const told = [record(alice, "server:subscribed"), record(bob, "server:subscribed")];
    for (const userId of ["alice", "bob"]) await api(gw, "POST", "/api/v1/rooms/desk/members", { userId });
    await until(() => told.every((t) => t.length === 1), 5000, "both members subscribed");
    const gone = record(alice, "server:unsubscribed");

    await cutOff(gw, proxy);
    expect(await api(gw, "DELETE", "/api/v1/rooms/desk/members/alice")).toEqual({
      status: 503,
      body: { statusCode: 503, code: "UNAVAILABLE", message: '"alice" was removed from room "desk" and unsubscribed on this node; the other nodes cannot be reached right now and are told as soon as they can be.' },
    });
    await until(() => gone.length === 1, 5000, "server:unsubscribed");
    expect(gone[0]!.payload).toEqual({ unsubscribed: ["rooms:desk"] });
    expect((await api(gw, "GET", "/api/v1/rooms/desk/members")).body.members.map((m: { userId: string }) => m.userId)).toEqual(["bob"]);

    proxy.restore();
    await until(() => gw.serverSubscriptions.pendingUnsubscribes === 0, 15_000, "the request to reach the nodes");
    const got = [record(alice, "room:message"), record(bob, "room:message")];
    expect((await api(gw, "POST", "/api/v1/rooms/desk/publish", { data: { text: "after the outage" } })).status).toBe(200);
    await until(() => got[1]!.length === 1, 5000, "bob's message");
    await alice.emitWithAck("ping", {});
    expect(got[0]).toEqual([]);
    expect(gw.hub.subscriptionsByNamespace().rooms).toBe(1);
  });

  it("a Redis that stops answering without closing fails publishes, subscribes and the unsubscribe's remote part after the command timeout, instead of holding them", async () => {
    const { gw, proxy } = await behindProxy({ redisCommandTimeoutMs: 300 });
    const alice = await connect(gw, "alice");
    expect((await alice.emitWithAck("subscribe", { channels: ["signals"] })).subscribed).toHaveLength(1);
    const gone = record(alice, "server:unsubscribed");

    // Open connections pass nothing either way: no reset, no error, only silence.
    proxy.stall();
    const publish = await api(gw, "POST", "/api/v1/publish", { channel: "signals", data: { id: "s1", symbol: "AAPL", action: "buy" } });
    expect({ status: publish.status, code: publish.body.code }).toEqual({ status: 503, code: "UNAVAILABLE" });
    const subscribe = await alice.emitWithAck("subscribe", { channels: ["trades"] });
    expect(subscribe.subscribed).toEqual([]);
    expect(subscribe.failed).toEqual([{ channel: "trades", code: "UNAVAILABLE", message: "The channel cannot be subscribed right now; retry." }]);
    const unsubscribe = await api(gw, "POST", "/api/v1/users/alice/unsubscribe", { channels: ["signals"] });
    expect({ status: unsubscribe.status, code: unsubscribe.body.code }).toEqual({ status: 503, code: "UNAVAILABLE" });
    await until(() => gone.length === 1, 5000, "server:unsubscribed on the node");
    expect(gone[0]!.payload).toEqual({ unsubscribed: ["signals"] });

    proxy.restore();
    let status = 0;
    for (const deadline = Date.now() + 15_000; status !== 200 && Date.now() < deadline; ) {
      status = (await api(gw, "POST", "/api/v1/publish", { channel: "signals", data: { id: "s2", symbol: "AAPL", action: "sell" } })).status;
    }
    expect(status).toBe(200);
  });
});
