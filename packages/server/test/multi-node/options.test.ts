import { describe, expect, it } from "vitest";
import { optionsFromEnv, resolveOptions } from "@tickwire/server";

describe("multi-node options", () => {
  it("reads TICKWIRE_REDIS_URL and TICKWIRE_REDIS_PREFIX, with tw: as the default prefix", () => {
    expect(resolveOptions(optionsFromEnv({ TICKWIRE_REDIS_URL: "redis://r:6379" })).options).toMatchObject({ redisUrl: "redis://r:6379", redisPrefix: "tw:" });
    expect(resolveOptions(optionsFromEnv({ TICKWIRE_REDIS_PREFIX: "acme:" })).options.redisPrefix).toBe("acme:");
  });

  it("refuses an empty prefix", () => {
    expect(() => resolveOptions({ redisPrefix: "" })).toThrow(/redisPrefix must be a non-empty string/);
  });
});
