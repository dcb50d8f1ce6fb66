import type { ResumeRecord, ResumeStore } from "../../core/store.js";
import type { RedisClient } from "./redis-client.js";
import { resumeKey } from "./redis-keys.js";

/**
 * Resumable sessions in the Redis every node shares: a client that reconnects
 * to another node resumes there. One string per session (its pid in the hash
 * tag), expiring by itself; a session is taken with GETDEL, so it resumes once
 * even when two nodes are asked at the same moment.
 */
export class RedisResumeStore implements ResumeStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  async putMany(records: readonly ResumeRecord[], expiresAt: number): Promise<void> {
    // One command per session: each one's key is in a slot of its own on a cluster.
    const at = Math.max(1, Math.ceil(expiresAt));
    await Promise.all(records.map((record) => this.redis.set(resumeKey(this.prefix, record.pid), JSON.stringify(record), "PXAT", at)));
  }

  async take(pid: string): Promise<ResumeRecord | undefined> {
    const raw = await this.redis.getdel(resumeKey(this.prefix, pid));
    if (raw === null) return undefined;
    try {
      const record = JSON.parse(raw) as ResumeRecord;
      return record !== null && typeof record === "object" && record.pid === pid ? record : undefined;
    } catch {
      return undefined;
    }
  }

  /** Records expire in Redis by themselves. */
  async purge(): Promise<void> {}
}
