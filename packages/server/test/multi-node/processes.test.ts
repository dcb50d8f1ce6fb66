import { io, type Socket } from "socket.io-client";
import { afterEach, describe, expect, it } from "vitest";
import { REDIS_BACKENDS } from "../redis-backends.js";
import { Children, signToken, waitFor, type GatewayProcess } from "./child-processes.js";
import { range } from "./cluster.js";
import { deleteKeys, keysUnder, testPrefix } from "./redis-test-keys.js";

const SECRET = "process-test-secret-0123456789";
const API_KEY = "process-test-key";
const CHANNEL = "signals:acme";
const USERS = range(0, 9).map((i) => `u${i}`);

type Meta = { offset: number; epoch: string };
type Seen = Array<{ offset: number; n: number }>;
type Refusal = Error & { data?: { code: string; message: string } };

// On one Redis and on the cluster. (It used to stall now and then: clients recovering at once on a node
// new to the channel could miss what was published while that node subscribed it; see
// concurrent-subscribe.test.ts.)
for (const backend of REDIS_BACKENDS)
describe.runIf(backend.available)(`gateway processes on ${backend.label}`, () => {
  const children = new Children();
  const sockets: Socket[] = [];
  let prefix = "";
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.close();
    await children.cleanup();
    if (prefix) await deleteKeys(prefix);
  });

  /** Connects `user` to `gw`; rejects with the `connect_error` (its `data` carries the code). */
  async function connect(gw: GatewayProcess, user: string): Promise<Socket> {
    const socket = io(gw.url, { auth: { token: await signToken(SECRET, user, "participant") }, transports: ["websocket"], reconnection: false, forceNew: true });
    sockets.push(socket);
    await new Promise<void>((ok, fail) => {
      socket.once("connected", () => ok());
      socket.once("connect_error", fail);
    });
    return socket;
  }

  /** Subscribes to CHANNEL (with `since` when given), recording every signal into `seen`. */
  async function subscribe(socket: Socket, seen: Seen, since?: Meta) {
    socket.on("signal:new", (payload: { n: number }, meta: Meta) => seen.push({ offset: meta.offset, n: payload.n }));
    const reply = await socket.emitWithAck("subscribe", { channels: [since ? { channel: CHANNEL, since } : CHANNEL] });
    expect(reply).toMatchObject({ ok: true, failed: [] });
    return reply.subscribed[0] as { channel: string; offset: number; epoch: string; recovered?: boolean; replayed?: number };
  }

  it("recovers all 20 clients of a SIGKILLed node on another node with no gap and no duplicate, once the dead node's leases expire", async () => {
    prefix = testPrefix();
    const env = {
      ...(backend.gateway.redisUrl ? { TICKWIRE_REDIS_URL: backend.gateway.redisUrl } : { TICKWIRE_REDIS_CLUSTER_NODES: backend.gateway.redisClusterNodes!.join(",") }),
      TICKWIRE_REDIS_PREFIX: prefix,
      TICKWIRE_JWT_SECRET: SECRET,
      TICKWIRE_API_KEYS: API_KEY,
      TICKWIRE_MAX_CONNECTIONS_PER_USER: "2",
      // Long enough that A renews in time on a loaded machine, short enough to wait out after the kill.
      TICKWIRE_CONNECTION_LEASE_TTL_MS: "3000",
      TICKWIRE_LOG_LEVEL: "info",
    };
    // Two processes starting at once on a busy machine: wait for their listening lines as long as they take.
    const [a, b] = await Promise.all([children.gateway(env, 30_000), children.gateway(env, 30_000)]);

    // Ten users with two connections each, the per-user limit, all on node A.
    const clients = await Promise.all(
      USERS.flatMap((user) =>
        [0, 1].map(async () => {
          const seen: Seen = [];
          const subscribed = await subscribe(await connect(a, user), seen);
          return { user, seen, epoch: subscribed.epoch };
        }),
      ),
    );
    const epoch = clients[0]!.epoch;
    expect(clients.every((c) => c.epoch === epoch)).toBe(true);
    // Presence is read on B: every user with two connections, all on A.
    const everyone = { channel: CHANNEL, users: USERS.map((userId) => ({ userId, connections: 2 })), connections: 20 };
    expect((await b.api("GET", `/api/v1/channels/${CHANNEL}/presence`, undefined, API_KEY)).body).toEqual(everyone);
    // While A lives and renews its leases, B counts them.
    const refused = await connect(b, "u0").then(
      () => undefined,
      (err: Refusal) => err.data,
    );
    expect(refused).toEqual({ code: "LIMIT_EXCEEDED", message: "User u0 already has 2 connections open." });

    // B publishes through its HTTP API until 100 publications after the kill.
    let killedAfter: number | undefined;
    let published = 0;
    let failure: unknown;
    const publishing = (async () => {
      for (let n = 1; killedAfter === undefined || n <= killedAfter + 100; n++) {
        if (n > 2000) throw new Error("node A was not killed within 2000 publications");
        const res = await b.api("POST", "/api/v1/publish", { channel: CHANNEL, data: { n } }, API_KEY);
        if (res.status !== 200) throw new Error(`publish ${n} answered ${res.status}: ${JSON.stringify(res.body)}`);
        expect(res.body).toMatchObject({ channel: CHANNEL, offset: n, epoch });
        published = n;
      }
    })().catch((err: unknown) => {
      failure = err;
    });
    const noFailure = () => {
      if (failure) throw failure;
    };
    await waitFor(() => (noFailure(), clients.every((c) => c.seen.length >= 10)), 30_000, "every client to get ten signals on node A");

    killedAfter = published;
    await a.kill("SIGKILL");
    await waitFor(() => sockets.every((s) => !s.connected), 5000, "every client to see node A gone");

    // Every client reconnects to B with its position; a user's connections are refused until A's leases expire.
    const refusals: unknown[] = [];
    const recoveries = await Promise.all(
      clients.map(async (client) => {
        let socket: Socket | undefined;
        await waitFor(
          async () => {
            socket = await connect(b, client.user).catch((err: Refusal) => {
              refusals.push(err.data);
              return undefined;
            });
            return socket !== undefined;
          },
          20_000,
          `a slot for ${client.user} on node B`,
          50,
        );
        const last = client.seen[client.seen.length - 1]!.offset;
        const later: Seen = [];
        const subscribed = await subscribe(socket!, later, { offset: last, epoch });
        return { client, later, subscribed };
      }),
    );
    for (const r of recoveries) expect(r.subscribed).toMatchObject({ channel: CHANNEL, epoch, recovered: true });
    for (const e of refusals) expect(e).toMatchObject({ code: "LIMIT_EXCEEDED" });

    await publishing;
    noFailure();
    const total = published;
    expect(total).toBe(killedAfter + 100);
    await waitFor(() => recoveries.every((r) => r.client.seen.length + r.later.length >= total), 40_000, "every client to reach the last publication on node B");
    for (const r of recoveries) {
      const sequence = [...r.client.seen, ...r.later];
      expect(sequence).toEqual(range(1, total).map((n) => ({ offset: n, n })));
    }

    // Only B's leases are left: two per user, and B refuses a third.
    const stats = await b.api("GET", "/api/v1/stats", undefined, API_KEY);
    const nodeB = (stats.body as { node: { id: string } }).node.id;
    // A's presence entries expire like its leases (a renewal timer of their own, so up to a third of the TTL apart):
    // then what is left are the same users with their two connections, now on B.
    const presenceOnB = async () => JSON.stringify((await b.api("GET", `/api/v1/channels/${CHANNEL}/presence`, undefined, API_KEY)).body);
    await waitFor(async () => (await presenceOnB()) === JSON.stringify(everyone), 5000, "presence to show only the connections on B");
    const admin = backend.admin();
    try {
      const keys = await keysUnder(admin, prefix, "conn:*");
      expect(keys.sort()).toEqual(USERS.map((u) => `${prefix}conn:${u}`).sort());
      for (const key of keys) {
        const members = await admin.zrange(key, 0, -1);
        expect(members).toHaveLength(2);
        for (const m of members) expect(m.startsWith(`${nodeB}:`)).toBe(true);
      }
    } finally {
      admin.disconnect();
    }
    const third = await connect(b, "u9").then(
      () => undefined,
      (err: Refusal) => err.data,
    );
    expect(third).toEqual({ code: "LIMIT_EXCEEDED", message: "User u9 already has 2 connections open." });
    // Bounded by the waits above, each for the event it stands for; this is only the ceiling of them all.
  }, 90_000);
});
