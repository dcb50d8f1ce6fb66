// Request/response over the IPC channel of child_process.fork: the parent drives
// a server child (start, issue tokens, publish, report CPU) with `call`, the
// child answers with `serve`. Messages are { id, cmd, args } → { id, ok, result | error }.
import { fork } from "node:child_process";

/**
 * Forks `modulePath` and waits for its `ready` message ({ port, pid, ... }).
 * @example const child = await startChild(new URL("../servers/tickwire-server.mjs", import.meta.url), { clients: 10 });
 */
export async function startChild(modulePath, config = {}, { execArgv = [], readyTimeoutMs = 30_000 } = {}) {
  const proc = fork(modulePath instanceof URL ? modulePath.pathname : modulePath, [], {
    execArgv: ["--expose-gc", ...execArgv],
    env: { ...process.env, BENCH_CHILD_CONFIG: JSON.stringify(config) },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    serialization: "advanced",
  });
  const pending = new Map();
  let nextId = 1;
  let exited = false;
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`child ${modulePath} not ready after ${readyTimeoutMs} ms`)), readyTimeoutMs);
    proc.on("message", (msg) => {
      if (msg && msg.type === "ready") {
        clearTimeout(timer);
        resolve(msg.info);
        return;
      }
      const waiter = pending.get(msg?.id);
      if (!waiter) return;
      pending.delete(msg.id);
      if (msg.ok) waiter.resolve(msg.result);
      else waiter.reject(new Error(`child ${waiter.cmd}: ${msg.error}`));
    });
    proc.once("exit", (code, signal) => {
      exited = true;
      clearTimeout(timer);
      const err = new Error(`child exited (code ${code}, signal ${signal})`);
      reject(err);
      for (const waiter of pending.values()) waiter.reject(err);
      pending.clear();
    });
  });
  const info = await ready;
  return {
    info,
    pid: proc.pid,
    call(cmd, args = {}) {
      if (exited) return Promise.reject(new Error("child has exited"));
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject, cmd });
        proc.send({ id, cmd, args });
      });
    },
    /** Asks the child to close its server and exit; kills it if it does not within `timeoutMs`. */
    async stop(timeoutMs = 15_000) {
      if (exited) return;
      const gone = new Promise((resolve) => proc.once("exit", resolve));
      proc.send({ id: 0, cmd: "exit", args: {} });
      const timer = setTimeout(() => proc.kill("SIGKILL"), timeoutMs);
      await gone;
      clearTimeout(timer);
    },
  };
}

/**
 * Child side: announces `info` and answers commands with `handlers[cmd](args)`.
 * `exit` calls `onExit` and ends the process.
 */
export function serve(info, handlers, onExit) {
  process.on("message", async (msg) => {
    if (msg.cmd === "exit") {
      try {
        await onExit?.();
      } finally {
        process.exit(0);
      }
      return;
    }
    const handler = handlers[msg.cmd];
    try {
      if (!handler) throw new Error(`unknown command ${msg.cmd}`);
      const result = await handler(msg.args);
      process.send({ id: msg.id, ok: true, result });
    } catch (err) {
      process.send({ id: msg.id, ok: false, error: err instanceof Error ? err.stack ?? err.message : String(err) });
    }
  });
  // The parent went away (crash, Ctrl-C): do not linger.
  process.on("disconnect", () => process.exit(0));
  process.send({ type: "ready", info });
}

/** The config object the parent passed to startChild. */
export function childConfig() {
  return JSON.parse(process.env.BENCH_CHILD_CONFIG ?? "{}");
}
