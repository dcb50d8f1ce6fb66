import { randomUUID } from "node:crypto";
import type { Pool } from "pg";
import type { InboxStore, InboxWrite, InboxWriteResult, StoredNotification } from "../../core/store.js";
import { inTransaction } from "./transaction.js";
import { NOTIFICATION_COLUMNS, toNotification, type NotificationRow } from "../notification-row.js";

const ITEM_COLUMNS = NOTIFICATION_COLUMNS;
const ITEM_FROM = "tw_inbox_items i JOIN tw_inbox_contents c ON c.content_id = i.content_id";


/**
 * The inbox in PostgreSQL. A write is a handful of set-based statements in one
 * transaction whatever the number of recipients (arrays through `unnest`).
 * Duplicates are decided by an upsert on `(user_id, hash)` that only takes over
 * an expired key, so two nodes racing on the same notification store it once.
 * Rows are locked in user-id order (no deadlock between two bulk writes).
 */
export class PostgresInboxStore implements InboxStore {
  private epochValue: string | undefined;

  /** @internal The driver's types stay out of the published declarations. */
  constructor(private readonly pool: Pool) {}

  /** Reads the store's inbox epoch (created by the store's init). */
  async load(): Promise<void> {
    const { rows } = await this.pool.query<{ value: string }>("SELECT value FROM tw_inbox_meta WHERE key = 'epoch'");
    this.epochValue = rows[0]?.value;
  }

  async epoch(): Promise<string> {
    if (this.epochValue === undefined) await this.load();
    if (this.epochValue === undefined) throw new Error("The PostgreSQL store was not initialised.");
    return this.epochValue;
  }

  async write(write: InboxWrite): Promise<InboxWriteResult[]> {
    const users = [...new Set(write.userIds)].sort();
    const ids = users.map(() => randomUUID());
    const { content, dedupHash, now } = write;
    const byUser = await inTransaction(this.pool, async (client) => {
      const out = new Map<string, InboxWriteResult>();
      const won = await client.query<{ user_id: string; item_id: string }>(
        `INSERT INTO tw_inbox_dedup (user_id, hash, expires_at, item_id)
         SELECT u, $3, $4, i FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS t(u, i, n) ORDER BY n
         ON CONFLICT (user_id, hash) DO UPDATE SET expires_at = EXCLUDED.expires_at, item_id = EXCLUDED.item_id
         WHERE tw_inbox_dedup.expires_at <= $5
         RETURNING user_id, item_id`,
        [users, ids, dedupHash, now + write.dedupWindowMs, now],
      );
      const winners = won.rows.map((r) => r.user_id).sort();
      const itemOf = new Map(won.rows.map((r) => [r.user_id, r.item_id]));
      if (winners.length > 0) {
        const inserted = await client.query<{ content_id: number }>(
          "INSERT INTO tw_inbox_contents (type, title, message, data, action_url) VALUES ($1, $2, $3, $4, $5) RETURNING content_id",
          [content.type, content.title, content.message, content.data === null ? null : JSON.stringify(content.data), content.actionUrl],
        );
        const bumped = await client.query<{ user_id: string; seq: number; total: number }>(
          `INSERT INTO tw_inbox_users (user_id, seq, total) SELECT u, 1, 1 FROM unnest($1::text[]) AS u ORDER BY u
           ON CONFLICT (user_id) DO UPDATE SET seq = tw_inbox_users.seq + 1, total = tw_inbox_users.total + 1
           RETURNING user_id, seq, total`,
          [winners],
        );
        const seqs = new Map(bumped.rows.map((r) => [r.user_id, r.seq]));
        await client.query(
          `INSERT INTO tw_inbox_items (id, user_id, seq, content_id, created_at)
           SELECT i, u, s, $4, $5 FROM unnest($1::text[], $2::text[], $3::bigint[]) AS t(i, u, s)`,
          [winners.map((u) => itemOf.get(u)!), winners, winners.map((u) => seqs.get(u)!), inserted.rows[0]!.content_id, now],
        );
        const over = bumped.rows.filter((r) => r.total > write.maxPerUser).map((r) => r.user_id);
        if (over.length > 0) await this.trim(client, over, write.maxPerUser);
        for (const u of winners) out.set(u, { userId: u, id: itemOf.get(u)!, seq: seqs.get(u)!, createdAt: now, deduplicated: false });
      }
      const losers = users.filter((u) => !itemOf.has(u));
      if (losers.length > 0) {
        const found = await client.query<{ user_id: string; item_id: string; seq: number | null; created_at: number | null; top: number | null }>(
          `SELECT d.user_id, d.item_id, i.seq, i.created_at, u.seq AS top FROM tw_inbox_dedup d
           LEFT JOIN tw_inbox_items i ON i.id = d.item_id LEFT JOIN tw_inbox_users u ON u.user_id = d.user_id
           WHERE d.user_id = ANY($1::text[]) AND d.hash = $2`,
          [losers, dedupHash],
        );
        for (const r of found.rows) {
          out.set(r.user_id, { userId: r.user_id, id: r.item_id, seq: r.seq ?? r.top ?? 0, createdAt: r.created_at ?? now, deduplicated: true });
        }
      }
      return out;
    });
    return write.userIds.map((u) => byUser.get(u)!);
  }

