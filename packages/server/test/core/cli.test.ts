import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { jwtVerify } from "jose";
import { io } from "socket.io-client";
import { afterEach, beforeAll, describe, expect, it } from "vitest";

const CLI = resolve(import.meta.dirname, "../../dist/cli.js");
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function env(extra: Record<string, string>): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("TICKWIRE_") && k !== "NODE_ENV"));
  return { ...clean, ...extra };
}

describe("the tickwire CLI", () => {
  beforeAll(() => {
    if (!existsSync(CLI)) throw new Error("packages/server/dist/cli.js is missing: run `npm run build` (npm install does it).");
  });

  it("prints a client token signed with the configured secret", async () => {
    const out = spawnSync(process.execPath, [CLI, "token", "--sub", "alice", "--tier", "builder", "--ttl", "120"], {
      env: env({ TICKWIRE_JWT_SECRET: "cli-secret-0123456789" }),
      encoding: "utf8",
    });
    expect(out.status).toBe(0);
    const { payload, protectedHeader } = await jwtVerify(out.stdout.trim(), new TextEncoder().encode("cli-secret-0123456789"));
    expect(protectedHeader.alg).toBe("HS256");
    expect(payload).toMatchObject({ sub: "alice", tier: "builder" });
    expect(payload.exp! - payload.iat!).toBe(120);
  });

  it("is linked as the `tickwire` command of the repository (npx tickwire)", () => {
    const bin = resolve(import.meta.dirname, "../../../../node_modules/.bin/tickwire");
    expect(existsSync(bin)).toBe(true);
    const out = spawnSync(bin, ["token", "--sub", "bob"], { env: env({ TICKWIRE_JWT_SECRET: "cli-secret-0123456789" }), encoding: "utf8" });
    expect(out.status).toBe(0);
    expect(out.stdout.trim().split(".")).toHaveLength(3);
  });

  it("refuses a bad tier or a missing --sub with a usage message", () => {
    const bad = spawnSync(process.execPath, [CLI, "token", "--sub", "a", "--tier", "king"], { env: env({ TICKWIRE_JWT_SECRET: "s".repeat(20) }), encoding: "utf8" });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("--tier must be one of navigator, participant, builder, operator.");
    const missing = spawnSync(process.execPath, [CLI, "token"], { env: env({ TICKWIRE_JWT_SECRET: "s".repeat(20) }), encoding: "utf8" });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain("--sub is required.");
  });

  it("refuses to start in production without a secret and API keys, with a clear message", () => {
    const out = spawnSync(process.execPath, [CLI, "start"], { env: env({ NODE_ENV: "production", TICKWIRE_PORT: "0" }), encoding: "utf8", timeout: 10_000 });
    expect(out.status).toBe(2);
    expect(out.stderr).toContain("Production mode needs TICKWIRE_JWT_SECRET");
    expect(out.stderr).toContain("Production mode needs TICKWIRE_API_KEYS");
  });

  it("shuts down gracefully on SIGTERM: clients get server:shutdown and the process exits 0", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "tickwire-cli-"));
    dirs.push(dataDir);
    const child = spawn(process.execPath, [CLI, "start"], {
      env: env({ NODE_ENV: "production", TICKWIRE_PORT: "0", TICKWIRE_HOST: "127.0.0.1", TICKWIRE_JWT_SECRET: "cli-secret-0123456789", TICKWIRE_API_KEYS: "k", TICKWIRE_DATA_DIR: dataDir }),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    const url = await new Promise<string>((resolveUrl, reject) => {
      const timer = setTimeout(() => reject(new Error(`no listening line in: ${output}`)), 10_000);
      child.stdout.on("data", () => {
        const m = /"url":"(http:\/\/[^"]+)"/.exec(output);
        if (m) {
          clearTimeout(timer);
          resolveUrl(m[1]!);
        }
      });
    });
    const token = spawnSync(process.execPath, [CLI, "token", "--sub", "alice"], { env: env({ TICKWIRE_JWT_SECRET: "cli-secret-0123456789" }), encoding: "utf8" }).stdout.trim();
    const socket = io(url, { auth: { token }, transports: ["websocket"], reconnection: false });
    await new Promise((r) => socket.once("connected", r));
    const shutdown = new Promise((r) => socket.once("server:shutdown", r));
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    child.kill("SIGTERM");
    expect(await shutdown).toEqual({ reconnectAfterMs: 1000 });
    expect(await exited).toBe(0);
    socket.close();
  });

  it("starts in dev mode on the loopback interface with a persisted secret and key, a demo token on stderr, and the simulator on", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "tickwire-dev-"));
    dirs.push(dataDir);
    // No TICKWIRE_HOST: dev mode binds 127.0.0.1.
    const devEnv = env({ TICKWIRE_PORT: "0", TICKWIRE_DATA_DIR: dataDir, TICKWIRE_LOG_LEVEL: "info", TICKWIRE_ACCESS_LOG_LEVEL: "silent" });
    const child = spawn(process.execPath, [CLI, "start"], { env: devEnv, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    let stdout = "";
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    try {
      await new Promise<void>((ok, fail) => {
        const timer = setTimeout(() => fail(new Error(`no dev banner in: ${output}`)), 10_000);
        child.stderr.on("data", () => {
          if (output.includes("Simulator:")) {
            clearTimeout(timer);
            ok();
          }
        });
      });
      const base = /Dashboard:\s+(http:\/\/\S+)\//.exec(output)![1]!;
      expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      // stdout carries log lines only, each one JSON object; the listening line names the bind address.
      const lines = stdout.trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(lines.find((l) => l.msg === "Tickwire listening")).toMatchObject({ level: 30, host: "127.0.0.1", mode: "dev", url: base, simulator: true });
      expect(stdout).not.toContain("Demo token");
      const apiKey = /API key:\s+(\S+)/.exec(output)![1]!;
      expect(output).toMatch(/Demo token:\s+\S+\.\S+\.\S+ {3}\(user "demo", tier operator, 12 h\)/);
      expect(output).toContain("Simulator:   on");
      const creds = JSON.parse(readFileSync(join(dataDir, "dev-credentials.json"), "utf8")) as { jwtSecret: string; apiKey: string };
      expect(creds.apiKey).toBe(apiKey);
      // `tickwire token` in dev mode signs with the running server's secret.
      const token = spawnSync(process.execPath, [CLI, "token", "--sub", "dana", "--tier", "participant"], { env: devEnv, encoding: "utf8" }).stdout.trim();
      const socket = io(base, { auth: { token }, transports: ["websocket"], reconnection: false });
      const connected = await new Promise<Record<string, unknown>>((r) => socket.once("connected", r));
      socket.close();
      expect(connected).toMatchObject({ userId: "dana", tier: "participant" });
      const stats = await fetch(`${base}/api/v1/stats`, { headers: { authorization: `Bearer ${apiKey}` } });
      expect(((await stats.json()) as { node: { simulator: boolean } }).node.simulator).toBe(true);
    } finally {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    }
  });
});
