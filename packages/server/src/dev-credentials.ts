import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** The secret and API key dev mode generates once and keeps in the data folder. */
export interface DevCredentials {
  readonly jwtSecret: string;
  readonly apiKey: string;
}

/**
 * Loads the dev-mode credentials from `{dataDir}/dev-credentials.json`, creating
 * them on first use, so that tokens and keys stay valid across restarts and
 * `tickwire token` signs with the same secret as the running server.
 */
export function loadDevCredentials(dataDir: string): DevCredentials {
  const file = join(dataDir, "dev-credentials.json");
  if (existsSync(file)) {
    const parsed = JSON.parse(readFileSync(file, "utf8")) as Partial<DevCredentials>;
    if (typeof parsed.jwtSecret === "string" && typeof parsed.apiKey === "string") return { jwtSecret: parsed.jwtSecret, apiKey: parsed.apiKey };
  }
  const created = { jwtSecret: randomBytes(32).toString("base64url"), apiKey: `dev_${randomBytes(18).toString("base64url")}` };
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, JSON.stringify(created, null, 2), { mode: 0o600 });
  return created;
}

/** The dev-mode credentials of `dataDir`, or undefined when none were generated there yet (nothing is created). */
export function readDevCredentials(dataDir: string): DevCredentials | undefined {
  const file = join(dataDir, "dev-credentials.json");
  if (!existsSync(file)) return undefined;
  try {
    const parsed = JSON.parse(readFileSync(file, "utf8")) as Partial<DevCredentials>;
    if (typeof parsed.jwtSecret === "string" && typeof parsed.apiKey === "string") return { jwtSecret: parsed.jwtSecret, apiKey: parsed.apiKey };
  } catch {
    // An unreadable file is no credentials.
  }
  return undefined;
}
