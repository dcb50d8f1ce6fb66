import { describe } from "vitest";
import { RedisEngine, type Engine } from "@tickwire/server";
import { REDIS_URL, redisAvailable } from "../services.js";
import { deleteKeys, testPrefix } from "../multi-node/redis-test-keys.js";
import { engineContract } from "./engine-contract.js";

const available = await redisAvailable();

describe.runIf(available)("redis engine", () => {
  engineContract("redis engine", async () => {
    const prefix = testPrefix();
    let engine: Engine = new RedisEngine({ url: REDIS_URL, prefix });
    return {
      engine,
      restart: async () => {
        await engine.close();
        engine = new RedisEngine({ url: REDIS_URL, prefix });
        return engine;
      },
      cleanup: async () => {
        await engine.close();
        await deleteKeys(prefix);
      },
    };
  });
});