  async list(userId: string, query: { unreadOnly: boolean; limit: number; beforeId?: string | undefined }): Promise<StoredNotification[]> {
    const where = ["i.user_id = $1"];
    const params: unknown[] = [userId];
    if (query.unreadOnly) where.push("i.read_at IS NULL");
    if (query.beforeId !== undefined) {
      params.push(query.beforeId);
      where.push(`i.seq < (SELECT seq FROM tw_inbox_items WHERE id = $${params.length} AND user_id = $1)`);
    }
    params.push(query.limit);
    const { rows } = await this.pool.query<NotificationRow>(
      `SELECT ${ITEM_COLUMNS} FROM ${ITEM_FROM} WHERE ${where.join(" AND ")} ORDER BY i.seq DESC LIMIT $${params.length}`,
      params,
    );
    return rows.map(toNotification);
  }

  async unread(userId: string, limit: number): Promise<StoredNotification[]> {
    const { rows } = await this.pool.query<NotificationRow>(
      `SELECT ${ITEM_COLUMNS} FROM ${ITEM_FROM} WHERE i.user_id = $1 AND i.read_at IS NULL ORDER BY i.seq LIMIT $2`,
      [userId, limit],
    );
    return rows.map(toNotification);
  }

  async delivered(userId: string): Promise<number> {
    const { rows } = await this.pool.query<{ seq: number }>("SELECT seq FROM tw_inbox_delivered WHERE user_id = $1", [userId]);
    return rows[0]?.seq ?? 0;
  }

  async markDelivered(userId: string, seq: number): Promise<void> {
    await this.pool.query(
      "INSERT INTO tw_inbox_delivered (user_id, seq) VALUES ($1, $2) ON CONFLICT (user_id) DO UPDATE SET seq = GREATEST(tw_inbox_delivered.seq, EXCLUDED.seq)",
      [userId, seq],
    );
  }

  async countUnread(userId: string): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>("SELECT COUNT(*)::int AS n FROM tw_inbox_items WHERE user_id = $1 AND read_at IS NULL", [userId]);
    return rows[0]?.n ?? 0;
  }

  async position(userId: string): Promise<number> {
    const { rows } = await this.pool.query<{ seq: number }>("SELECT seq FROM tw_inbox_users WHERE user_id = $1", [userId]);
    return rows[0]?.seq ?? 0;
  }

  async markRead(userId: string, ids: readonly string[], now: number): Promise<number> {
    const result = await this.pool.query(
      "UPDATE tw_inbox_items SET read_at = $3 WHERE user_id = $1 AND id = ANY($2::text[]) AND read_at IS NULL",
      [userId, [...new Set(ids)], now],
    );
    return result.rowCount ?? 0;
  }

  async prune(createdBefore: number): Promise<number> {
    return inTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{ n: number }>(
        `WITH del AS (DELETE FROM tw_inbox_items WHERE created_at < $1 RETURNING user_id),
         counts AS (SELECT user_id, COUNT(*)::int AS n FROM del GROUP BY user_id),
         upd AS (UPDATE tw_inbox_users u SET total = GREATEST(0, u.total - c.n) FROM counts c WHERE u.user_id = c.user_id)
         SELECT COALESCE(SUM(n), 0)::int AS n FROM counts`,
        [createdBefore],
      );
      await client.query("DELETE FROM tw_inbox_contents c WHERE NOT EXISTS (SELECT 1 FROM tw_inbox_items i WHERE i.content_id = c.content_id)");
      return rows[0]?.n ?? 0;
    });
  }

  /** Drops the oldest read (then the oldest unread) items of users above the cap. */
  private async trim(client: import("pg").PoolClient, users: string[], maxPerUser: number): Promise<void> {
    await client.query(
      `WITH over AS (SELECT user_id, total - $2 AS n FROM tw_inbox_users WHERE user_id = ANY($1::text[]) AND total > $2),
       victims AS (
         SELECT v.id FROM over o CROSS JOIN LATERAL (
           SELECT id FROM tw_inbox_items WHERE user_id = o.user_id ORDER BY (read_at IS NULL), seq LIMIT o.n
         ) v
       ),
       del AS (DELETE FROM tw_inbox_items WHERE id IN (SELECT id FROM victims))
       UPDATE tw_inbox_users SET total = $2 WHERE user_id IN (SELECT user_id FROM over)`,
      [users, maxPerUser],
    );
  }
}
