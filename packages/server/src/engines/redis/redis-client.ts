import { Cluster, Redis, type ClusterOptions, type RedisOptions } from "ioredis";
import { parseClusterNode } from "../../config/option-types.js";

/**
 * Where the multi-node state lives: one Redis instance (`url`), a Redis Cluster
 * reached through any of its nodes (`clusterNodes`, `host:port`), or the master
 * that Redis Sentinels (`sentinels`, `host:port`) name for the group `name`.
 */
export type RedisTarget =
  | { readonly url: string; readonly clusterNodes?: undefined; readonly sentinels?: undefined }
  | { readonly url?: undefined; readonly clusterNodes: readonly string[]; readonly sentinels?: undefined }
  | { readonly url?: undefined; readonly clusterNodes?: undefined; readonly sentinels: readonly string[]; readonly name: string };

/** Where a component's Redis is, from its options; the URL when nothing else is set. */
export function redisTarget(o: { readonly url?: string | undefined; readonly clusterNodes?: readonly string[] | undefined; readonly sentinels?: readonly string[] | undefined; readonly sentinelName?: string | undefined }): RedisTarget {
  if (o.clusterNodes !== undefined) return { clusterNodes: o.clusterNodes };
  if (o.sentinels !== undefined) return { sentinels: o.sentinels, name: o.sentinelName ?? "mymaster" };
  return { url: o.url ?? "redis://127.0.0.1:6379" };
}

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
  if (target.sentinels !== undefined) {
    // The client asks the sentinels for the master at each (re)connect, so after a failover it reconnects to the promoted replica.
    return new Redis({ ...options, sentinels: target.sentinels.map(hostPort), name: target.name });
  }
  if (target.clusterNodes === undefined) return new Redis(target.url, options);
  const nodes = target.clusterNodes.map(hostPort);
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

function hostPort(value: string): { host: string; port: number } {
  const node = parseClusterNode(value);
  if (!node) throw new Error(`not a host:port node: ${value}`);
  return node;
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
  if (target.sentinels !== undefined) return `sentinels ${target.sentinels.join(",")} (${target.name})`;
  try {
    const u = new URL(target.url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return "redis";
  }
}
