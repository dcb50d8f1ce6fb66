#!/usr/bin/env node
// Multi-node benchmark: a Redis Cluster of three masters (each with a replica) and
// three Tickwire nodes on this machine. `npm run bench:multi-node` or
// `node bench/multi-node.mjs [--seconds 10] [--clients 30] [--channels 6] [--publishers 12] [--no-faults]`.
// Reports deliveries/s per node, cross-node latency p50/p99, and checks on every run:
// order within each epoch, recovery with `since` on another node, and, with faults, a
// node SIGKILLed and a Redis master SIGKILLed under load (every accepted publication is
// delivered to every subscriber in order, or the subscriber was told to resync).
// Writes bench/results/multi-node.json. Needs redis-server and redis-cli (Debian's redis-server).
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { availableParallelism, cpus, loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { SignJWT } from "jose";
import { io } from "socket.io-client";
import { channelKeys } from "../packages/server/dist/index.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const CLI = join(root, "packages/server/dist/cli.js");
const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const SECONDS = arg("seconds", 10);
const CLIENTS = arg("clients", 30);
const CHANNELS = arg("channels", 6);
const PUBLISHERS = arg("publishers", 12);
const FAULTS = !args.includes("--no-faults");
const SECRET = "bench-secret-0123456789abcdef";
const API_KEY = "bench-api-key";
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const la = () => loadavg().map((x) => Math.round(x * 100) / 100);

function cli(argv) {
  const r = spawnSync("redis-cli", argv, { encoding: "utf8", timeout: 60_000 });
  if (r.status !== 0) throw new Error(`redis-cli ${argv.join(" ")}: ${r.stdout}${r.stderr}`);
  return r.stdout;
}

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once("error", fail);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

async function waitFor(check, timeoutMs, what) {
  const start = Date.now();
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not yet
    }
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** Three masters with a replica each, in a temporary folder. */
async function startCluster(dir) {
  const ports = [];
  while (ports.length < 6) {
    const p = await freePort();
    if (p < 55_000 && !ports.includes(p)) ports.push(p);
  }
  const procs = ports.map((port) =>
    spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--cluster-enabled", "yes", "--cluster-config-file", `nodes-${port}.conf`, "--cluster-node-timeout", "1000", "--save", "", "--appendonly", "no", "--repl-diskless-sync-delay", "0", "--dir", dir], { stdio: "ignore" }),
  );
  for (const port of ports) await waitFor(() => cli(["-p", String(port), "ping"]).trim() === "PONG", 10_000, `redis ${port}`);
  cli(["--cluster", "create", ...ports.map((p) => `127.0.0.1:${p}`), "--cluster-replicas", "1", "--cluster-yes"]);
  for (const port of ports) {
    await waitFor(() => {
      const info = cli(["-p", String(port), "cluster", "info"]);
      const repl = cli(["-p", String(port), "info", "replication"]);
      return /cluster_state:ok/.test(info) && (!/role:slave/.test(repl) || /master_link_status:up/.test(repl));
    }, 30_000, `cluster ok on ${port}`);
  }
  return { ports, procs };
}

function masterOfKey(cluster, key) {
  const port = cluster.ports.find((p, i) => cluster.procs[i].exitCode === null && cluster.procs[i].signalCode === null);
  const slot = Number(cli(["-p", String(port), "cluster", "keyslot", key]).trim());
  for (const line of cli(["-p", String(port), "cluster", "nodes"]).split("\n")) {
    const parts = line.split(" ");
    if (!parts[2]?.includes("master") || parts[2].includes("fail")) continue;
    for (const range of parts.slice(8)) {
      const [a, b] = range.split("-").map(Number);
      if (slot >= a && slot <= (b ?? a)) return Number(parts[1].split("@")[0].split(":")[1]);
    }
  }
  throw new Error(`no master for ${key}`);
}

/** A Tickwire node as its own process. */
async function startNode(clusterPorts, prefix, dir) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("TICKWIRE_")));
  const child = spawn(process.execPath, [CLI, "start"], {
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
      TICKWIRE_CONNECTION_LEASE_TTL_MS: "3000",
      TICKWIRE_LOG_LEVEL: "info",
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
  return { child, url };
}

const token = (sub) =>
  new SignJWT({ tier: "participant" }).setProtectedHeader({ alg: "HS256", typ: "JWT" }).setSubject(sub).setIssuedAt().setExpirationTime(Math.floor(Date.now() / 1000) + 3600).sign(new TextEncoder().encode(SECRET));

const channels = Array.from({ length: CHANNELS }, (_, k) => `signals:b${k}`);

/** One subscriber: what it saw per channel (per epoch), the resyncs it was told, its latencies. */
class Subscriber {
  constructor(user, node) {
    this.user = user;
    this.node = node;
    this.seen = new Map(channels.map((c) => [c, new Map()])); // channel -> epoch -> offsets[]
    this.last = new Map(); // channel -> { offset, epoch }
    this.resyncs = new Map(channels.map((c) => [c, 0]));
    this.orderErrors = 0;
    this.latencies = [];
    this.deliveries = 0;
    this.live = true;
  }

  async connect(nodes, nodeIndex, since) {
    this.node = nodeIndex;
    const socket = io(nodes[nodeIndex].url, { auth: { token: await token(this.user) }, transports: ["websocket"], reconnection: false, forceNew: true });
    this.socket = socket;
    await new Promise((ok, fail) => {
      socket.once("connected", ok);
      socket.once("connect_error", fail);
    });
    socket.on("resync", ({ channel }) => this.resyncs.set(channel, (this.resyncs.get(channel) ?? 0) + 1));
    socket.on("signal:new", (data, meta) => {
      const byEpoch = this.seen.get(meta.channel);
      const list = byEpoch.get(meta.epoch) ?? [];
      byEpoch.set(meta.epoch, list);
      const last = this.last.get(meta.channel);
      if (last && last.epoch === meta.epoch && meta.offset !== last.offset + 1) this.orderErrors++;
      list.push(meta.offset);
      this.last.set(meta.channel, { offset: meta.offset, epoch: meta.epoch });
      this.deliveries++;
      if (this.live) this.latencies.push(Date.now() - data.t);
    });
    const items = channels.map((channel) => (since && this.last.get(channel) ? { channel, since: this.last.get(channel) } : channel));
    const reply = await socket.emitWithAck("subscribe", { channels: items });
    if (reply.failed?.length) throw new Error(`subscribe failed: ${JSON.stringify(reply.failed)}`);
    return reply.subscribed;
  }
}

function percentile(sorted, p) {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main() {
  if (!existsSync(CLI)) throw new Error("packages/server/dist is missing: run `npm run build` first.");
  const dir = mkdtempSync(join(tmpdir(), "tickwire-bench-mn-"));
  const prefix = `bench${Date.now().toString(36)}:`;
  const started = { at: new Date().toISOString(), loadAverage: la() };
  const cluster = await startCluster(dir);
  const nodes = [];
  const subs = [];
  try {
    for (let i = 0; i < 3; i++) {
      const nodeDir = join(dir, `node${i}`);
      mkdirSync(nodeDir);
      nodes.push(await startNode(cluster.ports.slice(0, 3), prefix, nodeDir));
    }
    for (let n = 0; n < 3; n++) for (let i = 0; i < CLIENTS; i++) subs.push(new Subscriber(`u${n}-${i}`, n));
    for (const s of subs) await s.connect(nodes, s.node);

    // Publishers: HTTP publishes spread over the nodes, each stamped with its send time.
    const accepted = new Map(channels.map((c) => [c, new Map()])); // channel -> epoch -> max offset
    let refused = 0;
    let publishedCount = 0;
    let stop = false;
    const publishers = Array.from({ length: PUBLISHERS }, async (_, w) => {
      for (let k = 0; !stop; k++) {
        const channel = channels[(w + k) % channels.length];
        const node = nodes[(w + k) % nodes.length];
        if (node.dead) continue;
        try {
          const res = await fetch(`${node.url}/api/v1/publish`, { method: "POST", headers: { authorization: `Bearer ${API_KEY}`, "content-type": "application/json" }, body: JSON.stringify({ channel, data: { t: Date.now() } }) });
          const body = await res.json();
          if (res.status === 200) {
            const byEpoch = accepted.get(channel);
            byEpoch.set(body.epoch, Math.max(byEpoch.get(body.epoch) ?? 0, body.offset));
            publishedCount++;
          } else {
            refused++;
            await sleep(20);
          }
        } catch {
          refused++;
          await sleep(20);
        }
      }
    });

    // Steady phase, with a recovery check halfway: a tenth of node 0's clients move to node 1 with `since`.
    const before = subs.map((s) => s.deliveries);
    const t0 = Date.now();
    await sleep((SECONDS * 1000) / 2);
    const movers = subs.filter((s) => s.node === 0).slice(0, Math.max(1, Math.floor(CLIENTS / 10)));
    let recovered = 0;
    for (const s of movers) {
      s.socket.close();
      s.live = false;
      const replies = await s.connect(nodes, 1, true);
      recovered += replies.filter((r) => r.recovered === true).length;
    }
    await sleep((SECONDS * 1000) / 2);
    const steadyMs = Date.now() - t0;
    const perNode = [0, 1, 2].map((n) => subs.reduce((sum, s, i) => sum + (s.node === n ? s.deliveries - before[i] : 0), 0) / (steadyMs / 1000));
    const steadyPublished = publishedCount;
    const latencies = subs.flatMap((s) => (s.live ? s.latencies : [])).sort((a, b) => a - b);
    const steady = {
      seconds: Math.round(steadyMs / 100) / 10,
      publicationsPerSecond: Math.round(steadyPublished / (steadyMs / 1000)),
      deliveriesPerSecondPerNode: perNode.map(Math.round),
      deliveriesPerSecond: Math.round(perNode.reduce((a, b) => a + b, 0)),
      latencyMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99), samples: latencies.length },
      recoveryCheck: { moved: movers.length, channelsRecovered: recovered, channelsAsked: movers.length * CHANNELS },
      loadAverage: la(),
    };

    let faults;
    if (FAULTS) {
      // A node SIGKILLed: its clients reconnect to node 0 and recover with `since`.
      const victim = nodes[2];
      victim.dead = true;
      victim.child.kill("SIGKILL");
      const orphans = subs.filter((s) => s.node === 2);
      let orphanRecovered = 0;
      for (const s of orphans) {
        s.live = false;
        const replies = await s.connect(nodes, 0, true);
        orphanRecovered += replies.filter((r) => r.recovered === true).length;
      }
      await sleep(1000);
      // A Redis master SIGKILLed: its replica takes over; its channels move to a new epoch.
      const masterPort = masterOfKey(cluster, channelKeys(prefix, channels[0]).meta);
      const masterIndex = cluster.ports.indexOf(masterPort);
      const refusedBefore = refused;
      cluster.procs[masterIndex].kill("SIGKILL");
      const killedAt = Date.now();
      // Until another node serves the slot (the dead master is flagged failed after the node timeout).
      await waitFor(() => masterOfKey(cluster, channelKeys(prefix, channels[0]).meta) !== masterPort, 30_000, "the replica to take over");
      const failoverMs = Date.now() - killedAt;
      await sleep(2000);
      stop = true;
      await Promise.all(publishers);
      // Every subscriber ends with every accepted publication of each channel's current epoch.
      const finalEpoch = (c) => [...accepted.get(c).keys()].pop();
      await waitFor(() => subs.every((s) => channels.every((c) => (s.last.get(c)?.epoch === finalEpoch(c) ? s.last.get(c).offset : -1) === accepted.get(c).get(finalEpoch(c)))), 30_000, "every subscriber to reach the last publication").catch(() => undefined);
      let missingUnannounced = 0;
      let missingCurrent = 0;
      for (const s of subs) {
        for (const c of channels) {
          for (const [epoch, max] of accepted.get(c)) {
            const got = new Set(s.seen.get(c).get(epoch) ?? []);
            let missing = 0;
            for (let o = 1; o <= max; o++) if (!got.has(o)) missing++;
            if (missing === 0) continue;
            if (epoch === finalEpoch(c)) missingCurrent += missing;
            else if ((s.resyncs.get(c) ?? 0) === 0) missingUnannounced += missing;
          }
        }
      }
      faults = {
        nodeKilled: { clients: orphans.length, channelsRecovered: orphanRecovered, channelsAsked: orphans.length * CHANNELS },
        masterKilled: { failoverMs, refusedPublishes: refused - refusedBefore, channelsWithNewEpoch: channels.filter((c) => accepted.get(c).size > 1).length },
        missingOfCurrentEpoch: missingCurrent,
        missingWithoutResync: missingUnannounced,
        resyncsReceived: subs.reduce((n, s) => n + [...s.resyncs.values()].reduce((a, b) => a + b, 0), 0),
      };
    } else {
      stop = true;
      await Promise.all(publishers);
    }
    const orderErrors = subs.reduce((n, s) => n + s.orderErrors, 0);
    const result = {
      scenario: "multi-node",
      startedAt: started.at,
      machine: { cores: availableParallelism(), cpuModel: cpus()[0]?.model, node: process.version, loadAverageStart: started.loadAverage, loadAverageEnd: la() },
      setup: { redisMasters: 3, replicasPerMaster: 1, tickwireNodes: 3, subscribersPerNode: CLIENTS, channels: CHANNELS, publishers: PUBLISHERS, fanoutPerPublication: CLIENTS * 3 },
      steady,
      faults,
      checks: { orderErrors, published: publishedCount, refused },
    };
    mkdirSync(join(root, "bench/results"), { recursive: true });
    writeFileSync(join(root, "bench/results/multi-node.json"), `${JSON.stringify(result, null, 2)}\n`);
    console.log(JSON.stringify(result, null, 2));
    const ok = orderErrors === 0 && steady.recoveryCheck.channelsRecovered === steady.recoveryCheck.channelsAsked && (!faults || (faults.missingOfCurrentEpoch === 0 && faults.missingWithoutResync === 0));
    if (!ok) process.exitCode = 1;
  } finally {
    for (const s of subs) s.socket?.close();
    for (const n of nodes) n.child.kill("SIGKILL");
    for (const p of cluster.procs) p.kill("SIGKILL");
    await sleep(200);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
