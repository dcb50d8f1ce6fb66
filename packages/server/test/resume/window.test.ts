import { afterEach, describe, expect, it } from "vitest";
import { io } from "socket.io-client";
import { TestBed, api, until } from "../helpers.js";
import { TcpProxy } from "../../../../test/support/tcp-proxy.js";

describe("a session past its resumption window", () => {
  const bed = new TestBed();
  const proxies: TcpProxy[] = [];
  afterEach(async () => {
    for (const p of proxies.splice(0)) await p.close();
    await bed.cleanup();
  });

  it("starts fresh: subscriptions back, the latest value of state channels, resync for event channels, nothing skipped silently", async () => {
    // The gateway's clock, moved past the window while the client is away.
    let skew = 0;
    const gw = await bed.gateway({}, { now: () => Date.now() + skew });
    const proxy = new TcpProxy({ host: "127.0.0.1", port: gw.port });
    proxies.push(proxy);
    await proxy.start();
    const socket = io(proxy.url, { auth: { token: await bed.token(gw, "alice") }, transports: ["websocket"] });
    bed.sockets.push(socket);
    const connected: any[] = [];
    const seen: Array<[string, unknown]> = [];
    socket.on("connected", (c: unknown) => connected.push(c));
    for (const event of ["trade:update", "quote:update", "resync"]) socket.on(event, (p: unknown) => seen.push([event, p]));
    await until(() => connected.length === 1, 5000, "connected");
    await socket.emitWithAck("subscribe", { channels: ["trades", "quotes:MSFT"] });
    await api(gw, "POST", "/api/v1/publish", { channel: "trades:alice", data: { n: 1 } });
    await until(() => seen.length === 1, 5000, "a trade");

    proxy.cut();
    await until(() => !socket.connected, 5000, "the cut");
    await api(gw, "POST", "/api/v1/publish", { channel: "trades:alice", data: { n: 2 } });
    await api(gw, "POST", "/api/v1/publish", { channel: "quotes:MSFT", data: { symbol: "MSFT", price: 3 } });
    skew = 121_000;
    proxy.restore();
    await until(() => connected.length === 2, 15_000, "the reconnect");
    expect(connected[1].resumed).toBe(false);
    await until(() => seen.length === 3, 5000, "the quote and the resync");
    await api(gw, "POST", "/api/v1/publish", { channel: "trades:alice", data: { n: 3 } });
    await until(() => seen.length === 4, 5000, "a live trade on the restored subscription");
    const sorted = [...seen.slice(1, 3)].sort(([a], [b]) => a.localeCompare(b));
    expect(seen[0]).toEqual(["trade:update", { n: 1 }]);
    expect(sorted).toEqual([
      ["quote:update", { symbol: "MSFT", price: 3 }],
      ["resync", { channel: "trades:alice", reason: "The session could not be resumed on this channel; refetch its state." }],
    ]);
    expect(seen[3]).toEqual(["trade:update", { n: 3 }]);
    const metrics = await api(gw, "GET", "/metrics");
    expect(metrics.body).toMatch(/tickwire_resume_failures_total\{reason="expired"\} 1/);
  });
});
