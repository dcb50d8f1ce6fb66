import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";

/** True when this machine can start Redis Cluster nodes (Debian's redis-server and redis-cli). */
export function canStartRedisCluster(): boolean {
  return spawnSync("redis-server", ["--version"]).status === 0 && spawnSync("redis-cli", ["--version"]).status === 0;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** A port whose cluster bus port (+10000) is free too. */
async function clusterPort(taken: Set<number>): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (port > 55_000 || taken.has(port)) continue;
    if (await portFree(port + 10_000)) {
      taken.add(port);
      return port;
    }
  }
}

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** One redis-server process of a test cluster. */
export interface ClusterNodeProcess {
  readonly port: number;
  readonly address: string;
  process: ChildProcess | undefined;
}

/** Runs redis-cli against one node; throws with its output when it fails. */
export function redisCli(args: string[]): string {
  const r = spawnSync("redis-cli", args, { encoding: "utf8", timeout: 60_000 });
  if (r.status !== 0) throw new Error(`redis-cli ${args.join(" ")} failed: ${r.stdout}${r.stderr}`);
  return r.stdout;
}

/**
 * A Redis Cluster of real processes in a temporary folder: `masters` masters,
 * each with `replicas` replicas, on free ports. `kill` SIGKILLs one node (a
 * master dies; with replicas, one of them takes over).
 */
export class TestRedisCluster {
  readonly nodes: ClusterNodeProcess[] = [];
  private readonly dir = mkdtempSync(join(tmpdir(), "tickwire-cluster-"));

