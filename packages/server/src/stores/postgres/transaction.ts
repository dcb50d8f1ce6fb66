import type { Pool, PoolClient } from "pg";

/** SQLSTATE codes after which the whole transaction may simply be run again. */
const RETRYABLE = new Set(["40001", "40P01"]); // serialization_failure, deadlock_detected

/**
 * Runs `fn` in a transaction on one pooled connection; commits, or rolls back
 * and rethrows. A deadlock or serialization failure is retried a few times.
 * @example await inTransaction(pool, (c) => c.query("UPDATE …"));
 * @internal
 */
export async function inTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect();
    try {
      await client.query("BEGIN");
      const result = await fn(client);
      await client.query("COMMIT");
      return result;
    } catch (err) {
      await client.query("ROLLBACK").catch(() => undefined);
      const code = (err as { code?: unknown }).code;
      if (attempt >= attempts || typeof code !== "string" || !RETRYABLE.has(code)) throw err;
    } finally {
      client.release();
    }
  }
}
