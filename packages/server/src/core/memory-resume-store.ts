import type { ResumeRecord, ResumeStore } from "./store.js";

/** Resumable sessions in process memory (stores that do not keep them): they resume on this process only. */
export class MemoryResumeStore implements ResumeStore {
  private readonly records = new Map<string, { record: ResumeRecord; expiresAt: number }>();

  async putMany(records: readonly ResumeRecord[], expiresAt: number): Promise<void> {
    for (const record of records) this.records.set(record.pid, { record, expiresAt });
  }

  async take(pid: string): Promise<ResumeRecord | undefined> {
    const entry = this.records.get(pid);
    this.records.delete(pid);
    return entry?.record;
  }

  async purge(now: number): Promise<void> {
    for (const [pid, entry] of this.records) if (entry.expiresAt <= now) this.records.delete(pid);
  }
}
