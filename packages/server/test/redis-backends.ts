import type { Cluster, Redis } from "ioredis";
import type { GatewayOptions } from "@tickwire/server";
import { REDIS_CLUSTER_NODES, REDIS_URL, redisAvailable, redisClusterAvailable } from "./services.js";
import { adminCluster, adminRedis } from "./multi-node/redis-test-keys.js";

/** One way to run the multi-node engine: a single Redis or a Redis Cluster. Suites run once per backend. */
export interface RedisBackend {
  readonly name: "redis" | "redis cluster";
  /** How suite titles name it ("many nodes on …"). */
  readonly label: string;
  /** False when the service is not reachable (then skipped, except under CI=true). */
  readonly available: boolean;
  /** What a gateway needs to use it. */
  readonly gateway: Pick<GatewayOptions, "redisUrl" | "redisClusterNodes">;
  /** What a RedisEngine needs to use it. */
  readonly engine: { url?: string; clusterNodes?: readonly string[] };
  /** An admin client for assertions. */
  admin(): Redis | Cluster;
}

/** The single Redis instance. */
export const SINGLE_REDIS: RedisBackend = {
  name: "redis",
  label: "one Redis",
  available: await redisAvailable(),
  gateway: { redisUrl: REDIS_URL, redisClusterNodes: undefined },
  engine: { url: REDIS_URL },
  admin: adminRedis,
};

/** The shared test Redis Cluster (three masters). */
export const REDIS_CLUSTER: RedisBackend = {
  name: "redis cluster",
  label: "a Redis Cluster",
  available: await redisClusterAvailable(),
  gateway: { redisUrl: undefined, redisClusterNodes: REDIS_CLUSTER_NODES },
  engine: { clusterNodes: REDIS_CLUSTER_NODES },
  admin: () => adminCluster(),
};

/** Both backends, for `describe.each`. */
export const REDIS_BACKENDS: readonly RedisBackend[] = [SINGLE_REDIS, REDIS_CLUSTER];

/** Kills every client connection whose name starts with `name` (on every node of a cluster); returns how many. */
export async function killClients(backend: RedisBackend, name: string): Promise<number> {
  const admin = backend.admin();
  let killed = 0;
  try {
    const nodes: Redis[] = "nodes" in admin && typeof admin.nodes === "function" ? await readyNodes(admin as Cluster) : [admin as Redis];
    for (const node of nodes) {
      const clients = (await node.client("LIST")) as string;
      for (const line of clients.split("\n").filter((l) => l.includes(`name=${name}`))) {
        await node.client("KILL", "ID", /id=(\d+)/.exec(line)![1]!);
        killed++;
      }
    }
  } finally {
    admin.disconnect();
  }
  return killed;
}

async function readyNodes(cluster: Cluster): Promise<Redis[]> {
  if (cluster.status !== "ready") await new Promise<void>((resolve) => cluster.once("ready", () => resolve()));
  return cluster.nodes("all");
}
