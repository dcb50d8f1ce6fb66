import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer as createNetServer, type AddressInfo } from "node:net";
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
        // The banner (stderr) and the listening line (stdout) travel apart: wait for both.
        const check = (): void => {
          if (output.includes("Simulator:") && stdout.includes('"msg":"Tickwire listening"')) {
            clearTimeout(timer);
            ok();
          }
        };
        child.stderr.on("data", check);
        child.stdout.on("data", check);
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

/** Runs the CLI to its end. */
function run(args: string[], extra: Record<string, string> = {}, cwd?: string): { status: number | null; stdout: string; stderr: string } {
  const out = spawnSync(process.execPath, [CLI, ...args], { env: env(extra), encoding: "utf8", cwd, timeout: 15_000 });
  return { status: out.status, stdout: out.stdout, stderr: out.stderr };
}

/** Starts `tickwire start`; resolves once `ready` matches its stdout. */
async function started(extra: Record<string, string>, ready: RegExp, cwd?: string): Promise<{ child: ReturnType<typeof spawn>; stdout: () => string; stderr: () => string; match: RegExpExecArray }> {
  const child = spawn(process.execPath, [CLI, "start"], { env: env(extra), stdio: ["ignore", "pipe", "pipe"], cwd });
  let stdout = "";
  let stderr = "";
  // `ready` is looked for in both streams: the log lines are on stdout, the dev banner on stderr.
  const match = await new Promise<RegExpExecArray>((resolveMatch, reject) => {
    const timer = setTimeout(() => reject(new Error(`not started: ${stdout} ${stderr}`)), 15_000);
    const check = (): void => {
      const m = ready.exec(stdout) ?? ready.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolveMatch(m);
      }
    };
    child.stdout!.on("data", (d: Buffer) => {
      stdout += d.toString();
      check();
    });
    child.stderr!.on("data", (d: Buffer) => {
      stderr += d.toString();
      check();
    });
    child.once("exit", () => reject(new Error(`exited: ${stdout} ${stderr}`)));
  });
  return { child, stdout: () => stdout, stderr: () => stderr, match };
}

async function stopped(child: ReturnType<typeof spawn>): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await exited;
}

const PRODUCTION = { NODE_ENV: "production", TICKWIRE_JWT_SECRET: "cli-secret-0123456789", TICKWIRE_API_KEYS: "key-one,key-two-secret", TICKWIRE_HOST: "127.0.0.1", TICKWIRE_LOG_LEVEL: "warn" };

