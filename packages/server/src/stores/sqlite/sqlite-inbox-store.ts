import { randomBytes, randomUUID } from "node:crypto";
import type Database from "better-sqlite3";
import type { InboxStore, InboxWrite, InboxWriteResult, StoredNotification } from "../../core/store.js";
import { NOTIFICATION_COLUMNS, toNotification, type NotificationRow } from "../notification-row.js";

/**
 * Inbox tables. Content is stored once per publish (`inbox_contents`) and each
 * recipient gets a small row (`inbox_items`), so a publish to 10 000 users
 * writes one content row, not 10 000 copies of it.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS inbox_meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS inbox_users (
  user_id TEXT PRIMARY KEY,
  seq     INTEGER NOT NULL,
  total   INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS inbox_contents (
  content_id INTEGER PRIMARY KEY,
  type       TEXT NOT NULL,
  title      TEXT,
  message    TEXT NOT NULL,
  data       TEXT,
  action_url TEXT
);
CREATE TABLE IF NOT EXISTS inbox_items (
  id         TEXT PRIMARY KEY,
  user_id    TEXT NOT NULL,
  seq        INTEGER NOT NULL,
  content_id INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  read_at    INTEGER,
  UNIQUE (user_id, seq)
);
CREATE INDEX IF NOT EXISTS inbox_items_unread ON inbox_items (user_id, seq) WHERE read_at IS NULL;
CREATE INDEX IF NOT EXISTS inbox_items_created ON inbox_items (created_at);
CREATE INDEX IF NOT EXISTS inbox_items_content ON inbox_items (content_id);
CREATE TABLE IF NOT EXISTS inbox_dedup (
  user_id    TEXT NOT NULL,
  hash       TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  item_id    TEXT NOT NULL,
  PRIMARY KEY (user_id, hash)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS inbox_dedup_expiry ON inbox_dedup (expires_at);
CREATE TABLE IF NOT EXISTS inbox_delivered (
  user_id TEXT PRIMARY KEY,
  seq     INTEGER NOT NULL
) WITHOUT ROWID;
`;

const ITEM_COLUMNS = NOTIFICATION_COLUMNS;
const ITEM_FROM = "inbox_items i JOIN inbox_contents c ON c.content_id = i.content_id";


/**
 * The inbox part of the embedded store, on the SQLite connection it shares.
 * Writes run in `BEGIN IMMEDIATE` transactions: the write lock is taken first,
 * so the duplicate check and the insert are atomic across processes sharing the file.
 */
export class SqliteInboxStore implements InboxStore {
  private readonly epochValue: string;
  private readonly writeTx: (write: InboxWrite) => InboxWriteResult[];
  private readonly stmt;

  /** @internal The driver's types stay out of the published declarations. */
  constructor(private readonly db: Database.Database) {
    db.exec(SCHEMA);
    db.prepare("INSERT OR IGNORE INTO inbox_meta (key, value) VALUES ('epoch', ?)").run(randomBytes(6).toString("base64url"));
    this.epochValue = (db.prepare("SELECT value FROM inbox_meta WHERE key = 'epoch'").get() as { value: string }).value;
    this.stmt = {
      findDup: db.prepare<[string, string, number], { item_id: string }>("SELECT item_id FROM inbox_dedup WHERE user_id = ? AND hash = ? AND expires_at > ?"),
      original: db.prepare<[string], { seq: number; created_at: number }>("SELECT seq, created_at FROM inbox_items WHERE id = ?"),
      bump: db.prepare<[string], { seq: number; total: number }>(
        "INSERT INTO inbox_users (user_id, seq, total) VALUES (?, 1, 1) ON CONFLICT (user_id) DO UPDATE SET seq = seq + 1, total = total + 1 RETURNING seq, total",
      ),
      insertContent: db.prepare<[string, string | null, string, string | null, string | null]>(
        "INSERT INTO inbox_contents (type, title, message, data, action_url) VALUES (?, ?, ?, ?, ?)",
      ),
      insertItem: db.prepare<[string, string, number, number | bigint, number]>(
        "INSERT INTO inbox_items (id, user_id, seq, content_id, created_at) VALUES (?, ?, ?, ?, ?)",
      ),
      putDup: db.prepare<[string, string, number, string]>("INSERT OR REPLACE INTO inbox_dedup (user_id, hash, expires_at, item_id) VALUES (?, ?, ?, ?)"),
      // Read ones first, then the oldest: the cap never drops an unread item while a read one is left.
      trim: db.prepare<[string, number]>(
        "DELETE FROM inbox_items WHERE id IN (SELECT id FROM inbox_items WHERE user_id = ? ORDER BY read_at IS NULL, seq LIMIT ?)",
      ),
      setTotal: db.prepare<[number, string]>("UPDATE inbox_users SET total = ? WHERE user_id = ?"),
      top: db.prepare<[string], { seq: number }>("SELECT seq FROM inbox_users WHERE user_id = ?"),
      unread: db.prepare<[string, number], NotificationRow>(`SELECT ${ITEM_COLUMNS} FROM ${ITEM_FROM} WHERE i.user_id = ? AND i.read_at IS NULL ORDER BY i.seq LIMIT ?`),
      countUnread: db.prepare<[string], { n: number }>("SELECT COUNT(*) AS n FROM inbox_items WHERE user_id = ? AND read_at IS NULL"),
      markRead: db.prepare<[number, string, string]>("UPDATE inbox_items SET read_at = ? WHERE user_id = ? AND id = ? AND read_at IS NULL"),
      pruneItems: db.prepare<[number], { user_id: string }>("DELETE FROM inbox_items WHERE created_at < ? RETURNING user_id"),
      decTotal: db.prepare<[number, string]>("UPDATE inbox_users SET total = MAX(0, total - ?) WHERE user_id = ?"),
      orphans: db.prepare("DELETE FROM inbox_contents WHERE NOT EXISTS (SELECT 1 FROM inbox_items i WHERE i.content_id = inbox_contents.content_id)"),
      expireDedup: db.prepare<[number]>("DELETE FROM inbox_dedup WHERE expires_at <= ?"),
    };
    const tx = db.transaction((write: InboxWrite) => this.writeNow(write));
    this.writeTx = (write) => tx.immediate(write);
  }

