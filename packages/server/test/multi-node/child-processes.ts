import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Redis } from "ioredis";
import { SignJWT } from "jose";

/** The built CLI (`npm install` / `npm run build` makes it), as cli.test.ts uses it. */
export const CLI = resolve(import.meta.dirname, "../../dist/cli.js");

/** Where this machine keeps redis-server (overridable for other machines). */
export const REDIS_SERVER = process.env.TICKWIRE_TEST_REDIS_SERVER ?? "/usr/bin/redis-server";

/**
 * True when redis-server can be started. Without it the tests that need it are
 * skipped with a printed reason, except under CI=true, where that is a failure.
 */
export function redisServerAvailable(): boolean {
  if (existsSync(REDIS_SERVER)) return true;
  if (process.env.CI) throw new Error(`${REDIS_SERVER} is missing, and CI=true does not allow skipping the Redis restart tests.`);
  process.stdout.write(`\n[skip] ${REDIS_SERVER} is missing: the Redis restart tests are skipped (they run when it is there, and CI=true requires it).\n`);
  return false;
}

/** A port nothing listens on now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address() as { port: number };
  await new Promise((ok) => server.close(ok));
  return port;
}

/** Waits until `check` resolves true, polling; fails after `timeoutMs` with `what`, or at once when `check` throws. */
export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string, intervalMs = 25): Promise<void> {
  const start = Date.now();
  for (;;) {
    if (await check()) return;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Signs a client token the way `tickwire token` does (HS256, `sub`, `tier`). */
export function signToken(secret: string, sub: string, tier: string): Promise<string> {
  return new SignJWT({ tier })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + 3600)
    .sign(new TextEncoder().encode(secret));
}

/** A child process of one test, with what it printed (for failure messages). */
class Child {
  output = "";
  readonly exited: Promise<void>;
  private done = false;

  constructor(readonly process: ChildProcess) {
    process.stdout?.on("data", (d: Buffer) => (this.output += d.toString()));
    process.stderr?.on("data", (d: Buffer) => (this.output += d.toString()));
    this.exited = new Promise((ok) =>
      process.once("exit", () => {
        this.done = true;
        ok();
      }),
    );
  }

  get running(): boolean {
    return !this.done;
  }

  /** Sends `signal` (SIGKILL by default) and waits for the exit; a no-op once it exited. */
  async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    if (!this.done) this.process.kill(signal);
    await this.exited;
  }

  /** Resolves with the first match of `pattern` in the output; fails if the process exits first or after `timeoutMs`. */
  awaitOutput(pattern: RegExp, timeoutMs: number, what: string): Promise<RegExpExecArray> {
    return new Promise((ok, fail) => {
      const check = () => {
        const m = pattern.exec(this.output);
        if (m) finish(() => ok(m));
      };
      const timer = setTimeout(() => finish(() => fail(new Error(`no ${what} within ${timeoutMs} ms; output:\n${this.output}`))), timeoutMs);
      const onExit = () => finish(() => fail(new Error(`the process exited before ${what}; output:\n${this.output}`)));
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        this.process.stdout?.off("data", check);
        this.process.stderr?.off("data", check);
        this.process.off("exit", onExit);
        settle();
      };
      this.process.stdout?.on("data", check);
      this.process.stderr?.on("data", check);
      this.process.once("exit", onExit);
      check();
    });
  }
}

/** A gateway started as its own process (`tickwire start`, production mode, port 0). */
export class GatewayProcess extends Child {
  /** `http://127.0.0.1:<port>`, from its listening line. */
  url = "";

  /** Calls the HTTP API with `apiKey`. */
  async api(method: string, path: string, body: unknown, apiKey: string): Promise<{ status: number; body: any }> {
    const res = await fetch(this.url + path, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text.startsWith("{") ? JSON.parse(text) : text };
  }
}

/** A private redis-server on a fixed port, restartable on that port with the same options. */
export class RedisServer {
  private child: Child | undefined;

