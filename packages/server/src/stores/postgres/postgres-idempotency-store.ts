import type { Pool } from "pg";
import type { PublishResult } from "@tickwire/protocol";
import type { IdempotencyStore } from "../../core/store.js";

/** Idempotency keys of the publish API in PostgreSQL, shared by every node. */
export class PostgresIdempotencyStore implements IdempotencyStore {
  /** @internal The driver's types stay out of the published declarations. */
  constructor(private readonly pool: Pool) {}

  async get(key: string, now: number): Promise<PublishResult | undefined> {
    const { rows } = await this.pool.query<{ result: string }>("SELECT result FROM tw_idempotency WHERE key = $1 AND expires_at > $2", [key, now]);
    return rows[0] === undefined ? undefined : (JSON.parse(rows[0].result) as PublishResult);
  }

  async put(key: string, result: PublishResult, expiresAt: number): Promise<void> {
    await this.pool.query(
      "INSERT INTO tw_idempotency (key, result, expires_at) VALUES ($1, $2, $3) ON CONFLICT (key) DO UPDATE SET result = EXCLUDED.result, expires_at = EXCLUDED.expires_at",
      [key, JSON.stringify(result), expiresAt],
    );
  }
}
