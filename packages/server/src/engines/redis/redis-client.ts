import { Cluster, Redis, type ClusterOptions, type RedisOptions } from "ioredis";
import { parseClusterNode } from "../../config/option-types.js";

/**
 * Where the multi-node state lives: one Redis instance (`url`), or a Redis
 * Cluster reached through any of its nodes (`clusterNodes`, `host:port`).
 */
export type RedisTarget = { readonly url: string; readonly clusterNodes?: undefined } | { readonly url?: undefined; readonly clusterNodes: readonly string[] };

/** A client of either kind; both take the same commands (a cluster routes each by its key's slot). */
export type RedisClient = Redis | Cluster;

/** True when `client` talks to a Redis Cluster. */
export function isCluster(client: RedisClient): client is Cluster {
  return (client as Cluster).isCluster === true;
}

/**
 * A client for `target`. `options` apply to every connection (with a cluster:
 * to each node's); offline queue and lazy connect also apply to the cluster as
 * a whole. A cluster follows MOVED and ASK redirections and refreshes its slot
 * table by itself; `cluster` adds cluster-only settings.
 */
export function createRedisClient(target: RedisTarget, options: RedisOptions, cluster: Partial<ClusterOptions> = {}): RedisClient {
  if (target.clusterNodes === undefined) return new Redis(target.url, options);
  const nodes = target.clusterNodes.map((n) => {
    const node = parseClusterNode(n);
    if (!node) throw new Error(`not a host:port cluster node: ${n}`);
    return node;
  });
  const client = new Cluster(nodes, {
    lazyConnect: options.lazyConnect ?? false,
    enableOfflineQueue: options.enableOfflineQueue ?? true,
    // A failed-over or resharded slot is retried on its new owner shortly after.
    retryDelayOnFailover: 100,
    retryDelayOnClusterDown: 100,
    retryDelayOnTryAgain: 100,
    ...cluster,
    redisOptions: options,
  });
  // The client opens a node's connection on its first command, and without an offline queue
  // a command sent while it is opening fails: open each connection as soon as the node is known.
  client.on("+node", (node: Redis) => {
    if (node.status === "wait") node.connect().catch(() => undefined);
  });
  return client;
}

/**
 * Connects `client` and, on a cluster, every node connection; resolves after
 * `timeoutMs` at the latest (the client keeps trying after it).
 */
export async function connectClient(client: RedisClient, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
  const connect = async (): Promise<void> => {
    await client.connect().catch(() => undefined);
    if (!isCluster(client)) return;
    await Promise.all(
      client.nodes("all").map((node) => (node.status === "ready" ? undefined : new Promise<void>((resolve) => node.once("ready", () => resolve()).once("end", () => resolve())))),
    );
  };
  await Promise.race([connect(), deadline]);
  clearTimeout(timer);
}

/** The name a target is logged and reported under (no credentials). */
export function describeTarget(target: RedisTarget): string {
  if (target.clusterNodes !== undefined) return `cluster ${target.clusterNodes.join(",")}`;
  try {
    const u = new URL(target.url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return "redis";
  }
}