  constructor(
    readonly port: number,
    private readonly args: readonly string[],
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts redis-server and waits until it answers PING. */
  async start(timeoutMs = 5000): Promise<void> {
    const child = new Child(spawn(REDIS_SERVER, ["--port", String(this.port), "--bind", "127.0.0.1", "--daemonize", "no", ...this.args], { stdio: ["ignore", "pipe", "pipe"] }));
    this.child = child;
    await waitFor(
      async () => {
        if (!child.running) throw new Error(`redis-server exited at start:\n${child.output}`);
        return (await this.ping()) === "PONG";
      },
      timeoutMs,
      `redis-server on port ${this.port} to answer PING`,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${child.output}`);
    });
  }

  /** SIGKILLs redis-server (no shutdown save) and waits for its exit. */
  async kill(): Promise<void> {
    await this.child?.kill("SIGKILL");
  }

  /** PING on a short-lived connection; undefined when nothing answers. */
  async ping(): Promise<string | undefined> {
    const r = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 500, enableOfflineQueue: false });
    r.on("error", () => undefined);
    try {
      await r.connect();
      return await r.ping();
    } catch {
      return undefined;
    } finally {
      r.disconnect();
    }
  }
}

/** A private Redis Sentinel on a free port watching one master, configured in a temporary folder. */
export class SentinelServer {
  private child: Child | undefined;

  constructor(
    readonly port: number,
    private readonly configFile: string,
  ) {}

  /** Starts the sentinel and waits until it names the master of `name`. */
  async start(name: string, timeoutMs = 10_000): Promise<void> {
    const child = new Child(spawn(REDIS_SERVER, [this.configFile, "--sentinel", "--port", String(this.port), "--bind", "127.0.0.1", "--daemonize", "no"], { stdio: ["ignore", "pipe", "pipe"] }));
    this.child = child;
    await waitFor(
      async () => {
        if (!child.running) throw new Error(`redis-sentinel exited at start:\n${child.output}`);
        return (await this.master(name)) !== undefined;
      },
      timeoutMs,
      `the sentinel on port ${this.port} to name its master`,
    );
  }

  /** The port of the master the sentinel names for `name` now; undefined when it cannot tell. */
  async master(name: string): Promise<number | undefined> {
    const r = new Redis({ port: this.port, host: "127.0.0.1", lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 500, enableOfflineQueue: false });
    r.on("error", () => undefined);
    try {
      await r.connect();
      const reply = (await r.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", name)) as [string, string] | null;
      return reply ? Number(reply[1]) : undefined;
    } catch {
      return undefined;
    } finally {
      r.disconnect();
    }
  }

  async kill(): Promise<void> {
    await this.child?.kill("SIGKILL");
  }
}

/** Everything a test spawned or created on disk, released by `cleanup()` in afterEach (also after a failure). */
export class Children {
  private readonly gateways: GatewayProcess[] = [];
  private readonly redises: RedisServer[] = [];
  private readonly sentinels: SentinelServer[] = [];
  private readonly dirs: string[] = [];

  /** A fresh folder, removed at cleanup. */
  tempDir(): string {
    const dir = mkdtempSync(join(tmpdir(), "tickwire-proc-"));
    this.dirs.push(dir);
    return dir;
  }

  /** Spawns `tickwire start` with `env` (on top of a clean environment) and resolves once it logged its URL. */
  async gateway(env: Record<string, string>, timeoutMs = 10_000): Promise<GatewayProcess> {
    if (!existsSync(CLI)) throw new Error("packages/server/dist/cli.js is missing: run `npm run build` (npm install does it).");
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("TICKWIRE_") && k !== "NODE_ENV"));
    const child = spawn(process.execPath, [CLI, "start"], {
      env: { ...clean, NODE_ENV: "production", TICKWIRE_PORT: "0", TICKWIRE_HOST: "127.0.0.1", TICKWIRE_DATA_DIR: this.tempDir(), ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const gw = new GatewayProcess(child);
    this.gateways.push(gw);
    gw.url = (await gw.awaitOutput(/"url":"(http:\/\/[^"]+)"/, timeoutMs, "the listening line"))[1]!;
    return gw;
  }

  /** A private redis-server on a free port with `args` (persistence options), started and answering. */
  async redis(args: readonly string[]): Promise<RedisServer> {
    const server = new RedisServer(await freePort(), args);
    this.redises.push(server);
    await server.start();
    return server;
  }

  /**
   * A Redis Sentinel watching the master on `masterPort` as `name` (quorum 1), which it
   * declares down after `downAfterMs` without an answer; started and naming it.
   */
  async sentinel(masterPort: number, name: string, downAfterMs: number): Promise<SentinelServer> {
    const dir = this.tempDir();
    const file = join(dir, "sentinel.conf");
    // The sentinel rewrites its configuration file as it learns replicas and failovers.
    writeFileSync(file, [`dir ${dir}`, `sentinel monitor ${name} 127.0.0.1 ${masterPort} 1`, `sentinel down-after-milliseconds ${name} ${downAfterMs}`, `sentinel failover-timeout ${name} ${Math.max(1000, downAfterMs * 4)}`, `sentinel parallel-syncs ${name} 1`, ""].join("\n"));
    const sentinel = new SentinelServer(await freePort(), file);
    this.sentinels.push(sentinel);
    await sentinel.start(name);
    return sentinel;
  }

  /** SIGKILLs every process still running and removes the folders. */
  async cleanup(): Promise<void> {
    await Promise.all([...this.gateways.splice(0).map((g) => g.kill()), ...this.redises.splice(0).map((r) => r.kill()), ...this.sentinels.splice(0).map((r) => r.kill())]);
    for (const d of this.dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  }
}
