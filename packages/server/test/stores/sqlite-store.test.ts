import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteStore, type Store } from "@tickwire/server";
import { storeContract } from "./store-contract.js";

const dirs: string[] = [];

storeContract("sqlite", {
  async create(): Promise<Store> {
    dirs.push(mkdtempSync(join(tmpdir(), "tickwire-store-")));
    return new SqliteStore({ dataDir: dirs[dirs.length - 1]! });
  },
  async reopen(): Promise<Store> {
    return new SqliteStore({ dataDir: dirs[dirs.length - 1]! });
  },
  async cleanup(): Promise<void> {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  },
});
