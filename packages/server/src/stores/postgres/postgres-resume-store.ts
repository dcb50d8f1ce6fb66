import type { Pool } from "pg";
import type { ResumeRecord, ResumeStore } from "../../core/store.js";

/**
 * Resumable sessions in PostgreSQL (`tw_resume_sessions`): they survive a
 * restart, graceful or not, and any node on the same database may resume them.
 * A record saved at close is never replaced by a checkpoint written late on
 * another pooled connection; a session is taken with one DELETE … RETURNING, so
 * it resumes once.
 */
export class PostgresResumeStore implements ResumeStore {
  /** @internal The driver's types stay out of the published declarations. */
  constructor(private readonly pool: Pool) {}

  async putMany(records: readonly ResumeRecord[], expiresAt: number): Promise<void> {
    if (records.length === 0) return;
    await this.pool.query(
      `INSERT INTO tw_resume_sessions (pid, record, closed, expires_at)
       SELECT pid, record, closed, $4 FROM unnest($1::text[], $2::text[], $3::boolean[]) AS r (pid, record, closed)
       ON CONFLICT (pid) DO UPDATE SET record = EXCLUDED.record, closed = EXCLUDED.closed, expires_at = EXCLUDED.expires_at
       WHERE EXCLUDED.closed OR NOT tw_resume_sessions.closed`,
      [records.map((r) => r.pid), records.map((r) => JSON.stringify(r)), records.map((r) => r.closedAt !== null), Math.ceil(expiresAt)],
    );
  }

  async take(pid: string): Promise<ResumeRecord | undefined> {
    const { rows } = await this.pool.query<{ record: string }>("DELETE FROM tw_resume_sessions WHERE pid = $1 RETURNING record", [pid]);
    if (rows[0] === undefined) return undefined;
    try {
      return JSON.parse(rows[0].record) as ResumeRecord;
    } catch {
      return undefined;
    }
  }

  async purge(now: number): Promise<void> {
    await this.pool.query("DELETE FROM tw_resume_sessions WHERE expires_at <= $1", [now]);
  }
}
