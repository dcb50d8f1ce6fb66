import { afterEach, describe, expect, it } from "vitest";
import { io, type Socket } from "socket.io-client";
import { SignJWT } from "jose";
import { SECRET, TestBed, api, until } from "../helpers.js";
import { TcpProxy } from "../../../../test/support/tcp-proxy.js";
import { collect, expectResumedExactly, trade } from "./plain-client.js";

describe("session resumption of a plain socket.io-client across a network cut", () => {
  const bed = new TestBed();
  const proxies: TcpProxy[] = [];
  afterEach(async () => {
    for (const p of proxies.splice(0)) await p.close();
    await bed.cleanup();
  });

  async function setup() {
    const gw = await bed.gateway();
    const proxy = new TcpProxy({ host: "127.0.0.1", port: gw.port });
    proxies.push(proxy);
    await proxy.start();
    return { gw, proxy };
  }

  it("gets its subscriptions back and every trade published during the cut, once and in order, before live ones", async () => {
    const { gw, proxy } = await setup();
    const token = await bed.token(gw, "alice");
    // Default options, as the platforms run it: polling first, reconnection on.
    const socket = io(proxy.url, { auth: { token } });
    bed.sockets.push(socket);
    const connected: any[] = [];
    socket.on("connected", (c: unknown) => connected.push(c));
    const seen = collect(socket, "trade:update", "quote:update", "resync");
    await until(() => connected.length === 1, 5000, "connected");
    expect(connected[0].resumed).toBe(false);
    await gw.publish({ channel: "quotes:AAPL", data: { symbol: "AAPL", price: 1 } });
    const reply: any = await socket.emitWithAck("subscribe", { channels: ["trades", "quotes:AAPL"] });
    expect(reply.failed).toEqual([]);
    await trade(gw, "alice", 1);
    await trade(gw, "alice", 2);
    await until(() => seen.filter((s) => s.event === "trade:update").length === 2, 5000, "two live trades");

    proxy.cut();
    await until(() => !socket.connected, 5000, "the client to notice the cut");
    for (const n of [3, 4, 5]) await trade(gw, "alice", n);
    await trade(gw, "bob", 99);
    await gw.publish({ channel: "quotes:AAPL", data: { symbol: "AAPL", price: 2 } });
    proxy.restore();

    await until(() => connected.length === 2, 10_000, "the client to reconnect by itself");
    expect(connected[1]).toMatchObject({ userId: "alice", resumed: true });
    await until(() => seen.filter((s) => s.event === "trade:update").length >= 5, 5000, "the missed trades");
    await trade(gw, "alice", 6);
    await until(() => seen.filter((s) => s.event === "trade:update").length >= 6, 5000, "a live trade after the resumption");

    expectResumedExactly(seen, (await api(gw, "GET", "/metrics")).body);
  });

  it("passes the resumption token as a trailing argument that one- and two-argument handlers do not see", async () => {
    const { gw, proxy } = await setup();
    const socket = io(proxy.url, { auth: { token: await bed.token(gw, "alice") }, transports: ["websocket"] });
    bed.sockets.push(socket);
    const args: unknown[][] = [];
    socket.on("trade:update", (...a: unknown[]) => args.push(a));
    await new Promise((ok) => socket.once("connected", ok));
    await socket.emitWithAck("subscribe", { channels: ["trades"] });
    await trade(gw, "alice", 1);
    await until(() => args.length === 1, 5000, "a trade");
    const [payload, meta, token] = args[0]!;
    expect(payload).toEqual({ id: "t1", n: 1 });
    expect(meta).toMatchObject({ channel: "trades:alice", offset: 1 });
    expect(token).toMatch(/^[0-9a-z]+\.[0-9a-z]+$/);
    expect(args[0]).toHaveLength(3);
  });

  it("refuses to resume with an expired token, and a pid presented by another user resumes nothing of the owner's", async () => {
    const { gw, proxy } = await setup();
    const socket = io(proxy.url, { auth: { token: await bed.token(gw, "alice") }, transports: ["websocket"] });
    bed.sockets.push(socket);
    const connected: any[] = [];
    socket.on("connected", (c: unknown) => connected.push(c));
    const errors: any[] = [];
    socket.on("connect_error", (e: any) => errors.push(e.data));
    const seen = collect(socket, "trade:update");
    await until(() => connected.length === 1, 5000, "connected");
    await socket.emitWithAck("subscribe", { channels: ["trades"] });
    await trade(gw, "alice", 1);
    await until(() => seen.length === 1, 5000, "a trade");

    proxy.cut();
    await until(() => !socket.connected, 5000, "the cut");
    await trade(gw, "alice", 2);
    // The same pid and offset, with a token that already expired.
    const now = Math.floor(Date.now() / 1000);
    (socket.auth as Record<string, unknown>).token = await new SignJWT({ tier: "builder" })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject("alice")
      .setIssuedAt(now - 120)
      .setExpirationTime(now - 60)
      .sign(new TextEncoder().encode(SECRET));
    proxy.restore();
    await until(() => errors.some((e) => e !== undefined), 10_000, "the refusal");
    expect(errors.filter((e) => e !== undefined)[0]).toEqual({ code: "UNAUTHORIZED", message: "The token has expired." });

    // Now another user's valid token with alice's pid: accepted as bob, nothing of alice's is resumed.
    (socket.auth as Record<string, unknown>).token = await bed.token(gw, "bob");
    socket.connect();
    await until(() => connected.length === 2, 10_000, "bob's connection");
    expect(connected[1]).toMatchObject({ userId: "bob", resumed: false });
    await socket.emitWithAck("subscribe", { channels: ["trades"] });
    await trade(gw, "alice", 3);
    await trade(gw, "bob", 1);
    await until(() => seen.length === 2, 5000, "bob's trade");
    const metrics = await api(gw, "GET", "/metrics");
    expect(metrics.body).toMatch(/tickwire_resume_failures_total\{reason="user_mismatch"\} 1/);
    // Alice's trade 1 before the cut, then bob's own: nothing of alice's after her pid was presented by bob.
    expect(seen.map((s) => s.payload)).toEqual([{ id: "t1", n: 1 }, { id: "t1", n: 1 }]);
  });
});
