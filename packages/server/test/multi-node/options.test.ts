import { describe, expect, it } from "vitest";
import { ConfigError, optionsFromEnv, resolveOptions } from "@tickwire/server";

describe("multi-node options", () => {
  it("reads TICKWIRE_REDIS_URL and TICKWIRE_REDIS_PREFIX, with tw: as the default prefix", () => {
    expect(resolveOptions(optionsFromEnv({ TICKWIRE_REDIS_URL: "redis://r:6379" })).options).toMatchObject({ redisUrl: "redis://r:6379", redisPrefix: "tw:" });
    expect(resolveOptions(optionsFromEnv({ TICKWIRE_REDIS_PREFIX: "acme:" })).options.redisPrefix).toBe("acme:");
  });

  it("refuses an empty prefix", () => {
    expect(() => resolveOptions({ redisPrefix: "" })).toThrow(/redisPrefix must be a non-empty string/);
  });

  it("reads TICKWIRE_REDIS_CLUSTER_NODES and TICKWIRE_SESSION_REDIS_CLUSTER_NODES as lists of host:port", () => {
    const { options } = resolveOptions(optionsFromEnv({ TICKWIRE_REDIS_CLUSTER_NODES: "10.0.0.1:7000, redis-1.internal:7001,[::1]:7002", TICKWIRE_SESSION_REDIS_CLUSTER_NODES: "s1:6379" }));
    expect(options).toMatchObject({ redisUrl: undefined, redisClusterNodes: ["10.0.0.1:7000", "redis-1.internal:7001", "[::1]:7002"], sessionRedisClusterNodes: ["s1:6379"] });
    expect(resolveOptions({}).options).toMatchObject({ redisClusterNodes: undefined, sessionRedisClusterNodes: undefined });
  });

  it("lists every malformed cluster node, and a cluster set beside a URL", () => {
    let error: unknown;
    try {
      resolveOptions(optionsFromEnv({ TICKWIRE_REDIS_URL: "redis://r:6379", TICKWIRE_REDIS_CLUSTER_NODES: "a:7000,b,c:70000", TICKWIRE_SESSION_REDIS_URL: "redis://s:6379", TICKWIRE_SESSION_REDIS_CLUSTER_NODES: "s:1" }));
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'redisClusterNodes entry "b" is not host:port.',
      'redisClusterNodes entry "c:70000" is not host:port.',
      "Set only one of redisUrl and redisClusterNodes.",
      "Set only one of sessionRedisUrl and sessionRedisClusterNodes.",
    ]);
    expect(() => resolveOptions({ redisClusterNodes: [] })).toThrow(/redisClusterNodes must be a list of 1 to 64 host:port cluster nodes/);
  });
});
