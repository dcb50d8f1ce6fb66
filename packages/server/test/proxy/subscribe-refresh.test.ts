import { describe, expect, it } from "vitest";
import type { Socket } from "socket.io-client";
import type { Gateway } from "@tickwire/server";
import { record, TestBed, until } from "../helpers.js";
import { Backend, useBackend, type BackendCall, type BackendReply } from "./backend.js";

// The subscribe proxy's refresh (docs/backend-hooks.md): live subscriptions the backend admitted are asked about
// again; a refusal ends them with server:unsubscribed FORBIDDEN, a backend that cannot answer keeps them.
const bed = new TestBed();
const backend = useBackend(bed);

const ALLOW: BackendReply = { json: { result: {} } };

/** Answers by the number of times the backend was asked about this user and channel (1 = the subscribe). */
function byAsk(answer: (ask: number, call: BackendCall) => BackendReply): void {
  const asks = new Map<string, number>();
  backend.reply = (call) => {
    const key = `${call.body.userId as string} ${call.body.channel as string}`;
    const n = (asks.get(key) ?? 0) + 1;
    asks.set(key, n);
    return answer(n, call);
  };
}

const asked = (userId: string, channel = "quotes:AAPL"): BackendCall[] => backend.on("/subscribe").filter((c) => c.body.userId === userId && c.body.channel === channel);

async function refreshes(gw: Gateway): Promise<Record<string, number>> {
  const metric = await gw.metrics.subscribeRefreshes.get();
  return Object.fromEntries(metric.values.map((v) => [String(v.labels.result), v.value]));
}

async function subscribed(socket: Socket, channel = "quotes:AAPL"): Promise<void> {
  expect(await socket.emitWithAck("subscribe", { channels: [channel] })).toMatchObject({ ok: true, subscribed: [{ channel }], failed: [] });
}

