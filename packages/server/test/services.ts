import { Cluster, Redis } from "ioredis";
import pg from "pg";
import { inject } from "vitest";

/** Where the test services run (DEVELOPERS.md); overridable for other machines. */
export const REDIS_URL = process.env.TICKWIRE_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
/** The shared test Redis Cluster's nodes (`host:port`); empty when none runs (see global-setup.ts). */
export const REDIS_CLUSTER_NODES: string[] = inject("redisCluster")
  .split(",")
  .map((s) => s.trim())
  .filter((s) => s.length > 0);
export const POSTGRES_URL = process.env.TICKWIRE_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

async function reachable(check: () => Promise<void>): Promise<boolean> {
  try {
    await check();
    return true;
  } catch {
    return false;
  }
}

/**
 * True when Redis answers. Without Redis the tests that need it are skipped with
 * a printed reason, except under CI=true, where a missing service is a failure.
 */
export async function redisAvailable(): Promise<boolean> {
  const ok = await reachable(async () => {
    const r = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000 });
    r.on("error", () => undefined);
    try {
      await r.connect();
      await r.ping();
    } finally {
      r.disconnect();
    }
  });
  return requireOrSkip("Redis", REDIS_URL, ok);
}

/** True when the test Redis Cluster serves every slot; same rules as redisAvailable. */
export async function redisClusterAvailable(): Promise<boolean> {
  const ok =
    REDIS_CLUSTER_NODES.length > 0 &&
    (await reachable(async () => {
      const nodes = REDIS_CLUSTER_NODES.map((n) => ({ host: n.slice(0, n.lastIndexOf(":")), port: Number(n.slice(n.lastIndexOf(":") + 1)) }));
      const c = new Cluster(nodes, { lazyConnect: true, clusterRetryStrategy: () => null, redisOptions: { maxRetriesPerRequest: 0, connectTimeout: 1000 } });
      c.on("error", () => undefined);
      try {
        await c.connect();
        const info = await c.cluster("INFO");
        if (!/cluster_state:ok/.test(String(info))) throw new Error("cluster not ok");
      } finally {
        c.disconnect();
      }
    }));
  return requireOrSkip("Redis Cluster", REDIS_CLUSTER_NODES.join(",") || "(none started: redis-server missing)", ok);
}

/** True when PostgreSQL answers; same rules as redisAvailable. */
export async function postgresAvailable(): Promise<boolean> {
  const ok = await reachable(async () => {
    const c = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 1000 });
    try {
      await c.connect();
      await c.query("SELECT 1");
    } finally {
      await c.end().catch(() => undefined);
    }
  });
  return requireOrSkip("PostgreSQL", POSTGRES_URL, ok);
}

function requireOrSkip(name: string, url: string, ok: boolean): boolean {
  if (ok) return true;
  if (process.env.CI) throw new Error(`${name} is not reachable at ${url}, and CI=true does not allow skipping its tests.`);
  process.stdout.write(`\n[skip] ${name} is not reachable at ${url}: its tests are skipped (they run when it is, and CI=true requires it).\n`);
  return false;
}
