import { randomBytes } from "node:crypto";
import { Cluster, Redis } from "ioredis";
import { REDIS_CLUSTER_NODES, REDIS_URL } from "../services.js";

/** A key prefix no other test uses, so files running in parallel never share keys. */
export function testPrefix(): string {
  return `twtest:${randomBytes(4).toString("hex")}:`;
}

/** A short-lived admin connection for assertions and fault injection. */
export function adminRedis(): Redis {
  return new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
}

/** A short-lived admin client on the test Redis Cluster (`nodes`: another cluster's). */
export function adminCluster(nodes: readonly string[] = REDIS_CLUSTER_NODES): Cluster {
  return new Cluster(
    nodes.map((n) => ({ host: n.slice(0, n.lastIndexOf(":")), port: Number(n.slice(n.lastIndexOf(":") + 1)) })),
    { redisOptions: { maxRetriesPerRequest: 1 } },
  );
}

async function scanNode(node: Redis, prefix: string, pattern: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = "0";
  do {
    const [next, keys] = await node.scan(cursor, "MATCH", `${prefix}${pattern}`, "COUNT", 1000);
    cursor = next;
    found.push(...keys);
  } while (cursor !== "0");
  return found;
}

/** Keys under `prefix` matching `pattern` (`*` for all); on a cluster, of every master. */
export async function keysUnder(admin: Redis | Cluster, prefix: string, pattern = "*"): Promise<string[]> {
  if (!(admin instanceof Cluster)) return scanNode(admin, prefix, pattern);
  await new Promise<void>((resolve) => (admin.status === "ready" ? resolve() : admin.once("ready", () => resolve())));
  const found = await Promise.all(admin.nodes("master").map((node) => scanNode(node, prefix, pattern)));
  return found.flat().sort();
}

/** Deletes every key under `prefix`, on the test Redis and on the test Redis Cluster. */
export async function deleteKeys(prefix: string): Promise<void> {
  const admin = adminRedis();
  try {
    const keys = await keysUnder(admin, prefix);
    if (keys.length > 0) await admin.del(...keys);
  } finally {
    admin.disconnect();
  }
  if (REDIS_CLUSTER_NODES.length === 0) return;
  const cluster = adminCluster();
  try {
    // One key per DEL: keys of different slots cannot share a command.
    for (const key of await keysUnder(cluster, prefix)) await cluster.del(key);
  } catch {
    // The cluster is not up (its tests are skipped or fail on their own).
  } finally {
    cluster.disconnect();
  }
}