  async epoch(): Promise<string> {
    return this.epochValue;
  }

  async write(write: InboxWrite): Promise<InboxWriteResult[]> {
    return this.writeTx(write);
  }

  async list(userId: string, query: { unreadOnly: boolean; limit: number; beforeId?: string | undefined }): Promise<StoredNotification[]> {
    const where = ["i.user_id = ?"];
    const params: unknown[] = [userId];
    if (query.unreadOnly) where.push("i.read_at IS NULL");
    if (query.beforeId !== undefined) {
      where.push("i.seq < (SELECT seq FROM inbox_items WHERE id = ? AND user_id = ?)");
      params.push(query.beforeId, userId);
    }
    params.push(query.limit);
    const rows = this.db.prepare(`SELECT ${ITEM_COLUMNS} FROM ${ITEM_FROM} WHERE ${where.join(" AND ")} ORDER BY i.seq DESC LIMIT ?`).all(...params) as NotificationRow[];
    return rows.map(toNotification);
  }

  async unread(userId: string, limit: number): Promise<StoredNotification[]> {
    return this.stmt.unread.all(userId, limit).map(toNotification);
  }

  async delivered(userId: string): Promise<number> {
    const row = this.db.prepare("SELECT seq FROM inbox_delivered WHERE user_id = ?").get(userId) as { seq: number } | undefined;
    return row?.seq ?? 0;
  }

  async markDelivered(userId: string, seq: number): Promise<void> {
    this.db.prepare("INSERT INTO inbox_delivered (user_id, seq) VALUES (?, ?) ON CONFLICT (user_id) DO UPDATE SET seq = MAX(seq, excluded.seq)").run(userId, seq);
  }

  async countUnread(userId: string): Promise<number> {
    return this.stmt.countUnread.get(userId)?.n ?? 0;
  }

  async position(userId: string): Promise<number> {
    return this.stmt.top.get(userId)?.seq ?? 0;
  }

  async markRead(userId: string, ids: readonly string[], now: number): Promise<number> {
    const run = this.db.transaction(() => {
      let changed = 0;
      for (const id of new Set(ids)) changed += this.stmt.markRead.run(now, userId, id).changes;
      return changed;
    });
    return run();
  }

  async prune(createdBefore: number): Promise<number> {
    const run = this.db.transaction(() => {
      const deleted = this.stmt.pruneItems.all(createdBefore);
      const byUser = new Map<string, number>();
      for (const { user_id } of deleted) byUser.set(user_id, (byUser.get(user_id) ?? 0) + 1);
      for (const [userId, n] of byUser) this.stmt.decTotal.run(n, userId);
      this.stmt.orphans.run();
      return deleted.length;
    });
    return run.immediate();
  }

  /** Deletes dedup keys whose window has passed (called by the store's prune). */
  expireDedup(now: number): void {
    this.stmt.expireDedup.run(now);
  }

  private writeNow(write: InboxWrite): InboxWriteResult[] {
    const { content, dedupHash, now } = write;
    const results: InboxWriteResult[] = [];
    let contentId: number | bigint | undefined;
    for (const userId of write.userIds) {
      const dup = this.stmt.findDup.get(userId, dedupHash, now);
      if (dup) {
        const original = this.stmt.original.get(dup.item_id);
        const seq = original?.seq ?? this.stmt.top.get(userId)?.seq ?? 0;
        results.push({ userId, id: dup.item_id, seq, createdAt: original?.created_at ?? now, deduplicated: true });
        continue;
      }
      contentId ??= this.stmt.insertContent.run(
        content.type,
        content.title,
        content.message,
        content.data === null ? null : JSON.stringify(content.data),
        content.actionUrl,
      ).lastInsertRowid;
      const { seq, total } = this.stmt.bump.get(userId)!;
      const id = randomUUID();
      this.stmt.insertItem.run(id, userId, seq, contentId, now);
      this.stmt.putDup.run(userId, dedupHash, now + write.dedupWindowMs, id);
      if (total > write.maxPerUser) {
        this.stmt.trim.run(userId, total - write.maxPerUser);
        this.stmt.setTotal.run(write.maxPerUser, userId);
      }
      results.push({ userId, id, seq, createdAt: now, deduplicated: false });
    }
    return results;
  }
}
