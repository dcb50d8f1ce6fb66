// Soak: `soakConnections` clients on one Tickwire process for `soakSeconds`,
// each subscribed to one of 100 symbols, with a trickle of quotes
// (`soakRate` per second in all) and Engine.IO's heartbeat running. RSS is
// sampled every 10 s as it is (no forced GC) and every minute after a forced
// GC; "flat" means the after-GC samples of the second half do not grow: the
// slope of their least-squares line, in KiB per minute, is reported with the
// spread. Every quote must still arrive once and in order.
import { LoadGen } from "../lib/loadgen.mjs";
import { memoryOf } from "../lib/proc.mjs";
import { startChild } from "../lib/rpc.mjs";
import { round } from "../lib/stats.mjs";
import { KINDS, symbolName } from "../lib/targets.mjs";

/** Slope of the least-squares line through (t minutes, kb), in KiB per minute. */
function slope(points) {
  if (points.length < 2) return 0;
  const n = points.length;
  const mt = points.reduce((a, p) => a + p.t, 0) / n;
  const mk = points.reduce((a, p) => a + p.kb, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.t - mt) * (p.kb - mk);
    den += (p.t - mt) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

export async function soak(opts, log) {
  const n = opts.soakConnections;
  const kind = KINDS.tickwire;
  const child = await startChild(kind.module, { seed: opts.seed });
  let pool;
  try {
    const tokens = await child.call("tokens", { prefix: "soak-", count: n, tier: "operator" });
    pool = await LoadGen.start(opts.connectWorkers, { firstAddress: 110 });
    const specs = tokens.map((token, i) => ({ token, symbols: [i % 100], subscribe: kind.subscribe([symbolName(i % 100)]) }));
    const opened = await pool.open(child.info.url, specs, { symbols: 100, concurrency: opts.connectConcurrency });
    if (opened.failed > 0) throw new Error(`${opened.failed} clients failed to connect: ${opened.firstError}`);
    log(`  ${n} connections open; soaking for ${opts.soakSeconds} s`);
    const symbols = Array.from({ length: 100 }, (_, i) => symbolName(i));
    await pool.reset(new Array(100).fill(1));
    const t0 = performance.now();
    const count = Math.ceil((opts.soakRate * opts.soakSeconds) / 100) * 100;
    const publishing = child.call("publishQuotes", { symbols, count, rate: opts.soakRate, firstSeq: 1 });
    const raw = [];
    const gced = [];
    let minute = 0;
    while (performance.now() - t0 < opts.soakSeconds * 1000) {
      await new Promise((r) => setTimeout(r, 10_000));
      const t = (performance.now() - t0) / 60_000;
      raw.push({ t: round(t, 2), kb: memoryOf(child.pid).rssKb });
      if (Math.floor(t) > minute || performance.now() - t0 >= opts.soakSeconds * 1000) {
        minute = Math.floor(t);
        await child.call("gc");
        const kb = memoryOf(child.pid).rssKb;
        gced.push({ t: round(t, 2), kb });
        log(`  ${round(t, 1)} min: RSS ${round(kb / 1024, 1)} MiB after GC (${round(raw.at(-1).kb / 1024, 1)} MiB before)`);
      }
    }
    await publishing;
    await new Promise((r) => setTimeout(r, 2000));
    const target = new Array(100).fill(1 + count / 100);
    const res = await pool.result(target);
    const second = gced.filter((p) => p.t >= (opts.soakSeconds / 60) / 2);
    const kbs = gced.map((p) => p.kb);
    const out = {
      ok: res.gaps === 0 && res.dups === 0 && res.missing === 0 && res.closedUnexpectedly === 0,
      connections: n,
      seconds: opts.soakSeconds,
      quotes: count,
      deliveries: res.received,
      missing: res.missing,
      closedUnexpectedly: res.closedUnexpectedly,
      latencyMs: res.latency.summary(),
      rssAfterGcMb: { first: round(kbs[0] / 1024, 1), last: round(kbs.at(-1) / 1024, 1), min: round(Math.min(...kbs) / 1024, 1), max: round(Math.max(...kbs) / 1024, 1) },
      slopeSecondHalfKbPerMin: round(slope(second), 1),
      samples: { raw, afterGc: gced },
    };
    log(`  RSS after GC ${out.rssAfterGcMb.first} → ${out.rssAfterGcMb.last} MiB (min ${out.rssAfterGcMb.min}, max ${out.rssAfterGcMb.max}); second-half slope ${out.slopeSecondHalfKbPerMin} KiB/min; ${res.received} deliveries, ${res.missing} missing, ${res.closedUnexpectedly} dropped`);
    return out;
  } finally {
    await pool?.stop();
    await child.stop();
  }
}
