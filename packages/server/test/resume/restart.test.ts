import { afterEach, describe, expect, it } from "vitest";
import Database from "better-sqlite3";
import { join } from "node:path";
import pg from "pg";
import { io, type Socket } from "socket.io-client";
import { createTestSchema, dropTestSchema, PG_TEST_URL, postgresUnavailable } from "../stores/pg-test-db.js";
import { Children, signToken, waitFor, type GatewayProcess } from "../multi-node/child-processes.js";
import { TcpProxy } from "../../../../test/support/tcp-proxy.js";

const SECRET = "restart-secret-0123456789abcdef";
const KEY = "restart-api-key";

/** One-argument handlers, as the platforms' clients have them. */
function collect(socket: Socket, ...events: string[]): Array<{ event: string; payload: any }> {
  const seen: Array<{ event: string; payload: any }> = [];
  for (const event of events) socket.on(event, (payload: unknown) => seen.push({ event, payload }));
  return seen;
}

/** Where a gateway keeps its sessions: the data directory's SQLite, or a PostgreSQL schema of the test's own. */
interface Backing {
  readonly env: Record<string, string>;
  /** The saved session records, as JSON. */
  records(): Promise<string[]>;
  cleanup(): Promise<void>;
}

async function sqliteBacking(dataDir: string): Promise<Backing> {
  return {
    env: { TICKWIRE_DATA_DIR: dataDir },
    async records() {
      const db = new Database(join(dataDir, "tickwire.db"), { readonly: true, fileMustExist: true });
      try {
        return (db.prepare("SELECT record FROM resume_sessions").all() as { record: string }[]).map((r) => r.record);
      } finally {
        db.close();
      }
    },
    async cleanup() {},
  };
}

async function postgresBacking(dataDir: string): Promise<Backing> {
  const schema = await createTestSchema();
  return {
    env: { TICKWIRE_DATA_DIR: dataDir, TICKWIRE_DATABASE_URL: `${PG_TEST_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}` },
    async records() {
      const client = new pg.Client({ connectionString: PG_TEST_URL });
      await client.connect();
      try {
        const exists = await client.query("SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'tw_resume_sessions'", [schema]);
        if (exists.rowCount === 0) return [];
        return (await client.query<{ record: string }>(`SELECT record FROM ${schema}.tw_resume_sessions`)).rows.map((r) => r.record);
      } finally {
        await client.end();
      }
    },
    cleanup: () => dropTestSchema(schema),
  };
}

const pgMissing = await postgresUnavailable();
const BACKINGS = [
  { label: "the same data directory (SQLite)", make: sqliteBacking, available: true },
  // CI provides PostgreSQL: there it is never skipped.
  { label: "the same PostgreSQL", make: postgresBacking, available: pgMissing === undefined || process.env.CI !== undefined },
];

for (const backing of BACKINGS)
describe.runIf(backing.available)(`session resumption across a restart on ${backing.label}`, () => {
  const children = new Children();
  const proxies: TcpProxy[] = [];
  const sockets: Socket[] = [];
  const backings: Backing[] = [];
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.close();
    for (const p of proxies.splice(0)) await p.close();
    await children.cleanup();
    for (const b of backings.splice(0)) await b.cleanup();
  });

  async function start(store: Backing): Promise<GatewayProcess> {
    return children.gateway({ TICKWIRE_JWT_SECRET: SECRET, TICKWIRE_API_KEYS: KEY, ...store.env, TICKWIRE_RESUME_CHECKPOINT_MS: "50" });
  }

  async function trade(gw: GatewayProcess, n: number): Promise<void> {
    const res = await gw.api("POST", "/api/v1/publish", { channel: "trades:alice", data: { id: `t${n}`, n } }, KEY);
    expect(res.status).toBe(200);
  }

  async function scenario(kill: "SIGTERM" | "SIGKILL") {
    const store = await backing.make(children.tempDir());
    backings.push(store);
    const first = await start(store);
    const proxy = new TcpProxy({ host: "127.0.0.1", port: Number(new URL(first.url).port) });
    proxies.push(proxy);
    await proxy.start();
    const socket = io(proxy.url, { auth: { token: await signToken(SECRET, "alice", "builder") } });
    sockets.push(socket);
    const connected: any[] = [];
    const disconnects: string[] = [];
    socket.on("connected", (c: unknown) => connected.push(c));
    socket.on("disconnect", (reason: string) => disconnects.push(reason));
    const seen = collect(socket, "trade:update", "resync");
    await waitFor(() => connected.length === 1, 10_000, "connected");
    await socket.emitWithAck("subscribe", { channels: ["trades"] });
    await trade(first, 1);
    await trade(first, 2);
    await waitFor(() => seen.length === 2, 10_000, "two live trades");
    if (kill === "SIGKILL") {
      // What a crash leaves is the last checkpoint: wait until it holds trade 2.
      await waitFor(async () => {
        const rows = await store.records();
        return rows.some((r) => JSON.parse(r).subscriptions.some((s: any) => s.channel === "trades:alice" && s.position?.offset === 2));
      }, 10_000, "a checkpoint with trade 2");
    }
    proxy.hold();
    await first.kill(kill);
    await waitFor(() => !socket.connected, 10_000, "the client to see the server go");

    const second = await start(store);
    for (const n of [3, 4, 5]) await trade(second, n);
    proxy.retarget(second.url);
    proxy.restore();
    await waitFor(() => connected.length === 2, 15_000, "the client to reconnect by itself");
    expect(connected[1]).toMatchObject({ userId: "alice", resumed: true });
    await waitFor(() => seen.length >= 5, 10_000, "the missed trades");
    await trade(second, 6);
    await waitFor(() => seen.length >= 6, 10_000, "a live trade");
    expect(seen).toEqual([1, 2, 3, 4, 5, 6].map((n) => ({ event: "trade:update", payload: { id: `t${n}`, n } })));
    // Not "io server disconnect": that reason would have stopped socket.io-client from reconnecting.
    expect(disconnects).toHaveLength(1);
    expect(disconnects[0]).not.toBe("io server disconnect");
    const metrics = await fetch(`${second.url}/metrics`).then((r) => r.text());
    return metrics;
  }

  it("SIGTERM: the client reconnects by itself and resumes exactly on the new process", async () => {
    const metrics = await scenario("SIGTERM");
    expect(metrics).toMatch(/tickwire_sessions_resumed_total\{kind="exact"\} 1/);
    expect(metrics).toMatch(/tickwire_resume_replayed_total\{namespace="trades"\} 3/);
  }, 60_000);

  it("SIGKILL: the client resumes from the last checkpoint and gets every trade once", async () => {
    const metrics = await scenario("SIGKILL");
    expect(metrics).toMatch(/tickwire_sessions_resumed_total\{kind="checkpoint"\} 1/);
    expect(metrics).toMatch(/tickwire_resume_replayed_total\{namespace="trades"\} 3/);
    expect(metrics).not.toMatch(/tickwire_resume_possible_duplicates_total\{[^}]*\} [1-9]/);
  }, 60_000);
});
