// A throwaway Redis Cluster for the multi-node benchmark: its own redis-server
// processes in a temporary folder, the slot owner of a key or channel, and each
// process's CPU as Redis reports it (`INFO cpu`). Needs redis-server and redis-cli.
import { spawn, spawnSync } from "node:child_process";
import { createServer } from "node:net";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Runs redis-cli with `argv`; throws with its output when it fails. */
export function cli(argv) {
  const r = spawnSync("redis-cli", argv, { encoding: "utf8", timeout: 60_000 });
  if (r.status !== 0) throw new Error(`redis-cli ${argv.join(" ")}: ${r.stdout}${r.stderr}`);
  return r.stdout;
}

/** A TCP port nobody listens on now. */
export function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once("error", fail);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

/** Polls `check` every 100 ms until it returns true (a throw counts as not yet). */
export async function waitFor(check, timeoutMs, what) {
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

/** Three masters with a replica each, in `dir`; `stop()` SIGKILLs every process. */
export async function startCluster(dir) {
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
  const cluster = {
    ports,
    procs,
    alive: (i) => procs[i].exitCode === null && procs[i].signalCode === null,
    /** The ports of the masters serving slots now (after a failover, a promoted replica's). */
    masters() {
      return [...new Set(slotOwners(cluster).map((o) => o.port))].sort((a, b) => a - b);
    },
    /** The port of the master that serves `name` (a key, or a sharded pub/sub channel: same slot rule). */
    masterOf(name) {
      const port = ports.find((p, i) => cluster.alive(i));
      const slot = Number(cli(["-p", String(port), "cluster", "keyslot", name]).trim());
      const owner = slotOwners(cluster).find((o) => slot >= o.from && slot <= o.to);
      if (!owner) throw new Error(`no master for ${name}`);
      return owner.port;
    },
    stop() {
      for (const p of procs) p.kill("SIGKILL");
    },
  };
  return cluster;
}

function slotOwners(cluster) {
  const port = cluster.ports.find((p, i) => cluster.alive(i));
  const owners = [];
  for (const line of cli(["-p", String(port), "cluster", "nodes"]).split("\n")) {
    const parts = line.split(" ");
    if (!parts[2]?.includes("master") || parts[2].includes("fail")) continue;
    const owner = Number(parts[1].split("@")[0].split(":")[1]);
    for (const range of parts.slice(8)) {
      if (range.startsWith("[")) continue; // a slot being migrated or imported
      const [a, b] = range.split("-").map(Number);
      owners.push({ port: owner, from: a, to: b ?? a });
    }
  }
  return owners;
}

/** CPU (user + system) the redis-server on `port` used since it started, in ms, from `INFO cpu`. */
export function redisCpuMs(port) {
  const info = cli(["-p", String(port), "info", "cpu"]);
  const field = (name) => Number(new RegExp(`^${name}:([0-9.]+)`, "m").exec(info)?.[1] ?? Number.NaN);
  return (field("used_cpu_user") + field("used_cpu_sys")) * 1000;
}

/** Calls and µs spent per command on `port` since it started, from `INFO commandstats`. */
export function redisCommandStats(port) {
  const out = new Map();
  for (const m of cli(["-p", String(port), "info", "commandstats"]).matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) out.set(m[1], { calls: Number(m[2]), usec: Number(m[3]) });
  return out;
}