// Refreshes run on timers of a few hundred ms: a loaded machine may take many of them to get through.
describe("subscribe proxy refresh", { timeout: 60_000 }, () => {
  it("ends a live subscription the backend refuses on the second ask, tells the connection why, and nothing later reaches it", async () => {
    const gw = await bed.gateway({ proxySubscribeUrl: `${backend.url}/subscribe`, proxySubscribeNamespaces: ["quotes"], proxySubscribeCacheMs: 0, proxySubscribeRefreshMs: 200 });
    byAsk((n, call) => (call.body.userId === "alice" && n >= 2 ? { json: { error: { code: "NOT_ENTITLED", message: "Your AAPL entitlement ended." } } } : ALLOW));
    const alice = await bed.connect(gw, { token: await gw.issueToken({ sub: "alice", tier: "builder", roles: ["pro"] }) });
    const bob = await bed.connectAs(gw, "bob", "builder");
    await subscribed(alice.socket);
    await subscribed(bob);
    await subscribed(alice.socket, "trades:alice");
    const ended = record(alice.socket, "server:unsubscribed");
    const bobEnded = record(bob, "server:unsubscribed");

    await until(() => ended.length === 1, 15_000, "alice's subscription ended by the refresh");
    expect(ended[0]!.payload).toEqual({ unsubscribed: ["quotes:AAPL"], code: "FORBIDDEN", message: "Your AAPL entitlement ended." });
    // The refresh is the subscribe request with `refresh: true`, for the same identity.
    expect(asked("alice")[1]!.body).toEqual({
      channel: "quotes:AAPL",
      namespace: "quotes",
      userId: "alice",
      tier: "builder",
      roles: ["pro"],
      connectionId: alice.socket.id,
      traceId: expect.stringMatching(/^[0-9a-f]{16}$/),
      refresh: true,
    });

    const aliceQuotes = record(alice.socket, "quote:update");
    const bobQuotes = record(bob, "quote:update");
    await gw.publish({ channel: "quotes:AAPL", data: { symbol: "AAPL", price: 190.1 } });
    await until(() => bobQuotes.length === 1, 15_000, "bob's quote");
    await alice.socket.emitWithAck("ping", {});
    expect(aliceQuotes).toEqual([]);
    expect(bobEnded).toEqual([]);
    // Her other subscription (of a namespace the backend is not asked about) stays; coming back to AAPL is refused as the backend says.
    expect(gw.subscriptions.find(gw.registry.ofUser("alice")[0]!, "trades:alice")).toBeDefined();
    expect(await alice.socket.emitWithAck("subscribe", { channels: ["quotes:AAPL"] })).toMatchObject({ subscribed: [], failed: [{ channel: "quotes:AAPL", code: "FORBIDDEN", message: "Your AAPL entitlement ended." }] });
    expect((await refreshes(gw)).refused).toBe(1);
  });

  it("keeps the subscription while the backend is unreachable, slow or malformed during a refresh, and counts each", async () => {
    const gw = await bed.gateway({ proxySubscribeUrl: `${backend.url}/subscribe`, proxySubscribeCacheMs: 0, proxySubscribeRefreshMs: 150, proxyTimeoutMs: 300 });
    const answers: BackendReply[] = [ALLOW, { destroy: true }, { hold: true }, { raw: "not json" }, { json: { result: { refreshAfterMs: "soon" } } }, ALLOW];
    byAsk((n) => answers[n - 1] ?? ALLOW);
    const alice = await bed.connectAs(gw, "alice", "builder");
    await subscribed(alice);
    const ended = record(alice, "server:unsubscribed");

    // The sixth ask comes only after the fifth was answered and counted.
    await until(() => asked("alice").length >= 6, 20_000, "five refreshes");
    expect(await refreshes(gw)).toMatchObject({ failed: 4 });
    expect(ended).toEqual([]);
    const quotes = record(alice, "quote:update");
    await gw.publish({ channel: "quotes:AAPL", data: { symbol: "AAPL", price: 191 } });
    await until(() => quotes.length === 1, 15_000, "the quote of a kept subscription");
    expect(quotes[0]!.payload).toEqual({ symbol: "AAPL", price: 191 });
  });

  it("keeps the subscription while nothing listens at the backend's address any more", async () => {
    const own = new Backend();
    const gw = await bed.gateway({ proxySubscribeUrl: `${await own.start()}/subscribe`, proxySubscribeCacheMs: 0, proxySubscribeRefreshMs: 100 });
    const alice = await bed.connectAs(gw, "alice", "builder");
    await subscribed(alice);
    const ended = record(alice, "server:unsubscribed");
    await own.close();
    // Each failed refresh is counted after its call: poll the counter, as a scrape would.
    for (let i = 0; i < 500 && ((await refreshes(gw)).failed ?? 0) < 2; i++) await new Promise((r) => setTimeout(r, 10));
    expect((await refreshes(gw)).failed).toBeGreaterThanOrEqual(2);
    expect(ended).toEqual([]);
    const quotes = record(alice, "quote:update");
    await gw.publish({ channel: "quotes:AAPL", data: { symbol: "AAPL", price: 192 } });
    await until(() => quotes.length === 1, 15_000, "the quote of a kept subscription");
  });

  it("asks once per user and channel for all the user's connections, never twice at once, and ends every one on a refusal", async () => {
    const gw = await bed.gateway({ proxySubscribeUrl: `${backend.url}/subscribe`, proxySubscribeCacheMs: 600_000, proxySubscribeRefreshMs: 150, proxyTimeoutMs: 3000 });
    let held = false;
    byAsk((n, call) => {
      if (call.body.userId !== "alice" || n === 1) return ALLOW;
      if (!held) {
        held = true;
        return { hold: true };
      }
      return { json: { error: { code: "GONE", message: "No more AAPL." } } };
    });
    const sockets = [await bed.connectAs(gw, "alice", "builder"), await bed.connectAs(gw, "alice", "builder"), await bed.connectAs(gw, "alice", "builder")];
    for (const s of sockets) await subscribed(s);
    const bob = await bed.connectAs(gw, "bob", "builder");
    await subscribed(bob);
    expect(asked("alice")).toHaveLength(1);

    // While alice's refresh hangs, bob's is asked three times: alice's is not asked again meanwhile.
    await until(() => asked("bob").length >= 4, 20_000, "bob's refreshes");
    expect(asked("alice")).toHaveLength(2);
    expect(gw.subscribeProxy!.refreshing).toBe(2);

    // The held call times out (kept), the next one refuses: every connection of alice is told, bob's is untouched.
    const ended = sockets.map((s) => record(s, "server:unsubscribed"));
    const bobEnded = record(bob, "server:unsubscribed");
    await until(() => ended.every((e) => e.length === 1), 15_000, "alice's connections unsubscribed");
    for (const e of ended) expect(e[0]!.payload).toEqual({ unsubscribed: ["quotes:AAPL"], code: "FORBIDDEN", message: "No more AAPL." });
    expect(asked("alice").filter((c) => c.body.refresh === true)).toHaveLength(2);
    expect(await refreshes(gw)).toMatchObject({ failed: 1, refused: 1 });
    await bob.emitWithAck("ping", {});
    expect(bobEnded).toEqual([]);
  });

  it("follows the backend's own refreshAfterMs without the option, stops when it names none, and refuses one out of bounds", async () => {
    const gw = await bed.gateway({ proxySubscribeUrl: `${backend.url}/subscribe`, proxySubscribeCacheMs: 0 });
    byAsk((n, call) => (call.body.channel === "quotes:TSLA" ? { json: { result: { refreshAfterMs: 5 } } } : n <= 2 ? { json: { result: { refreshAfterMs: 150 } } } : ALLOW));
    const alice = await bed.connectAs(gw, "alice", "builder");
    await subscribed(alice);
    expect(gw.subscribeProxy!.refreshing).toBe(1);
    // Asked again twice (the second answer names 150 ms again, the third nothing), then no more.
    await until(() => asked("alice").length === 3 && gw.subscribeProxy!.refreshing === 0, 15_000, "two refreshes");
    expect(asked("alice").map((c) => c.body.refresh)).toEqual([undefined, true, true]);
    expect(await refreshes(gw)).toMatchObject({ allowed: 2 });

    expect(await alice.emitWithAck("subscribe", { channels: ["quotes:TSLA"] })).toMatchObject({
      subscribed: [],
      failed: [{ channel: "quotes:TSLA", code: "BAD_GATEWAY", message: "The subscribe backend's refreshAfterMs must be a whole number from 100 to 86400000." }],
    });
  });

  it("refreshes nothing by default", async () => {
    const gw = await bed.gateway({ proxySubscribeUrl: `${backend.url}/subscribe` });
    const alice = await bed.connectAs(gw, "alice", "builder");
    await subscribed(alice);
    expect(gw.subscribeProxy!.refreshing).toBe(0);
  });
});
