// The two systems the multi-node benchmark runs on one Redis Cluster: three
// Tickwire nodes (the CLI, each its own process) and three plain Socket.IO nodes
// with the sharded Redis adapter. Each target publishes over HTTP the same way
// and names the sharded pub/sub channel a publication goes through (whose slot
// says which master carries it).
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { SignJWT } from "jose";
import { channelKeys } from "../../packages/server/dist/index.js";
import { startChild } from "./rpc.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const CLI = join(root, "packages/server/dist/cli.js");
export const SECRET = "bench-secret-0123456789abcdef";
export const API_KEY = "bench-api-key";

/** A client token both systems accept (HS256 with the bench's secret). */
export const token = (sub) =>
  new SignJWT({ tier: "participant" }).setProtectedHeader({ alg: "HS256", typ: "JWT" }).setSubject(sub).setIssuedAt().setExpirationTime(Math.floor(Date.now() / 1000) + 3600).sign(new TextEncoder().encode(SECRET));

async function post(url, body) {
  try {
    const res = await fetch(url, { method: "POST", headers: { authorization: `Bearer ${API_KEY}`, "content-type": "application/json" }, body: JSON.stringify(body) });
    return { status: res.status, body: await res.json() };
  } catch (err) {
    return { status: 0, body: { code: String(err?.cause?.code ?? err?.message ?? err) } };
  }
}

async function startTickwireNode(clusterPorts, prefix, dir) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("TICKWIRE_")));
  // BENCH_CPU_PROF=<dir>: each node writes a V8 CPU profile there when it stops (bench/profile-summary.mjs reads it).
  const profile = process.env.BENCH_CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const child = spawn(process.execPath, [...profile, CLI, "start"], {
    env: {
      ...clean,
      NODE_ENV: "production",
      TICKWIRE_PORT: "0",
      TICKWIRE_HOST: "127.0.0.1",
      TICKWIRE_DATA_DIR: dir,
      TICKWIRE_REDIS_CLUSTER_NODES: clusterPorts.map((p) => `127.0.0.1:${p}`).join(","),
      TICKWIRE_REDIS_PREFIX: prefix,
      TICKWIRE_JWT_SECRET: SECRET,
      TICKWIRE_API_KEYS: API_KEY,
      TICKWIRE_MAX_CONNECTIONS_PER_USER: "10",
      TICKWIRE_LOG_LEVEL: "info",
      // No access line per publish and per connection: the plain Socket.IO nodes log nothing (with them, the
      // log is about a tenth of a node's busy time in this workload).
      TICKWIRE_ACCESS_LOG_LEVEL: "silent",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const url = await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`node did not start:\n${out}`)), 20_000);
    const on = (d) => {
      out += d;
      const m = /"url":"(http:\/\/[^"]+)"/.exec(out);
      if (m) {
        clearTimeout(timer);
        ok(m[1]);
      }
    };
    child.stdout.on("data", on);
    child.stderr.on("data", on);
  });
  // Keep the pipes drained (the node keeps logging).
  child.stdout.resume();
  child.stderr.resume();
  const exited = new Promise((done) => child.once("exit", done));
  return {
    url,
    pid: child.pid,
    dead: false,
    kill: () => child.kill("SIGKILL"),
    // A graceful stop, so that a profiled node writes its profile.
    stop: async () => {
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/** Three Tickwire nodes on the cluster (their first three ports), keys under `prefix`. */
export async function startTickwire(cluster, prefix, dir) {
  const nodes = [];
  for (let i = 0; i < 3; i++) {
    const nodeDir = join(dir, `tickwire-node${i}`);
    mkdirSync(nodeDir, { recursive: true });
    nodes.push(await startTickwireNode(cluster.ports.slice(0, 3), prefix, nodeDir));
  }
  return {
    kind: "tickwire",
    label: "Tickwire",
    nodes,
    hasOffsets: true,
    /** Publishes through node `i`'s HTTP API; accepted when it answers 200 with the offset and epoch. */
    async publish(i, channel, data) {
      const r = await post(`${nodes[i].url}/api/v1/publish`, { channel, data });
      return { ok: r.status === 200, status: r.status, epoch: r.body?.epoch, offset: r.body?.offset, code: r.body?.code };
    },
    pubsubNameOf: (channel) => channelKeys(prefix, channel).pubsub,
    async stop() {
      if (process.env.BENCH_CPU_PROF) await Promise.all(nodes.filter((n) => !n.dead).map((n) => n.stop()));
      else for (const n of nodes) n.kill();
    },
  };
}

/** Three plain Socket.IO 4.8 nodes with the sharded Redis adapter on the cluster. */
export async function startSocketIo(cluster, channelPrefix = "socket.io") {
  const module = new URL("../servers/socketio-cluster-server.mjs", import.meta.url);
  const clusterNodes = cluster.ports.slice(0, 3).map((p) => `127.0.0.1:${p}`);
  const children = [];
  for (let i = 0; i < 3; i++) children.push(await startChild(module, { clusterNodes, jwtSecret: SECRET, apiKey: API_KEY, channelPrefix }));
  const nodes = children.map((c) => ({ url: c.info.url, pid: c.pid, dead: false, kill: () => process.kill(c.pid, "SIGKILL") }));
  return {
    kind: "socketio",
    label: "Socket.IO 4.8 + sharded Redis adapter",
    nodes,
    hasOffsets: false,
    async publish(i, channel, data) {
      const r = await post(`${nodes[i].url}/publish`, { channel, data });
      return { ok: r.status === 200, status: r.status, code: r.body?.code };
    },
    // The adapter's "dynamic" subscription mode: one sharded channel per room of the main namespace.
    pubsubNameOf: (channel) => `${channelPrefix}#/#${channel}#`,
    stats: () => Promise.all(children.map((c) => c.call("stats"))),
    async stop() {
      await Promise.all(children.map((c) => c.stop()));
    },
  };
}
