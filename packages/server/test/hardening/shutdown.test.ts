import { Agent, request as httpRequest } from "node:http";
import { io, type Socket } from "socket.io-client";
import { afterEach, describe, expect, it } from "vitest";
import { record, TestBed, until } from "../helpers.js";
import { Children, signToken, waitFor, type GatewayProcess } from "../multi-node/child-processes.js";
import { deleteKeys, testPrefix } from "../multi-node/redis-test-keys.js";
import { REDIS_URL, redisAvailable } from "../services.js";
import { createTestSchema, dropTestSchema, PG_TEST_URL, postgresUnavailable } from "../stores/pg-test-db.js";

// Hardening review, defect 2: with PostgreSQL or Redis, SIGTERM under keep-alive
// publishers hung until "shutdown timed out" (exit 1) while the HTTP API kept
// accepting publications no client received; in-flight requests were reset.
const SECRET = "shutdown-test-secret-0123456789";
const API_KEY = "shutdown-test-key";
const CHANNEL = "signals:acme";

/** What one HTTP request ended with. */
interface Outcome {
  readonly status?: number;
  readonly connection?: string | undefined;
  readonly body?: any;
  /** The error code of a request that got no response. */
  readonly error?: string;
}

/** One POST on a keep-alive agent; resolves with what came back, never rejects. */
function post(agent: Agent, url: string, body: unknown): Promise<Outcome> {
  const { hostname, port } = new URL(url);
  const text = JSON.stringify(body);
  return new Promise((resolve) => {
    const req = httpRequest(
      { agent, host: hostname, port, path: "/api/v1/publish", method: "POST", headers: { authorization: `Bearer ${API_KEY}`, "content-type": "application/json", "content-length": Buffer.byteLength(text) } },
      (res) => {
        let data = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => (data += d));
        res.on("end", () => resolve({ status: res.statusCode, connection: res.headers.connection, body: JSON.parse(data) }));
        res.on("error", (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
      },
    );
    req.on("error", (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
    req.end(text);
  });
}

/** A publisher on one keep-alive connection, sending one publication after another until it is refused. */
async function publisher(url: string, id: number, outcomes: Outcome[]): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    for (let n = 1; ; n++) {
      const outcome = await post(agent, url, { channel: CHANNEL, data: { providerId: "acme", publisher: id, n } });
      outcomes.push(outcome);
      if (outcome.status !== 200) return;
    }
  } finally {
    agent.destroy();
  }
}

interface Backing {
  readonly name: string;
  skip(): Promise<string | undefined>;
  env(): Promise<Record<string, string>>;
}

const cleanups: Array<() => Promise<void>> = [];
const backings: Backing[] = [
  { name: "SQLite", skip: async () => undefined, env: async () => ({}) },
  {
    name: "PostgreSQL",
    skip: postgresUnavailable,
    async env() {
      const schema = await createTestSchema();
      cleanups.push(() => dropTestSchema(schema));
      return { TICKWIRE_DATABASE_URL: `${PG_TEST_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}` };
    },
  },
  {
    name: "Redis",
    skip: async () => ((await redisAvailable()) ? undefined : "Redis is unreachable"),
    async env() {
      const prefix = testPrefix();
      cleanups.push(() => deleteKeys(prefix));
      return { TICKWIRE_REDIS_URL: REDIS_URL, TICKWIRE_REDIS_PREFIX: prefix };
    },
  },
];

describe("graceful shutdown of a gateway process under keep-alive publishers", () => {
  const children = new Children();
  const sockets: Socket[] = [];
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.close();
    await children.cleanup();
    for (const c of cleanups.splice(0)) await c();
  });

  async function subscriber(gw: GatewayProcess) {
    const socket = io(gw.url, { auth: { token: await signToken(SECRET, "watcher", "participant") }, transports: ["websocket"], reconnection: false, forceNew: true });
    sockets.push(socket);
    const events: Array<{ event: string; offset?: number; data?: unknown }> = [];
    socket.on("signal:new", (data: unknown, meta: { offset: number }) => events.push({ event: "signal:new", offset: meta.offset, data }));
    socket.on("server:shutdown", (data: unknown) => events.push({ event: "server:shutdown", data }));
    socket.on("disconnect", (reason: string) => events.push({ event: "disconnect", data: reason }));
    await new Promise<void>((ok, fail) => {
      socket.once("connected", () => ok());
      socket.once("connect_error", fail);
    });
    expect(await socket.emitWithAck("subscribe", { channels: [CHANNEL] })).toMatchObject({ ok: true, failed: [] });
    return events;
  }

  for (const backing of backings) {
    it(`with ${backing.name}: stops accepting first, answers and delivers what is in flight, and exits 0`, async (context) => {
      const reason = await backing.skip();
      if (reason !== undefined && !process.env.CI) return context.skip(reason);
      const gw = await children.gateway({ TICKWIRE_JWT_SECRET: SECRET, TICKWIRE_API_KEYS: API_KEY, TICKWIRE_LOG_LEVEL: "info", ...(await backing.env()) });
      const events = await subscriber(gw);

      const outcomes: Outcome[][] = [[], [], [], []];
      const publishers = outcomes.map((list, id) => publisher(gw.url, id, list));
      const answered = () => outcomes.flat().filter((o) => o.status === 200).length;
      await waitFor(() => answered() >= 200, 20_000, "200 publications answered");
      gw.process.kill("SIGTERM");
      await gw.exited;
      await Promise.all(publishers);

      expect({ code: gw.process.exitCode, signal: gw.process.signalCode }).toEqual({ code: 0, signal: null });
      expect(gw.output).not.toContain("shutdown timed out");
      for (const list of outcomes) {
        // Every request got an answer; the last one said the server is going away, or found it gone.
        const last = list[list.length - 1]!;
        expect(list.slice(0, -1).every((o) => o.status === 200)).toBe(true);
        expect([last.error ?? last.status]).toEqual([expect.toSatisfy((v) => v === 503 || v === "ECONNREFUSED")]);
        if (last.status === 503) {
          expect(last).toEqual({
            status: 503,
            connection: "close",
            body: { statusCode: 503, code: "SHUTDOWN", message: "The server is shutting down; reconnect shortly." },
          });
        }
      }
      // Everything the API accepted reached the live subscriber, in order, before it was told to go.
      const accepted = outcomes
        .flat()
        .filter((o) => o.status === 200)
        .map((o) => o.body.offset as number)
        .sort((a, b) => a - b);
      const delivered = events.filter((e) => e.event === "signal:new").map((e) => e.offset);
      expect(delivered).toEqual(Array.from({ length: accepted.length }, (_, i) => i + 1));
      expect(accepted).toEqual(delivered);
      expect(events.slice(delivered.length)).toEqual([
        { event: "server:shutdown", data: { reconnectAfterMs: 1000 } },
        // The transport closes, not the Socket.IO session ("io server disconnect" would stop socket.io-client from reconnecting).
        { event: "disconnect", data: "transport close" },
      ]);
    });
  }
});