  static async start(masters = 3, replicas = 0, nodeTimeoutMs = 2000): Promise<TestRedisCluster> {
    const cluster = new TestRedisCluster();
    try {
      await cluster.boot(masters, replicas, nodeTimeoutMs);
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  /** `host:port` of every node, as TICKWIRE_REDIS_CLUSTER_NODES takes them. */
  get addresses(): string[] {
    return this.nodes.map((n) => n.address);
  }

  private async boot(masters: number, replicas: number, nodeTimeoutMs: number): Promise<void> {
    const taken = new Set<number>();
    for (let i = 0; i < masters * (1 + replicas); i++) {
      const port = await clusterPort(taken);
      this.nodes.push({ port, address: `127.0.0.1:${port}`, process: undefined });
    }
    for (const node of this.nodes) this.spawn(node, nodeTimeoutMs);
    for (const node of this.nodes) {
      await until(async () => redisCli(["-p", String(node.port), "ping"]).trim() === "PONG", 10_000, `redis-server on ${node.port}`).catch((err: Error) => {
        let log = "";
        try {
          log = readFileSync(join(this.dir, `redis-${node.port}.log`), "utf8").slice(-2000);
        } catch {
          // no log written
        }
        throw new Error(`${err.message}\n${log}`);
      });
    }
    redisCli(["--cluster", "create", ...this.addresses, "--cluster-replicas", String(replicas), "--cluster-yes"]);
    await this.waitHealthy();
  }

  private spawn(node: ClusterNodeProcess, nodeTimeoutMs: number): void {
    const args = [
      "--port", String(node.port), "--bind", "127.0.0.1", "--cluster-enabled", "yes",
      "--cluster-config-file", `nodes-${node.port}.conf`, "--cluster-node-timeout", String(nodeTimeoutMs),
      "--save", "", "--appendonly", "no", "--repl-diskless-sync-delay", "0", "--dir", this.dir, "--daemonize", "no",
    ];
    node.process = spawn("redis-server", [...args, "--logfile", `redis-${node.port}.log`], { stdio: "ignore" });
    node.process.unref();
  }

  /** Resolves once every live node reports cluster_state:ok and all 16384 slots are served. */
  async waitHealthy(timeoutMs = 30_000): Promise<void> {
    for (const node of this.nodes.filter((n) => n.process)) {
      await until(
        async () => {
          const info = redisCli(["-p", String(node.port), "cluster", "info"]);
          if (!/cluster_state:ok/.test(info) || !/cluster_slots_ok:16384/.test(info)) return false;
          // A replica that has not synced yet could not take over.
          const replication = redisCli(["-p", String(node.port), "info", "replication"]);
          return !/role:slave/.test(replication) || /master_link_status:up/.test(replication);
        },
        timeoutMs,
        `cluster state ok on ${node.port}`,
      );
    }
  }

  /** The master currently serving `key`'s slot. */
  masterOf(key: string): ClusterNodeProcess {
    const slot = Number(redisCli(["-p", String(this.live()[0]!.port), "cluster", "keyslot", key]).trim());
    for (const node of this.live()) {
      const r = new Set(redisCli(["-p", String(node.port), "cluster", "nodes"]).split("\n").filter((l) => l.includes("myself") && l.includes("master")));
      for (const line of r) {
        const ranges = line.split(" ").slice(8);
        for (const range of ranges) {
          const [a, b] = range.split("-").map(Number);
          if (slot >= a! && slot <= (b ?? a!)) return node;
        }
      }
    }
    throw new Error(`no master serves ${key}`);
  }

  /** Live nodes (not killed). */
  live(): ClusterNodeProcess[] {
    return this.nodes.filter((n) => n.process);
  }

  /** An admin client on the whole cluster. */
  admin(): import("ioredis").Cluster {
    return new Redis.Cluster(this.live().map((n) => ({ host: "127.0.0.1", port: n.port })), { redisOptions: { maxRetriesPerRequest: 1 } });
  }

  /** SIGKILLs a node. */
  kill(node: ClusterNodeProcess): void {
    node.process?.kill("SIGKILL");
    node.process = undefined;
  }

  async stop(): Promise<void> {
    for (const node of this.nodes) {
      const p = node.process;
      node.process = undefined;
      if (!p || p.exitCode !== null) continue;
      await new Promise<void>((resolve) => {
        p.once("exit", () => resolve());
        p.kill("SIGKILL");
      });
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Node ids and the masters' slot ranges, from CLUSTER NODES of a live node. */
export function clusterNodes(cluster: TestRedisCluster): Array<{ id: string; port: number; master: boolean; failed: boolean }> {
  const out = redisCli(["-p", String(cluster.live()[0]!.port), "cluster", "nodes"]);
  return out
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => {
      const [id, addr, flags] = l.split(" ");
      return { id: id!, port: Number(addr!.split("@")[0]!.split(":")[1]), master: flags!.includes("master"), failed: flags!.includes("fail") };
    });
}

/**
 * Moves one slot to another master the way `redis-cli --cluster reshard` does:
 * IMPORTING on the target, MIGRATING on the source, MIGRATE of its keys in
 * batches of `batch` (redis-cli's default pipeline is 10; clients get ASK for
 * keys already moved, TRYAGAIN while a script's keys are split), then SETSLOT
 * NODE on every master.
 * `between` runs after each batch (publish while the slot is half moved).
 */
export async function moveSlot(cluster: TestRedisCluster, slot: number, from: ClusterNodeProcess, to: ClusterNodeProcess, between: () => Promise<void> = async () => undefined, batch = 10): Promise<void> {
  const ids = new Map(clusterNodes(cluster).map((n) => [n.port, n.id]));
  const [fromId, toId] = [ids.get(from.port)!, ids.get(to.port)!];
  redisCli(["-p", String(to.port), "cluster", "setslot", String(slot), "importing", fromId]);
  redisCli(["-p", String(from.port), "cluster", "setslot", String(slot), "migrating", toId]);
  for (;;) {
    const keys = redisCli(["-p", String(from.port), "cluster", "getkeysinslot", String(slot), String(batch)]).split("\n").filter((k) => k.trim());
    if (keys.length === 0) break;
    redisCli(["-p", String(from.port), "migrate", "127.0.0.1", String(to.port), "", "0", "5000", "keys", ...keys]);
    await between();
  }
  for (const node of clusterNodes(cluster).filter((n) => n.master && !n.failed)) redisCli(["-p", String(node.port), "cluster", "setslot", String(slot), "node", toId]);
}
