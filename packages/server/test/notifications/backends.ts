import { describe } from "vitest";
import { NotificationService, PostgresStore, SqliteStore, type Gateway, type GatewayOptions, type NotificationServiceOptions, type Store } from "@tickwire/server";
import type { TestBed } from "../helpers.js";
import { createTestSchema, describePostgres, dropTestSchema, PG_TEST_URL, postgresUnavailable } from "../stores/pg-test-db.js";

/** Start of the injected clock: a fixed instant, so timestamps are known. */
export const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);

/** A clock the test moves by hand. */
export class FakeClock {
  t = T0;
  readonly now = (): number => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}

/** One durable backing (a SQLite folder or a PostgreSQL schema) that several gateways may open in turn or at once. */
export interface Backing {
  /** A new store on this backing. */
  open(): Promise<Store>;
  /** `TICKWIRE_DATA_DIR` / `TICKWIRE_DATABASE_URL` of a child process using this backing. */
  readonly env: Record<string, string>;
}

/** A kind of store the notification tests run on. */
export interface Backend {
  readonly name: "sqlite" | "postgres";
  /** A fresh, empty backing; removed by `cleanup`. */
  create(bed: TestBed): Promise<Backing>;
  cleanup(): Promise<void>;
}

const schemas: string[] = [];

const sqlite: Backend = {
  name: "sqlite",
  async create(bed) {
    const dir = bed.tempDir();
    return { open: async () => new SqliteStore({ dataDir: dir }), env: { TICKWIRE_DATA_DIR: dir } };
  },
  async cleanup() {},
};

const postgres: Backend = {
  name: "postgres",
  async create(bed) {
    const schema = await createTestSchema();
    schemas.push(schema);
    const open = async (): Promise<Store> => {
      const store = new PostgresStore({ url: PG_TEST_URL, schema, poolSize: 4 });
      await store.init();
      return store;
    };
    return { open, env: { TICKWIRE_DATABASE_URL: `${PG_TEST_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`, TICKWIRE_DATA_DIR: bed.tempDir() } };
  },
  async cleanup() {
    for (const schema of schemas.splice(0)) await dropTestSchema(schema);
  },
};

const pgReason = await postgresUnavailable();

/** Runs `body` once on SQLite and once on PostgreSQL (skipped with a reason when unreachable, failed under CI). */
export function describeEachStore(name: string, body: (backend: Backend) => void): void {
  describe(`${name} (sqlite)`, () => body(sqlite));
  describePostgres(`${name} (postgres)`, pgReason, () => body(postgres));
}

/** Starts a gateway on `backing` with only the notification service (clock and options injected). */
export async function inboxGateway(
  bed: TestBed,
  backing: Backing,
  service: Partial<NotificationServiceOptions> = {},
  options: Partial<GatewayOptions> = {},
): Promise<{ gw: Gateway; service: NotificationService }> {
  const notifications = new NotificationService({ pruneIntervalMs: 0, ...service });
  const gw = await bed.gateway(options, { store: await backing.open(), components: [notifications], ...(service.now ? { now: service.now } : {}) });
  return { gw, service: notifications };
}
