import { afterEach, describe, expect, it } from "vitest";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { TestBed, api, until } from "../helpers.js";
import { TcpProxy } from "../../../../test/support/tcp-proxy.js";

/** Debian's interpreter: python3-socketio (and python3-websocket) are Debian packages (.ci/run installs them). */
const PYTHON = "/usr/bin/python3";
const SCRIPT = join(import.meta.dirname, "python", "client.py");

function pythonSocketio(): string | undefined {
  if (!existsSync(PYTHON)) return `${PYTHON} is missing`;
  const probe = spawnSync(PYTHON, ["-c", "import socketio, websocket"], { encoding: "utf8" });
  return probe.status === 0 ? undefined : `python3-socketio is not installed: ${probe.stderr.trim()}`;
}

describe("python-socketio (no resumption) through a network cut", () => {
  const bed = new TestBed();
  const proxies: TcpProxy[] = [];
  const children: ChildProcess[] = [];
  afterEach(async () => {
    for (const c of children.splice(0)) c.kill("SIGKILL");
    for (const p of proxies.splice(0)) await p.close();
    await bed.cleanup();
  });

  it("reconnects, recovers with since, and its two-argument handlers get every trade once, in order", async (context) => {
    const missing = pythonSocketio();
    if (missing !== undefined && !process.env.CI) return context.skip(missing);
    const gw = await bed.gateway();
    const proxy = new TcpProxy({ host: "127.0.0.1", port: gw.port });
    proxies.push(proxy);
    await proxy.start();
    const child = spawn(PYTHON, [SCRIPT, proxy.url, await bed.token(gw, "alice")], { stdio: ["pipe", "pipe", "pipe"] });
    children.push(child);
    const lines: any[] = [];
    let output = "";
    let buffered = "";
    child.stdout!.on("data", (d: Buffer) => {
      buffered += d.toString();
      const parts = buffered.split("\n");
      buffered = parts.pop()!;
      for (const line of parts) {
        if (!line.trim()) continue;
        try {
          lines.push(JSON.parse(line));
        } catch {
          output += `stdout: ${line}\n`;
        }
      }
    });
    child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
    const of = (kind: string) => lines.filter((l) => l.kind === kind);
    const trade = async (user: string, n: number) => expect((await api(gw, "POST", "/api/v1/publish", { channel: `trades:${user}`, data: { n } })).status).toBe(200);

    await until(() => of("subscribed").length === 1, 15_000, `the python client's subscription\n${output}`);
    await trade("alice", 1);
    await trade("alice", 2);
    await until(() => of("trade").length === 2, 10_000, `two trades\n${output}`);

    proxy.cut();
    await until(() => of("disconnected").length === 1, 15_000, `python to see the cut\n${output}`);
    for (const n of [3, 4, 5]) await trade("alice", n);
    await trade("bob", 9);
    proxy.restore();
    await until(() => of("subscribed").length === 2, 20_000, `the python client to reconnect\n${output}\n${JSON.stringify(lines)}`);
    await trade("alice", 6);
    await until(() => of("trade").length >= 6, 10_000, `every trade\n${output}\n${JSON.stringify(lines)}`);

    // No pid, no token: python-socketio calls handlers with every argument, so a trailing one would break them.
    expect(of("connected").map((l) => l.info.resumed)).toEqual([undefined, undefined]);
    expect(of("subscribed")[1].reply).toMatchObject({ ok: true, subscribed: [{ channel: "trades:alice", recovered: true, replayed: 3 }] });
    // Every trade once, none of bob's. (python-engineio runs each message handler on its own thread,
    // so the order of the printed lines is the threads', not the wire's: compared by offset.)
    const trades = of("trade").map((l) => [l.data, l.offset]);
    expect(trades.sort((a, b) => a[1] - b[1])).toEqual([1, 2, 3, 4, 5, 6].map((n) => [{ n }, n]));
    expect(output).not.toMatch(/Traceback|TypeError/);
  }, 60_000);
});
