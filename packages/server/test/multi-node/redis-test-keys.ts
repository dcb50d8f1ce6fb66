import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { REDIS_URL } from "../services.js";

/** A key prefix no other test uses, so files running in parallel never share keys. */
export function testPrefix(): string {
  return `twtest:${randomBytes(4).toString("hex")}:`;
}

/** A short-lived admin connection for assertions and fault injection. */
export function adminRedis(): Redis {
  return new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
}

/** Keys under `prefix` matching `pattern` (`*` for all). */
export async function keysUnder(admin: Redis, prefix: string, pattern = "*"): Promise<string[]> {
  const found: string[] = [];
  let cursor = "0";
  do {
    const [next, keys] = await admin.scan(cursor, "MATCH", `${prefix}${pattern}`, "COUNT", 1000);
    cursor = next;
    found.push(...keys);
  } while (cursor !== "0");
  return found;
}

/** Deletes every key under `prefix`. */
export async function deleteKeys(prefix: string): Promise<void> {
  const admin = adminRedis();
  try {
    const keys = await keysUnder(admin, prefix);
    if (keys.length > 0) await admin.del(...keys);
  } finally {
    admin.disconnect();
  }
}