describe("graceful shutdown of an embedded gateway", () => {
  const bed = new TestBed();
  afterEach(() => bed.cleanup());

  it("tells every polling client server:shutdown before it closes them, under load", async () => {
    const gw = await bed.gateway({ rateLimit: { navigator: { eventsPerSecond: 1000, burst: 2000 }, participant: { eventsPerSecond: 1000, burst: 2000 }, builder: { eventsPerSecond: 1000, burst: 2000 }, operator: { eventsPerSecond: 1000, burst: 2000 } } });
    const token = await bed.token(gw, "alice", "operator");
    const clients = await Promise.all(
      Array.from({ length: 30 }, async () => {
        const { socket } = await bed.connect(gw, { token: await bed.token(gw, `u${Math.random().toString(36).slice(2)}`, "operator") }, { transports: ["polling"] });
        const seen = record(socket, "quote:update", "server:shutdown");
        let reason = "";
        socket.on("disconnect", (r: string) => (reason = r));
        await socket.emitWithAck("subscribe", { channels: ["quotes:AAPL"] });
        return { socket, seen, reason: () => reason };
      }),
    );
    expect(token).toBeTruthy();
    let price = 0;
    let running = true;
    const load = (async () => {
      while (running) {
        await gw.publish({ channel: "quotes:AAPL", data: { symbol: "AAPL", price: ++price, pad: "x".repeat(2000) } }).catch(() => undefined);
        // A quote is applied at once: yield, or the loop would starve the sockets it loads.
        await new Promise((r) => setImmediate(r));
      }
    })();
    await until(() => clients.every((c) => c.seen.length >= 5), 10_000, "every client to be receiving");

    await gw.close();
    running = false;
    await load;
    await until(() => clients.every((c) => c.reason() !== ""), 10_000, "every client to be disconnected");
    const told = clients.filter((c) => c.seen.some((e) => e.event === "server:shutdown")).length;
    expect(told).toBe(30);
    for (const c of clients) {
      // server:shutdown is the last thing each client got, and the server closed its transport (the client may reconnect).
      expect(c.seen[c.seen.length - 1]).toEqual({ event: "server:shutdown", payload: { reconnectAfterMs: 1000 }, meta: undefined });
      expect(c.reason()).toBe("transport close");
    }
  });

  it("answers a keep-alive client's request made after close began with 503 SHUTDOWN and Connection: close", async () => {
    const gw = await bed.gateway();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      expect((await post(agent, gw.url, { channel: "signals", data: { n: 1 } })).status).toBe(401);
      const closing = gw.close();
      const refused = await post(agent, gw.url, { channel: "signals", data: { n: 2 } });
      await closing;
      expect(refused).toEqual({ status: 503, connection: "close", body: { statusCode: 503, code: "SHUTDOWN", message: "The server is shutting down; reconnect shortly." } });
    } finally {
      agent.destroy();
    }
  });
});
