// Connections: for each count of `connections` (10k, 19k) and each server, a
// fresh server process takes that many authenticated clients with one
// subscription each; reported: the connect rate (handshake, JWT, subscribe,
// `connectConcurrency` in flight) and the memory a connection costs (RSS and
// V8 heap after a forced GC, minus the same before the clients).
import { LoadGen } from "../lib/loadgen.mjs";
import { memoryOf } from "../lib/proc.mjs";
import { startChild } from "../lib/rpc.mjs";
import { round } from "../lib/stats.mjs";
import { KINDS, rotation, symbolName } from "../lib/targets.mjs";

// Long enough for the inbound rate limiter to forget the subscribe event (its window is 1 s).
const settle = () => new Promise((r) => setTimeout(r, 2000));

/** RSS and heap of a server child after two forced GCs. */
async function measure(child) {
  await child.call("gc");
  await settle();
  await child.call("gc");
  const { heapUsed, external, arrayBuffers } = await child.call("memory");
  return { rssKb: memoryOf(child.pid).rssKb, heapKb: heapUsed / 1024, externalKb: (external + arrayBuffers) / 1024 };
}

/** One server process with `n` idle clients; resolves with its figures. */
export async function idleConnections(name, n, opts, log) {
  const kind = KINDS[name];
  const child = await startChild(kind.module, { seed: opts.seed });
  let pool;
  try {
    const tokens = await child.call("tokens", { prefix: `conn-`, count: n, tier: "operator" });
    const before = await measure(child);
    pool = await LoadGen.start(opts.connectWorkers, { firstAddress: 50 });
    const specs = tokens.map((token, i) => ({ token, symbols: [i % 100], subscribe: kind.subscribe([symbolName(i % 100)]) }));
    const opened = await pool.open(child.info.url, specs, { symbols: 100, concurrency: opts.connectConcurrency });
    const after = await measure(child);
    const res = {
      server: name,
      label: kind.label,
      connections: opened.connected,
      failed: opened.failed,
      firstError: opened.firstError,
      connectSeconds: round(opened.ms / 1000, 2),
      connectPerSec: round((opened.connected * 1000) / opened.ms, 0),
      rssBeforeMb: round(before.rssKb / 1024, 1),
      rssAfterMb: round(after.rssKb / 1024, 1),
      rssPerConnectionKb: round((after.rssKb - before.rssKb) / n, 2),
      heapPerConnectionKb: round((after.heapKb - before.heapKb) / n, 2),
      externalPerConnectionKb: round((after.externalKb - before.externalKb) / n, 2),
    };
    log(`  ${kind.label}, ${n} connections: ${res.connectPerSec}/s, RSS ${res.rssPerConnectionKb} KiB per connection (heap ${res.heapPerConnectionKb} KiB), ${res.failed} failed`);
    return res;
  } finally {
    await pool?.stop();
    await child.stop();
  }
}

export async function connections(opts, log) {
  const counts = String(opts.connections).split(",").map(Number).filter((x) => x > 0);
  const names = ["tickwire", "socketio", "ceiling"];
  const results = [];
  for (let k = 0; k < counts.length; k++) for (const name of rotation(names, k)) results.push(await idleConnections(name, counts[k], opts, log));
  return { ok: results.every((r) => r.failed === 0), results };
}
