import { randomBytes } from "node:crypto";
import pg from "pg";
import type { Store } from "../../core/store.js";
import { PostgresHistoryStore } from "./postgres-history-store.js";
import { PostgresIdempotencyStore } from "./postgres-idempotency-store.js";
import { PostgresInboxStore } from "./postgres-inbox-store.js";
import { PostgresResumeStore } from "./postgres-resume-store.js";
import { PostgresRoomStore } from "./postgres-room-store.js";
import { POSTGRES_ROOM_SCHEMA, POSTGRES_SCHEMA } from "./postgres-schema.js";
import { inTransaction } from "./transaction.js";

/** Options of the PostgreSQL store. */
export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database`. */
  readonly url: string;
  /** Schema holding the `tw_*` tables (must exist); unset: the connection's search_path. @default undefined */
  readonly schema?: string | undefined;
  /** Most connections the pool opens. @default 10 */
  readonly poolSize?: number | undefined;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const INT8_OID = 20;

/** BIGINT columns hold epoch milliseconds and offsets: numbers, well inside 2^53. */
const types = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/**
 * The store on PostgreSQL (TICKWIRE_DATABASE_URL): history, idempotency keys and
 * the notification inbox and resumable sessions, shared by every node that points at the same database.
 * A commit is on disk before the API answers (PostgreSQL's own durability).
 */
export class PostgresStore implements Store {
  readonly kind = "postgres";
  /** @internal The driver's types stay out of the published declarations. */
  readonly pool: pg.Pool;
  readonly history: PostgresHistoryStore;
  readonly idempotency: PostgresIdempotencyStore;
  readonly inbox: PostgresInboxStore;
  readonly rooms: PostgresRoomStore;
  /** Resumable sessions: they survive restarts and resume on any node on this database. */
  readonly sessions: PostgresResumeStore;
  private closed = false;

  constructor(options: PostgresStoreOptions) {
    if (options.schema !== undefined && !SCHEMA_NAME.test(options.schema)) throw new Error(`"${options.schema}" is not a valid schema name.`);
    this.pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 10,
      types,
      ...(options.schema === undefined ? {} : { options: `-c search_path=${options.schema}` }),
    });
    // An idle connection that dies (server restart) must not crash the process; the pool replaces it.
    this.pool.on("error", () => undefined);
    // Nor may a connection that dies while checked out (its query fails and is answered; the event has nowhere else to go).
    this.pool.on("connect", (client) => client.on("error", () => undefined));
    this.history = new PostgresHistoryStore(this.pool);
    this.idempotency = new PostgresIdempotencyStore(this.pool);
    this.inbox = new PostgresInboxStore(this.pool);
    this.rooms = new PostgresRoomStore(this.pool);
    this.sessions = new PostgresResumeStore(this.pool);
  }

  async init(): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      // Nodes starting together must not race on CREATE TABLE.
      await client.query("SELECT pg_advisory_xact_lock(hashtext('tickwire:schema'))");
      await client.query(POSTGRES_SCHEMA);
      await client.query(POSTGRES_ROOM_SCHEMA);
      await client.query("INSERT INTO tw_inbox_meta (key, value) VALUES ('epoch', $1) ON CONFLICT (key) DO NOTHING", [randomBytes(6).toString("base64url")]);
    });
    await this.inbox.load();
  }

  async ping(): Promise<void> {
    await this.pool.query("SELECT 1");
  }

  async prune(now: number): Promise<void> {
    await this.pool.query("DELETE FROM tw_publications WHERE expires_at <= $1", [now]);
    await this.pool.query("DELETE FROM tw_idempotency WHERE expires_at <= $1", [now]);
    await this.pool.query("DELETE FROM tw_inbox_dedup WHERE expires_at <= $1", [now]);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}
