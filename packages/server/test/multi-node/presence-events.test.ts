import { io, type Socket } from "socket.io-client";
import { afterEach, describe, expect, it } from "vitest";
import type { Gateway } from "@tickwire/server";
import { record, TestBed, until } from "../helpers.js";
import { REDIS_BACKENDS, type RedisBackend } from "../redis-backends.js";
import { Children, signToken, waitFor, type GatewayProcess } from "./child-processes.js";
import { Cluster } from "./cluster.js";
import { eventually } from "./limit-helpers.js";
import { deleteKeys, testPrefix } from "./redis-test-keys.js";

const EVENTS = ["presence:join", "presence:leave"] as const;
type Seen = ReturnType<typeof record>;

/** What a recorder saw, as `join alice` / `leave bob` lines (payloads checked whole by `expectPayloads`). */
const lines = (seen: Seen): string[] => seen.map((e) => `${e.event === "presence:join" ? "join" : "leave"} ${(e.payload as { userId: string }).userId}`);

/** Every recorded payload is exactly `{ channel, userId }` of `channel`. */
function expectPayloads(seen: Seen, channel: string): void {
  for (const e of seen) expect(e.payload).toEqual({ channel, userId: expect.any(String) });
  for (const e of seen) expect(Object.keys(e.payload as object).sort()).toEqual(["channel", "userId"]);
}

/** A connection of `user` subscribed to `channel`, recording presence events. */
async function member(bed: TestBed, gw: Gateway, user: string, tier = "builder", channel = "signals") {
  const socket = await bed.connectAs(gw, user, tier);
  const seen = record(socket, ...EVENTS);
  const reply = await socket.emitWithAck("subscribe", { channels: [channel] });
  expect(reply.failed).toEqual([]);
  return { socket, seen };
}

/** A round trip on `socket`: whatever the server wrote to it before is received by now. */
async function drained(socket: Socket): Promise<void> {
  expect(await socket.emitWithAck("ping", {})).toMatchObject({ ok: true });
}

describe("presence events on one node", () => {
  const bed = new TestBed();
  afterEach(() => bed.cleanup());

  it("announces a user's first connection as a join and its last one's leave, to subscribers of the channel at the presence tier only", async () => {
    const gw = await bed.gateway({ presenceEventNamespaces: ["signals"] });
    const carol = await member(bed, gw, "carol");
    await until(() => carol.seen.length === 1, 5000, "carol's own join");
    const pat = await member(bed, gw, "pat", "participant");
    const other = await member(bed, gw, "dan", "builder", "signals:acme");
    const alice1 = await member(bed, gw, "alice", "participant");
    const alice2 = await member(bed, gw, "alice", "participant");
    const bob = await member(bed, gw, "bob", "participant");
    await until(() => carol.seen.length === 4, 5000, "the joins of pat, alice and bob");

    expect(await alice1.socket.emitWithAck("unsubscribe", { channels: ["signals"] })).toEqual({ ok: true, unsubscribed: ["signals"] });
    alice2.socket.close();
    await until(() => carol.seen.length === 5, 5000, "alice's leave");
    expect(await bob.socket.emitWithAck("unsubscribe", { channels: ["signals"] })).toEqual({ ok: true, unsubscribed: ["signals"] });
    await until(() => carol.seen.length === 6, 5000, "bob's leave");

    expect(lines(carol.seen)).toEqual(["join carol", "join pat", "join alice", "join bob", "leave alice", "leave bob"]);
    expectPayloads(carol.seen, "signals");
    // The participant is below the list's tier; dan is subscribed to another channel of the namespace.
    await drained(pat.socket);
    await drained(other.socket);
    expect(pat.seen).toEqual([]);
    expect(lines(other.seen)).toEqual(["join dan"]);
    expectPayloads(other.seen, "signals:acme");
  });

  it("sends no presence event in a namespace that does not enable them", async () => {
    const gw = await bed.gateway();
    const carol = await member(bed, gw, "carol");
    const alice = await member(bed, gw, "alice");
    alice.socket.close();
    await eventually(async () => (await carol.socket.emitWithAck("presence:stats", { channel: "signals" })).users === 1, 5000, "alice to leave presence");
    expect(await carol.socket.emitWithAck("presence", { channel: "signals" })).toEqual({ ok: true, channel: "signals", users: [{ userId: "carol", connections: 1 }], connections: 1 });
    expect(carol.seen).toEqual([]);
  });
});

