import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { io, type Socket } from "socket.io-client";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { record, until } from "../helpers.js";

const ROOT = resolve(import.meta.dirname, "../../../..");
const SECRET = "example-secret-0123456789";
const API_KEY = "example-api-key";
const children: ChildProcess[] = [];
const sockets: Socket[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.close();
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGKILL");
      await exited;
    }
  }
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Starts an example app on a free port; resolves with its base URL once it prints it. */
async function startExample(name: string): Promise<{ child: ChildProcess; base: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), `tickwire-example-${name}-`));
  dirs.push(dataDir);
  const child = spawn(process.execPath, ["server.mjs"], {
    cwd: join(ROOT, "examples", name),
    env: { PATH: process.env.PATH, PORT: "0", HOST: "127.0.0.1", JWT_SECRET: SECRET, API_KEY, DATA_DIR: dataDir, LOG_LEVEL: "warn", NODE_ENV: "production" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let output = "";
  child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  const base = await new Promise<string>((resolveBase, reject) => {
    child.stdout!.on("data", (d: Buffer) => {
      output += d.toString();
      const m = /\{"listening":"(http:\/\/[^"]+)"\}/.exec(output);
      if (m) resolveBase(m[1]!);
    });
    child.once("exit", (code) => reject(new Error(`the ${name} example exited (${code}): ${output}`)));
  });
  return { child, base };
}

async function json(url: string, init: RequestInit = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(url, init);
  return { status: res.status, body: await res.json() };
}

const post = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({ method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });

describe.each([
  { name: "express", socketPath: "/realtime/socket.io", apiPrefix: "/realtime/api" },
  { name: "fastify", socketPath: "/socket.io", apiPrefix: "/api/v1" },
])("examples/$name", ({ name, socketPath, apiPrefix }) => {
  beforeAll(() => {
    if (!existsSync(join(ROOT, "packages/server/dist/index.js"))) throw new Error("packages/server/dist is missing: run `npm run build` (npm install does it).");
  });

  it("serves the app's routes, a Tickwire client and the Tickwire API on the app's one port, and shuts down cleanly", async () => {
    const { child, base } = await startExample(name);
    expect(await json(`${base}/hello`)).toEqual({ status: 200, body: { app: name, hello: "world" } });

    const { token } = (await json(`${base}/token?user=alice`)).body as { token: string };
    const socket = io(base, { path: socketPath, auth: { token }, transports: ["websocket"], reconnection: false, forceNew: true });
    sockets.push(socket);
    const connected = await new Promise<Record<string, unknown>>((r, reject) => {
      socket.once("connected", r);
      socket.once("connect_error", reject);
    });
    expect(connected).toMatchObject({ userId: "alice", tier: "participant" });
    const seen = record(socket, "trade:executed", "trade:update");
    expect(await socket.emitWithAck("subscribe", { channels: ["trades"] })).toMatchObject({ ok: true, subscribed: [{ channel: "trades:alice", requested: "trades" }] });

    // The app publishes from its own route; a publisher uses the Tickwire API on the same port.
    const order = await json(`${base}/orders`, post({ user: "alice", symbol: "AAPL", quantity: 10 }));
    expect(order).toEqual({ status: 201, body: { orderId: expect.stringMatching(/^o-/), offset: 1 } });
    expect(await json(`${base}${apiPrefix}/publish`, post({ channel: "trades:alice", data: { tradeId: "t2" } }, { authorization: `Bearer ${API_KEY}` }))).toMatchObject({ status: 200, body: { channel: "trades:alice", offset: 2 } });
    expect(await json(`${base}${apiPrefix}/publish`, post({ channel: "trades:alice", data: {} }, { authorization: "Bearer wrong" }))).toMatchObject({ status: 401, body: { code: "UNAUTHORIZED" } });
    await until(() => seen.length === 2, 5000, "both publications");
    expect(seen).toEqual([
      { event: "trade:executed", payload: { orderId: order.body.orderId, symbol: "AAPL", quantity: 10 }, meta: expect.objectContaining({ channel: "trades:alice", offset: 1 }) },
      { event: "trade:update", payload: { tradeId: "t2" }, meta: expect.objectContaining({ channel: "trades:alice", offset: 2 }) },
    ]);
    // Nothing reached another user.
    const { token: bobToken } = (await json(`${base}/token?user=bob`)).body as { token: string };
    const bob = io(base, { path: socketPath, auth: { token: bobToken }, transports: ["websocket"], reconnection: false, forceNew: true });
    sockets.push(bob);
    await new Promise((r) => bob.once("connected", r));
    expect(await bob.emitWithAck("subscribe", { channels: ["trades:alice"] })).toMatchObject({ subscribed: [], failed: [{ channel: "trades:alice", code: "FORBIDDEN" }] });

    const told = new Promise((r) => socket.once("server:shutdown", r));
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    child.kill("SIGTERM");
    expect(await told).toEqual({ reconnectAfterMs: 1000 });
    expect(await exited).toBe(0);
  });
});
