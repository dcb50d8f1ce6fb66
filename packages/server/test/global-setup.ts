import type { TestProject } from "vitest/node";
import { canStartRedisCluster, TestRedisCluster } from "./redis-cluster.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** `host:port,…` of the Redis Cluster the tests share; empty when none could be started. */
    redisCluster: string;
  }
}

/**
 * The Redis Cluster the engine and multi-node suites also run against: the one
 * in TICKWIRE_TEST_REDIS_CLUSTER (CI starts three masters), or else three
 * masters started here for this run and stopped after it.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const given = process.env.TICKWIRE_TEST_REDIS_CLUSTER?.trim();
  if (given) {
    project.provide("redisCluster", given);
    return async () => undefined;
  }
  if (!canStartRedisCluster()) {
    project.provide("redisCluster", "");
    return async () => undefined;
  }
  const cluster = await TestRedisCluster.start(3, 0);
  project.provide("redisCluster", cluster.addresses.join(","));
  return () => cluster.stop();
}
