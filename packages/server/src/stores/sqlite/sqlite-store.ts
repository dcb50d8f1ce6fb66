import { mkdirSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import type { PublishResult } from "@tickwire/protocol";
import type { ChannelPosition, Publication } from "../../core/publication.js";
import { toPublications, type PublicationRow } from "../publication-row.js";
import type { SkipReason } from "../../core/stored-data.js";
import type { HistoryAppend, HistoryLimits, HistoryStore, IdempotencyStore, ResumeStore, Store } from "../../core/store.js";
import { SqliteInboxStore } from "./sqlite-inbox-store.js";
import { SqliteResumeStore } from "./sqlite-resume-store.js";
import { SqliteRoomStore } from "./sqlite-room-store.js";

/** Options of the embedded store. */
export interface SqliteStoreOptions {
  /** Folder holding `tickwire.db`; `:memory:` keeps everything in memory (tests). */
  readonly dataDir: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS channels (
  channel TEXT PRIMARY KEY,
  epoch   TEXT NOT NULL,
  top     INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS publications (
  channel    TEXT NOT NULL,
  offset     INTEGER NOT NULL,
  epoch      TEXT NOT NULL,
  ts         INTEGER NOT NULL,
  event      TEXT NOT NULL,
  data       TEXT NOT NULL,
  trace_id   TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (channel, offset)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS publications_expiry ON publications (expires_at);
CREATE TABLE IF NOT EXISTS idempotency (
  key        TEXT PRIMARY KEY,
  result     TEXT NOT NULL,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS idempotency_expiry ON idempotency (expires_at);
`;

/**
 * The embedded store: one SQLite file in WAL mode (synchronous=NORMAL: a commit
 * survives a process crash or SIGKILL; an OS crash may lose the last commits).
 * The notification inbox (`inbox`) shares its connection.
 */
export class SqliteStore implements Store {
  readonly kind = "sqlite";
  /** @internal The driver's types stay out of the published declarations. */
  readonly db: Database.Database;
  readonly history: HistoryStore;
  readonly idempotency: IdempotencyStore;
  readonly inbox: SqliteInboxStore;
  readonly sessions: ResumeStore;
  readonly rooms: SqliteRoomStore;

  constructor(options: SqliteStoreOptions) {
    let file = ":memory:";
    if (options.dataDir !== ":memory:") {
      mkdirSync(options.dataDir, { recursive: true });
      file = join(options.dataDir, "tickwire.db");
    }
    this.db = new Database(file);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = NORMAL");
    this.db.pragma("busy_timeout = 5000");
    this.db.exec(SCHEMA);
    this.history = new SqliteHistoryStore(this.db);
    this.idempotency = new SqliteIdempotencyStore(this.db);
    this.inbox = new SqliteInboxStore(this.db);
    this.sessions = new SqliteResumeStore(this.db);
    this.rooms = new SqliteRoomStore(this.db);
  }

  async init(): Promise<void> {
    // The schema is created in the constructor so that other components can prepare statements at once.
  }

  async ping(): Promise<void> {
    this.db.prepare("SELECT 1").get();
  }

  async prune(now: number): Promise<void> {
    this.db.prepare("DELETE FROM publications WHERE expires_at <= ?").run(now);
    this.db.prepare("DELETE FROM idempotency WHERE expires_at <= ?").run(now);
    this.inbox.expireDedup(now);
  }

  async close(): Promise<void> {
    if (this.db.open) {
      this.db.pragma("wal_checkpoint(TRUNCATE)");
      this.db.close();
    }
  }
}

class SqliteHistoryStore implements HistoryStore {
  private readonly selectChannel: Database.Statement<[string], { epoch: string; top: number }>;
  private readonly upsertChannel: Database.Statement<[string, string, number]>;
  private readonly insert: Database.Statement<[string, number, string, number, string, string, string, number]>;
  private readonly trim: Database.Statement<[string, number]>;
  private readonly deleteOtherEpochs: Database.Statement<[string, string]>;
  private readonly select: Database.Statement<[string, string, number, number, number], PublicationRow>;
  private readonly appendTx: (entries: readonly HistoryAppend[]) => void;

  constructor(db: Database.Database) {
    this.selectChannel = db.prepare("SELECT epoch, top FROM channels WHERE channel = ?");
    this.upsertChannel = db.prepare(
      "INSERT INTO channels (channel, epoch, top) VALUES (?, ?, ?) ON CONFLICT(channel) DO UPDATE SET epoch = excluded.epoch, top = excluded.top",
    );
    this.insert = db.prepare(
      "INSERT OR REPLACE INTO publications (channel, offset, epoch, ts, event, data, trace_id, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    );
    this.trim = db.prepare("DELETE FROM publications WHERE channel = ? AND offset <= ?");
    this.deleteOtherEpochs = db.prepare("DELETE FROM publications WHERE channel = ? AND epoch <> ?");
    this.select = db.prepare(
      "SELECT channel, offset, epoch, ts, event, data, trace_id FROM publications WHERE channel = ? AND epoch = ? AND offset > ? AND ts >= ? ORDER BY offset LIMIT ?",
    );
    this.appendTx = db.transaction((entries: readonly HistoryAppend[]) => {
      for (const { publication: p, limits } of entries) {
        if (p.offset === 1) this.deleteOtherEpochs.run(p.channel, p.epoch);
        this.upsertChannel.run(p.channel, p.epoch, p.offset);
        if (limits.size > 0) {
          this.insert.run(p.channel, p.offset, p.epoch, p.ts, p.event, JSON.stringify(p.data) ?? "null", p.traceId, p.ts + limits.ttlMs);
          if (p.offset > limits.size) this.trim.run(p.channel, p.offset - limits.size);
        }
      }
    });
  }

  async loadPosition(channel: string): Promise<ChannelPosition | undefined> {
    const row = this.selectChannel.get(channel);
    return row === undefined ? undefined : { epoch: row.epoch, offset: row.top };
  }

  async append(publication: Publication, limits: HistoryLimits): Promise<void> {
    this.appendTx([{ publication, limits }]);
  }

  async appendMany(entries: readonly HistoryAppend[]): Promise<void> {
    if (entries.length > 0) this.appendTx(entries);
  }

  async read(channel: string, epoch: string, afterOffset: number, limit: number, minTs: number, onSkipped?: (offset: number, reason: SkipReason) => void): Promise<Publication[]> {
    return toPublications(this.select.all(channel, epoch, afterOffset, minTs, limit), onSkipped);
  }
}

class SqliteIdempotencyStore implements IdempotencyStore {
  private readonly selectKey: Database.Statement<[string, number], { result: string }>;
  private readonly insertKey: Database.Statement<[string, string, number]>;

  constructor(db: Database.Database) {
    this.selectKey = db.prepare("SELECT result FROM idempotency WHERE key = ? AND expires_at > ?");
    this.insertKey = db.prepare("INSERT OR REPLACE INTO idempotency (key, result, expires_at) VALUES (?, ?, ?)");
  }

  async get(key: string, now: number): Promise<PublishResult | undefined> {
    const row = this.selectKey.get(key, now);
    return row === undefined ? undefined : (JSON.parse(row.result) as PublishResult);
  }

  async put(key: string, result: PublishResult, expiresAt: number): Promise<void> {
    this.insertKey.run(key, JSON.stringify(result), expiresAt);
  }
}
