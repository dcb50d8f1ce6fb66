import { afterEach } from "vitest";
import type { GatewayOptions } from "@tickwire/server";
import type { TestBed } from "../helpers.js";
import { REDIS_URL, redisAvailable } from "../services.js";
import { deleteKeys, testPrefix } from "../multi-node/redis-test-keys.js";
import { createTestSchema, dropTestSchema, PG_TEST_URL, postgresUnavailable } from "../stores/pg-test-db.js";

/** Why the nodes of a shared deployment cannot run here (PostgreSQL or Redis unreachable), or undefined. */
export async function sharedDeploymentUnavailable(): Promise<string | undefined> {
  return (await postgresUnavailable()) ?? ((await redisAvailable()) ? undefined : "Redis is unreachable");
}

/**
 * Options of the nodes of one deployment per test: one new PostgreSQL schema and one new Redis
 * prefix, shared by every node the test starts with them, dropped after it (with `bed`'s gateways).
 */
export function useSharedDeployment(bed: TestBed): () => Promise<Partial<GatewayOptions>> {
  const schemas: string[] = [];
  let prefix = testPrefix();
  afterEach(async () => {
    await bed.cleanup();
    await deleteKeys(prefix);
    prefix = testPrefix();
    for (const schema of schemas.splice(0)) await dropTestSchema(schema);
  });
  return async () => {
    const schema = await createTestSchema();
    schemas.push(schema);
    return { databaseUrl: `${PG_TEST_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`, redisUrl: REDIS_URL, redisPrefix: prefix };
  };
}
