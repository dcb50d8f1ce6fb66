import { afterEach, describe, expect, it } from "vitest";
import { io, type Socket } from "socket.io-client";
import { SignJWT } from "jose";
import type { Gateway } from "@tickwire/server";
import { SECRET, TestBed, api, until } from "../helpers.js";
import { REDIS_BACKENDS, type RedisBackend } from "../redis-backends.js";
import { TcpProxy } from "../../../../test/support/tcp-proxy.js";
import { Cluster } from "./cluster.js";
import { keysUnder } from "./redis-test-keys.js";
import { collect, expectResumedExactly, trade } from "../resume/plain-client.js";

/** Waits until the closed session of `pid` is kept in Redis (the old node noticed the cut and saved it). */
async function savedOnClose(backend: RedisBackend, prefix: string, pid: string): Promise<void> {
  const admin = backend.admin();
  try {
    const start = Date.now();
    for (;;) {
      const [key] = await keysUnder(admin, prefix, `resume:{${pid}}`);
      const raw = key === undefined ? null : await admin.get(key);
      if (raw !== null && (JSON.parse(raw) as { closedAt: number | null }).closedAt !== null) return;
      if (Date.now() - start > 20_000) throw new Error("timed out waiting for the session to be saved on close");
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    admin.disconnect();
  }
}

for (const backend of REDIS_BACKENDS)
  describe.runIf(backend.available)(`many nodes on ${backend.label}: session resumption`, () => {
    const bed = new TestBed();
    const proxies: TcpProxy[] = [];
    let cluster: Cluster;
    afterEach(async () => {
      for (const p of proxies.splice(0)) await p.close();
      await bed.cleanup();
      await cluster.cleanup();
    });

    /** Two gateways on one Redis, and a proxy in front of the first (the load balancer). */
    async function setup() {
      cluster = new Cluster(bed, backend);
      const [a, b] = await cluster.nodes(2);
      const proxy = new TcpProxy({ host: "127.0.0.1", port: a!.port });
      proxies.push(proxy);
      await proxy.start();
      const socket = io(proxy.url, { auth: { token: await bed.token(a!, "alice") } });
      bed.sockets.push(socket);
      const connected: any[] = [];
      socket.on("connected", (c: unknown) => connected.push(c));
      await until(() => connected.length === 1, 20_000, "connected");
      return { a: a!, b: b!, proxy, socket, connected };
    }

    it("a plain socket.io-client moved to another node resumes there: every trade once, in order, nothing of another user's", async () => {
      const { a, b, proxy, socket, connected } = await setup();
      const seen = collect(socket, "trade:update", "quote:update", "resync");
      expect(connected[0]).toMatchObject({ userId: "alice", resumed: false });
      await a.publish({ channel: "quotes:AAPL", data: { symbol: "AAPL", price: 1 } });
      const reply: any = await socket.emitWithAck("subscribe", { channels: ["trades", "quotes:AAPL"] });
      expect(reply.failed).toEqual([]);
      await trade(b, "alice", 1);
      await trade(a, "alice", 2);
      await until(() => seen.filter((s) => s.event === "trade:update").length === 2, 20_000, "two live trades");
      const pid = (socket as unknown as { _pid: string })._pid;

      // The node the client was on loses it; the load balancer sends it to the other node.
      proxy.cut();
      await until(() => !socket.connected, 20_000, "the client to notice the cut");
      await savedOnClose(backend, cluster.prefix, pid);
      for (const n of [3, 4, 5]) await trade(n % 2 === 0 ? a : b, "alice", n);
      await trade(b, "bob", 99);
      await b.publish({ channel: "quotes:AAPL", data: { symbol: "AAPL", price: 2 } });
      proxy.retarget(b.url);
      proxy.restore();

      await until(() => connected.length === 2, 20_000, "the client to reconnect by itself");
      expect(connected[1]).toMatchObject({ userId: "alice", resumed: true });
      expect(b.registry.ofUser("alice")).toHaveLength(1);
      expect(a.registry.ofUser("alice")).toHaveLength(0);
      await until(() => seen.filter((s) => s.event === "trade:update").length >= 5, 20_000, "the missed trades");
      await trade(a, "alice", 6);
      await until(() => seen.filter((s) => s.event === "trade:update").length >= 6, 20_000, "a live trade after the move");

      expectResumedExactly(seen, (await api(b, "GET", "/metrics")).body);
      // Taken once: what Redis holds of the session now is node B's own checkpoint of the open session, not A's saved one.
      const admin = backend.admin();
      try {
        for (const key of await keysUnder(admin, cluster.prefix, `resume:{${pid}}`)) {
          const saved = JSON.parse((await admin.get(key))!) as { run: string; closedAt: number | null };
          expect({ run: saved.run, closedAt: saved.closedAt }).toEqual({ run: b.resumption!.run, closedAt: null });
        }
      } finally {
        admin.disconnect();
      }
    });

    it("on the other node, an expired token is refused and resumes nothing; another user's pid gives bob nothing of alice's; alice then resumes in full", async () => {
      const { a, b, proxy, socket, connected } = await setup();
      const errors: any[] = [];
      socket.on("connect_error", (e: any) => errors.push(e.data));
      const seen = collect(socket, "trade:update");
      await socket.emitWithAck("subscribe", { channels: ["trades"] });
      await trade(a, "alice", 1);
      await until(() => seen.length === 1, 20_000, "a trade");
      const pid = (socket as unknown as { _pid: string })._pid;
      const offset = (socket as unknown as { _lastOffset: string })._lastOffset;

      proxy.cut();
      await until(() => !socket.connected, 20_000, "the cut");
      await savedOnClose(backend, cluster.prefix, pid);
      await trade(b, "alice", 2);
      await trade(a, "alice", 3);
      // The same pid and offset, with a token that already expired, on the other node.
      const now = Math.floor(Date.now() / 1000);
      (socket.auth as Record<string, unknown>).token = await new SignJWT({ tier: "builder" })
        .setProtectedHeader({ alg: "HS256" })
        .setSubject("alice")
        .setIssuedAt(now - 120)
        .setExpirationTime(now - 60)
        .sign(new TextEncoder().encode(SECRET));
      proxy.retarget(b.url);
      proxy.restore();
      await until(() => errors.some((e) => e !== undefined), 20_000, "the refusal");
      expect(errors.filter((e) => e !== undefined)[0]).toEqual({ code: "UNAUTHORIZED", message: "The token has expired." });
      expect(connected).toHaveLength(1);

      // Bob presents alice's pid and offset to node A with his own valid token: a fresh session of his.
      const bobs = io(a.url, { auth: { token: await bed.token(a, "bob"), pid, offset }, transports: ["websocket"], reconnection: false, forceNew: true });
      bed.sockets.push(bobs);
      const bobConnected: any[] = [];
      bobs.on("connected", (c: unknown) => bobConnected.push(c));
      const bobSeen = collect(bobs, "trade:update");
      await until(() => bobConnected.length === 1, 20_000, "bob's connection");
      expect(bobConnected[0]).toMatchObject({ userId: "bob", resumed: false });
      await bobs.emitWithAck("subscribe", { channels: ["trades"] });
      await trade(b, "bob", 1);
      await until(() => bobSeen.length === 1, 20_000, "bob's own trade");
      expect(bobSeen.map((s) => s.payload)).toEqual([{ id: "t1", n: 1 }]);
      expect((await api(a, "GET", "/metrics")).body).toMatch(/tickwire_resume_failures_total\{reason="user_mismatch"\} 1/);

      // Alice with a valid token: the session was kept for her through both attempts.
      (socket.auth as Record<string, unknown>).token = await bed.token(b, "alice");
      socket.connect();
      await until(() => connected.length === 2, 20_000, "alice's resumption");
      expect(connected[1]).toMatchObject({ userId: "alice", resumed: true });
      await until(() => seen.length >= 3, 20_000, "the missed trades");
      await trade(a, "alice", 4);
      await until(() => seen.length >= 4, 20_000, "a live trade");
      expect(seen.map((s) => s.payload)).toEqual([1, 2, 3, 4].map((n) => ({ id: `t${n}`, n })));
      expect(bobSeen.map((s) => s.payload)).toEqual([{ id: "t1", n: 1 }]);
    });
  });
