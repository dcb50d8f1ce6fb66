import { Redis } from "ioredis";
import pg from "pg";

/** Where the test services run (DEVELOPERS.md); overridable for other machines. */
export const REDIS_URL = process.env.TICKWIRE_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
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
