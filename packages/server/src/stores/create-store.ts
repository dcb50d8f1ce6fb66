import type { GatewayOptions } from "../config/options.js";
import type { Store } from "../core/store.js";
import { PostgresStore } from "./postgres/postgres-store.js";
import { SqliteStore } from "./sqlite/sqlite-store.js";

/** The store the options ask for: PostgreSQL when `databaseUrl` is set, else SQLite in `dataDir`. */
export async function createStore(options: GatewayOptions): Promise<Store> {
  const store = options.databaseUrl !== undefined ? new PostgresStore({ url: options.databaseUrl }) : new SqliteStore({ dataDir: options.dataDir });
  try {
    await store.init();
  } catch (err) {
    await store.close().catch(() => undefined);
    throw new Error(`The ${store.kind} store could not be opened: ${(err as Error).message}`, { cause: err });
  }
  return store;
}