for (const backend of REDIS_BACKENDS)
  describe.runIf(backend.available)(`presence events across nodes on ${backend.label}`, () => {
    const bed = new TestBed();
    let cluster: Cluster | undefined;
    afterEach(async () => {
      await bed.cleanup();
      await cluster?.cleanup();
    });

    it("announces one join per user and its leave to the subscribers of every node, in order, and nothing to others", async () => {
      cluster = new Cluster(bed, backend);
      const [a, b] = await cluster.nodes(2, { presenceEventNamespaces: ["signals"] });
      const carol = await member(bed, a!, "carol");
      await until(() => carol.seen.length === 1, 10_000, "carol's own join");
      const erin = await member(bed, b!, "erin");
      await until(() => carol.seen.length === 2 && erin.seen.length === 1, 10_000, "erin's join on both nodes");
      const pat = await member(bed, b!, "pat", "participant");
      const dan = await member(bed, b!, "dan", "builder", "signals:acme");
      const aliceOnA = await member(bed, a!, "alice", "participant");
      const aliceOnB = await member(bed, b!, "alice", "participant");
      await member(bed, b!, "bob", "participant");
      await until(() => carol.seen.length === 5 && erin.seen.length === 4, 10_000, "the joins of pat, alice and bob");

      expect(await aliceOnA.socket.emitWithAck("unsubscribe", { channels: ["signals"] })).toEqual({ ok: true, unsubscribed: ["signals"] });
      aliceOnB.socket.close();
      await until(() => carol.seen.length === 6 && erin.seen.length === 5, 10_000, "alice's leave on both nodes");

      // alice's second connection (on the other node) and her first one's unsubscribe announced nothing.
      expect(lines(carol.seen)).toEqual(["join carol", "join erin", "join pat", "join alice", "join bob", "leave alice"]);
      expect(lines(erin.seen)).toEqual(["join erin", "join pat", "join alice", "join bob", "leave alice"]);
      expectPayloads(carol.seen, "signals");
      expectPayloads(erin.seen, "signals");
      await drained(pat.socket);
      await drained(dan.socket);
      expect(pat.seen).toEqual([]);
      expect(lines(dan.seen)).toEqual(["join dan"]);
    });
  });

const SECRET = "presence-events-secret-0123456789";
const API_KEY = "presence-events-key";

for (const backend of REDIS_BACKENDS)
  describe.runIf(backend.available)(`presence events of a SIGKILLed node on ${backend.label}`, () => {
    const children = new Children();
    const sockets: Socket[] = [];
    let prefix = "";
    afterEach(async () => {
      for (const s of sockets.splice(0)) s.close();
      await children.cleanup();
      if (prefix) await deleteKeys(prefix);
    });

    async function subscribed(gw: GatewayProcess, user: string, tier: string): Promise<{ socket: Socket; seen: Seen }> {
      const socket = io(gw.url, { auth: { token: await signToken(SECRET, user, tier) }, transports: ["websocket"], reconnection: false, forceNew: true });
      sockets.push(socket);
      const seen = record(socket, ...EVENTS);
      await new Promise<void>((ok, fail) => {
        socket.once("connected", () => ok());
        socket.once("connect_error", fail);
      });
      expect(await socket.emitWithAck("subscribe", { channels: ["signals"] })).toMatchObject({ ok: true, failed: [] });
      return { socket, seen };
    }

    it("announces the leave of each user of a SIGKILLed node once, within the presence TTL, on the surviving node", async () => {
      prefix = testPrefix();
      const [a, b] = await Promise.all([children.gateway(processEnv(backend, prefix), 30_000), children.gateway(processEnv(backend, prefix), 30_000)]);
      const carol = await subscribed(b, "carol", "builder");
      await waitFor(() => carol.seen.length === 1, 10_000, "carol's own join");
      await subscribed(b, "erin", "participant");
      await subscribed(a, "alice", "participant");
      await subscribed(a, "alice", "participant");
      await subscribed(a, "bob", "participant");
      await waitFor(() => carol.seen.length === 4, 10_000, "the joins of erin, alice and bob");

      await a.kill();
      // A's entries expire (3 s after its last renewal); B's sweep announces each user once.
      await waitFor(() => carol.seen.length >= 6, 15_000, "the dead node's users to leave");
      const frank = await subscribed(b, "frank", "participant");
      frank.socket.close();
      await waitFor(() => carol.seen.length >= 8, 10_000, "frank's join and leave");

      const seen = lines(carol.seen);
      expect(seen.slice(0, 4)).toEqual(["join carol", "join erin", "join alice", "join bob"]);
      expect(seen.slice(4, 6).sort()).toEqual(["leave alice", "leave bob"]);
      expect(seen.slice(6)).toEqual(["join frank", "leave frank"]);
      expectPayloads(carol.seen, "signals");
      expect((await b.api("GET", "/api/v1/channels/signals/presence", undefined, API_KEY)).body).toEqual({
        channel: "signals",
        users: [
          { userId: "carol", connections: 1 },
          { userId: "erin", connections: 1 },
        ],
        connections: 2,
      });
    });
  });

function processEnv(backend: RedisBackend, prefix: string): Record<string, string> {
  return {
    ...(backend.gateway.redisUrl ? { TICKWIRE_REDIS_URL: backend.gateway.redisUrl } : { TICKWIRE_REDIS_CLUSTER_NODES: backend.gateway.redisClusterNodes!.join(",") }),
    TICKWIRE_REDIS_PREFIX: prefix,
    TICKWIRE_JWT_SECRET: SECRET,
    TICKWIRE_API_KEYS: API_KEY,
    TICKWIRE_PRESENCE_EVENT_NAMESPACES: "signals",
    // Long enough that a node renews in time on a loaded machine, short enough to wait out after the kill.
    TICKWIRE_CONNECTION_LEASE_TTL_MS: "3000",
  };
}