describe("the tickwire CLI: help, version, check-config, warnings", () => {
  it("prints the package's version with --version and -v", () => {
    const version = (JSON.parse(readFileSync(resolve(import.meta.dirname, "../../package.json"), "utf8")) as { version: string }).version;
    for (const flag of ["--version", "-v"]) expect(run([flag])).toEqual({ status: 0, stdout: `${version}\n`, stderr: "" });
  });

  it("answers --help on every command with its usage, exit 0, and lists the commands without one", () => {
    for (const command of ["start", "token", "check-config"]) {
      const out = run([command, "--help"]);
      expect(out.status).toBe(0);
      expect(out.stderr).toBe("");
      expect(out.stdout.split("\n")[0]).toMatch(new RegExp(`^Usage: tickwire ${command}( |$)`));
      if (command === "token") expect(out.stdout).toContain("--data-dir DIR");
    }
    expect(run(["help", "check-config"]).stdout).toBe(run(["check-config", "-h"]).stdout);
    const general = run(["--help"]);
    expect(general.status).toBe(0);
    for (const command of ["start", "token", "check-config"]) expect(general.stdout).toMatch(new RegExp(`^  ${command} `, "m"));
    const unknown = run(["strat"]);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('Unknown command "strat".');
    const badFlag = run(["check-config", "--verbose"]);
    expect(badFlag.status).toBe(2);
    expect(badFlag.stderr).toContain("Unknown option '--verbose'");
    expect(badFlag.stderr).toContain("Usage: tickwire check-config");
  });

  it("check-config prints every option with its source, secrets and URL passwords masked, and no problem", () => {
    const out = run(["check-config"], { ...PRODUCTION, TICKWIRE_PORT: "9001", TICKWIRE_DATABASE_URL: "postgres://app:db-password@db:5432/tickwire" });
    expect(out.status).toBe(0);
    expect(out.stdout).toMatch(/^Tickwire \d+\.\d+\.\d+, production mode\n/);
    expect(out.stdout).toMatch(/^ {2}port +9001 {3}\(TICKWIRE_PORT\)$/m);
    expect(out.stdout).toMatch(/^ {2}mode +"production" {3}\(NODE_ENV\)$/m);
    expect(out.stdout).toMatch(/^ {2}jwtSecret +\*\*\* \(21 characters\) {3}\(TICKWIRE_JWT_SECRET\)$/m);
    expect(out.stdout).toMatch(/^ {2}apiKeys +\*\*\* \(7 characters\), \*\*\* \(14 characters\) {3}\(TICKWIRE_API_KEYS\)$/m);
    expect(out.stdout).toMatch(/^ {2}databaseUrl +postgres:\/\/app:\*\*\*@db:5432\/tickwire {3}\(TICKWIRE_DATABASE_URL\)$/m);
    expect(out.stdout).toMatch(/^ {2}socketPath +"\/socket.io" {3}\(default\)$/m);
    expect(out.stdout.trimEnd().endsWith("No problems found.")).toBe(true);
    for (const secret of ["cli-secret-0123456789", "key-one", "key-two-secret", "db-password"]) expect(out.stdout).not.toContain(secret);
  });

  it("check-config lists every problem, unknown variables with the closest name, and exits 2", () => {
    const out = run(["check-config"], { ...PRODUCTION, TICKWIRE_PROT: "9000", TICKWIRE_MAX_EVNT_BYTES: "10", TICKWIRE_SOMETHING_ELSE: "x", TICKWIRE_PORT: "eighty", TICKWIRE_API_PREFIX: "api" });
    expect(out.status).toBe(2);
    const problems = out.stdout.slice(out.stdout.indexOf("5 problems:")).trimEnd().split("\n");
    expect(problems).toEqual([
      "5 problems:",
      '  - port must be a whole number ≥ 0 (got "eighty").',
      '  - apiPrefix must be a path like "/realtime" (segments of letters, digits, "-", "_", "."; at most 100 characters), got "api".',
      "  - TICKWIRE_MAX_EVNT_BYTES is not a Tickwire variable (did you mean TICKWIRE_MAX_EVENT_BYTES?); it is ignored.",
      "  - TICKWIRE_PROT is not a Tickwire variable (did you mean TICKWIRE_PORT?); it is ignored.",
      "  - TICKWIRE_SOMETHING_ELSE is not a Tickwire variable; it is ignored.",
    ]);
    expect(out.stdout).not.toContain("cli-secret-0123456789");
  });

  it("check-config checks the presence event namespaces against the catalogue, as the start does", () => {
    const out = run(["check-config"], { ...PRODUCTION, TICKWIRE_PRESENCE_EVENT_NAMESPACES: "signals,nope,quotes" });
    expect(out.status).toBe(2);
    expect(out.stdout.slice(out.stdout.indexOf("1 problem:")).trimEnd().split("\n")).toEqual([
      "1 problem:",
      '  - presenceEventNamespaces: "nope" is not a namespace; "quotes" keeps no presence (its catalogue row has no `presence`).',
    ]);
    expect(run(["check-config"], { ...PRODUCTION, TICKWIRE_PRESENCE_EVENT_NAMESPACES: "signals" }).status).toBe(0);
  });

  it("check-config in dev mode says where the generated credentials are and writes nothing", () => {
    const dataDir = mkdtempSync(join(tmpdir(), "tickwire-check-"));
    dirs.push(dataDir);
    const out = run(["check-config"], { TICKWIRE_DATA_DIR: dataDir });
    expect(out.status).toBe(0);
    expect(out.stdout).toContain(`Dev mode: a secret and an API key are generated at the first start and kept in ${join(dataDir, "dev-credentials.json")}.`);
    expect(existsSync(join(dataDir, "dev-credentials.json"))).toBe(false);
  });

  it("warns at start about every unknown TICKWIRE_* variable, with the closest known name, and starts", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "tickwire-warn-"));
    dirs.push(dataDir);
    const { child, stderr } = await started({ ...PRODUCTION, TICKWIRE_PORT: "0", TICKWIRE_LOG_LEVEL: "info", TICKWIRE_DATA_DIR: dataDir, TICKWIRE_PROT: "9000", TICKWIRE_SIMULATR: "on" }, /"url":"http:\/\/[^"]+"/);
    try {
      expect(stderr().split("\n").filter(Boolean)).toEqual([
        "Warning: TICKWIRE_PROT is not a Tickwire variable (did you mean TICKWIRE_PORT?); it is ignored.",
        "Warning: TICKWIRE_SIMULATR is not a Tickwire variable (did you mean TICKWIRE_SIMULATOR?); it is ignored.",
      ]);
    } finally {
      await stopped(child);
    }
  });

  it("says in one line that the port is in use, and exits 1", async () => {
    const blocker = createNetServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", r));
    const port = (blocker.address() as AddressInfo).port;
    const dataDir = mkdtempSync(join(tmpdir(), "tickwire-port-"));
    dirs.push(dataDir);
    try {
      const out = run(["start"], { ...PRODUCTION, TICKWIRE_PORT: String(port), TICKWIRE_DATA_DIR: dataDir });
      expect(out).toEqual({ status: 1, stdout: "", stderr: `Port ${port} on 127.0.0.1 is already in use: stop what listens there or set TICKWIRE_PORT to a free port.\n` });
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });

  it("token finds the data folder of a dev-mode server started in a parent folder, and says which secret it signed with", async () => {
    const project = mkdtempSync(join(tmpdir(), "tickwire-project-"));
    dirs.push(project);
    const nested = join(project, "src", "deep");
    mkdirSync(nested, { recursive: true });
    const { child, match } = await started({ TICKWIRE_PORT: "0", TICKWIRE_HOST: "127.0.0.1", TICKWIRE_LOG_LEVEL: "warn", TICKWIRE_SIMULATOR: "off" }, /Dashboard:\s+(http:\/\/\S+)\//, project);
    try {
      const out = run(["token", "--sub", "gina", "--tier", "participant"], {}, nested);
      expect(out.status).toBe(0);
      const credentials = join(project, "data", "dev-credentials.json");
      expect(out.stderr).toBe(`Signed with the dev-mode secret in ${credentials}.\n`);
      const { jwtSecret } = JSON.parse(readFileSync(credentials, "utf8")) as { jwtSecret: string };
      expect((await jwtVerify(out.stdout.trim(), new TextEncoder().encode(jwtSecret))).payload).toMatchObject({ sub: "gina", tier: "participant" });
      const socket = io(match[1]!, { auth: { token: out.stdout.trim() }, transports: ["websocket"], reconnection: false });
      const connected = await new Promise<Record<string, unknown>>((r, reject) => {
        socket.once("connected", r);
        socket.once("connect_error", reject);
      });
      socket.close();
      expect(connected).toMatchObject({ userId: "gina", tier: "participant" });
      // --data-dir names the folder from anywhere.
      const elsewhere = mkdtempSync(join(tmpdir(), "tickwire-elsewhere-"));
      dirs.push(elsewhere);
      const flagged = run(["token", "--sub", "gina", "--data-dir", join(project, "data")], {}, elsewhere);
      expect(flagged.status).toBe(0);
      expect(flagged.stderr).toBe(`Signed with the dev-mode secret in ${credentials}.\n`);
    } finally {
      await stopped(child);
    }
  });

  it("token refuses to sign with a made-up secret when no dev-mode server data is found, and creates nothing", () => {
    const elsewhere = mkdtempSync(join(tmpdir(), "tickwire-nodata-"));
    dirs.push(elsewhere);
    const out = run(["token", "--sub", "hal"], {}, elsewhere);
    expect(out.status).toBe(2);
    expect(out.stdout).toBe("");
    expect(out.stderr).toBe(
      `No dev-mode credentials found in ${join(elsewhere, "data")} or the data folder of a parent folder: start the server in dev mode first (tickwire start), pass --data-dir (or TICKWIRE_DATA_DIR) to the data folder it uses, or set TICKWIRE_JWT_SECRET.\n`,
    );
    expect(existsSync(join(elsewhere, "data"))).toBe(false);
    const signed = run(["token", "--sub", "hal"], { TICKWIRE_JWT_SECRET: "cli-secret-0123456789" }, elsewhere);
    expect(signed.status).toBe(0);
    expect(signed.stderr).toBe("Signed with TICKWIRE_JWT_SECRET.\n");
  });
});
