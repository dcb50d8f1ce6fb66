// Reconnect storm: `stormClients` clients connected and subscribed, the server
// restarts (a new process on the same port; Tickwire on the same data folder),
// and every client reconnects at the same moment. Tickwire's clients are on
// their own trades channel with history: they subscribe with `since` their
// last offset and must get exactly the `stormMissed` trades published while
// they were away, before the reply (recovered: true). The other servers have
// no history: their clients just connect and subscribe again. Reported: when
// the last client was back, and how late the server's event loop ran meanwhile
// (perf_hooks.monitorEventLoopDelay in the server process). Goal for Tickwire:
// all back within 10 s, the loop never blocked longer than 100 ms.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { LoadGen } from "../lib/loadgen.mjs";
import { nowMs } from "../lib/proc.mjs";
import { startChild } from "../lib/rpc.mjs";
import { round } from "../lib/stats.mjs";
import { KINDS, rotation, symbolName } from "../lib/targets.mjs";

/** A port free on the loopback interface now. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function stormOf(name, opts, log) {
  const kind = KINDS[name];
  const n = opts.stormClients;
  const trades = name === "tickwire";
  const port = await freePort();
  const dataDir = trades ? mkdtempSync(join(tmpdir(), "tickwire-storm-")) : undefined;
  const config = { seed: opts.seed, port, dataDir, backlog: opts.stormBacklog, gateway: { listenBacklog: opts.stormBacklog } };
  const nodeArgs = String(opts.serverNodeArgs ?? "").split(" ").filter(Boolean);
  let child = await startChild(kind.module, config, { execArgv: nodeArgs });
  let pool;
  try {
    const tokens = await child.call("tokens", { prefix: "storm-", count: n, tier: "operator" });
    pool = await LoadGen.start(opts.connectWorkers, { firstAddress: 80, nice: opts.stormNice });
    const specs = tokens.map((token, i) => (trades ? { token, trades: true, subscribe: { channels: ["trades"] }, symbols: [] } : { token, symbols: [i % 100], subscribe: kind.subscribe([symbolName(i % 100)]) }));
    const opened = await pool.open(child.info.url, specs, { symbols: 100, concurrency: opts.connectConcurrency });
    if (opened.failed > 0) throw new Error(`${opened.failed} clients failed to connect: ${opened.firstError}`);
    const users = Array.from({ length: n }, (_, i) => `storm-${i}`);
    if (trades) {
      await child.call("publishTrades", { users, count: n * 2, rate: 0, concurrency: 200 });
      const until = performance.now() + 30_000;
      while ((await pool.positions()).some((p) => p.last < 2) && performance.now() < until) await new Promise((r) => setTimeout(r, 100));
    }
    // The restart: the old process closes (Tickwire: server:shutdown, then the connections), a new one starts.
    await pool.expectClose();
    await child.stop();
    child = undefined;
    const stillOpen = await pool.waitClosed(30_000);
    // With --cpu-prof the restarted server is profiled from its start (starting a profiler mid-storm would stall it).
    const execArgv = [...nodeArgs, ...(opts.cpuProf ? ["--cpu-prof", `--cpu-prof-dir=${resolve(opts.profDir)}`, `--cpu-prof-name=${name}-storm.cpuprofile`] : [])];
    if (opts.cpuProf) mkdirSync(opts.profDir, { recursive: true });
    child = await startChild(kind.module, config, { execArgv });
    if (trades) await child.call("publishTrades", { users, count: n * opts.stormMissed, rate: 0, concurrency: 200 });
    await child.call("gc");
    await child.call("loopDelay", { reset: true });
    const cpu0 = await child.call("cpu");
    const at = nowMs() + 500;
    const back = await pool.reconnect(child.info.url, at, trades ? opts.stormMissed : undefined);
    const loop = await child.call("loopDelay");
    const cpu1 = await child.call("cpu");
    const res = {
      server: name,
      label: kind.label,
      clients: n,
      stillOpenAfterRestart: stillOpen,
      back: back.done.n,
      failed: back.failed,
      firstError: back.firstError,
      notRecovered: trades ? back.notRecovered : undefined,
      outOfOrder: back.disorder,
      allBackMs: round(back.done.max, 0),
      backMs: back.done.summary(),
      lateStartMs: round(back.lateStartMs, 1),
      loopDelayMaxMs: round(loop.maxMs, 1),
      loopDelayP99Ms: round(loop.p99Ms, 1),
      gcPauseMaxMs: round(loop.gcMaxMs, 1),
      // The longest stalls of the loop (wall ms) with the CPU the process used in each.
      longestStalls: loop.stalls,
      gcTotalMs: round(loop.gcTotalMs, 0),
      gatewayCpuMs: round((cpu1.user - cpu0.user + cpu1.system - cpu0.system) / 1000, 0),
    };
    res.ok = res.failed === 0 && res.back === n && (res.notRecovered ?? 0) === 0 && res.outOfOrder === 0;
    res.goalMet = res.ok && res.allBackMs <= 10_000 && res.loopDelayMaxMs <= 100;
    log(`  ${kind.label}: ${res.back}/${n} back in ${res.allBackMs} ms (p50 ${res.backMs.p50} ms)${trades ? `, ${n - res.notRecovered - res.failed} recovered exactly` : ""}, event loop max ${res.loopDelayMaxMs} ms (longest GC pause ${res.gcPauseMaxMs} ms; longest stalls wall/CPU ms ${res.longestStalls.map((x) => `${x.wallMs}/${x.cpuMs}`).join(" ")}), ${res.failed} failed${res.firstError ? ` (${res.firstError})` : ""}`);
    return res;
  } finally {
    await pool?.stop();
    await child?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function storm(opts, log) {
  const results = [];
  const names = opts.stormServers ? String(opts.stormServers).split(",") : ["tickwire", "socketio", "ceiling"];
  for (const name of rotation(names, 0)) results.push(await stormOf(name, opts, log));
  return { ok: results.every((r) => r.ok), results };
}
