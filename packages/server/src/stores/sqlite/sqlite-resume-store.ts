import type Database from "better-sqlite3";
import type { ResumeRecord, ResumeStore } from "../../core/store.js";

/** The schema of resumable sessions in the embedded store. */
export const RESUME_SCHEMA = `
CREATE TABLE IF NOT EXISTS resume_sessions (
  pid        TEXT PRIMARY KEY,
  record     TEXT NOT NULL,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS resume_sessions_expiry ON resume_sessions (expires_at);
`;

/** Resumable sessions in SQLite: they survive a restart, graceful or not, on the same data directory. */
export class SqliteResumeStore implements ResumeStore {
  /** @internal */
  private readonly upsert: Database.Statement;
  /** @internal */
  private readonly select: Database.Statement;
  /** @internal */
  private readonly remove: Database.Statement;
  /** @internal */
  private readonly expire: Database.Statement;
  /** @internal */
  private readonly writeMany: (records: readonly ResumeRecord[], expiresAt: number) => void;

  /** @internal The driver's types stay out of the published declarations. */
  constructor(db: Database.Database) {
    db.exec(RESUME_SCHEMA);
    this.upsert = db.prepare("INSERT INTO resume_sessions (pid, record, expires_at) VALUES (?, ?, ?) ON CONFLICT (pid) DO UPDATE SET record = excluded.record, expires_at = excluded.expires_at" +
        // A checkpoint never replaces the record saved at close (the exact one).
        " WHERE json_extract(excluded.record, '$.closedAt') IS NOT NULL OR json_extract(resume_sessions.record, '$.closedAt') IS NULL");
    this.select = db.prepare("SELECT record FROM resume_sessions WHERE pid = ?");
    this.remove = db.prepare("DELETE FROM resume_sessions WHERE pid = ?");
    this.expire = db.prepare("DELETE FROM resume_sessions WHERE expires_at <= ?");
    this.writeMany = db.transaction((records: readonly ResumeRecord[], expiresAt: number) => {
      for (const record of records) this.upsert.run(record.pid, JSON.stringify(record), expiresAt);
    });
  }

  async putMany(records: readonly ResumeRecord[], expiresAt: number): Promise<void> {
    if (records.length > 0) this.writeMany(records, expiresAt);
  }

  async take(pid: string): Promise<ResumeRecord | undefined> {
    const row = this.select.get(pid) as { record: string } | undefined;
    if (!row) return undefined;
    this.remove.run(pid);
    try {
      return JSON.parse(row.record) as ResumeRecord;
    } catch {
      return undefined;
    }
  }

  async purge(now: number): Promise<void> {
    this.expire.run(now);
  }
}
