// What the write window costs and saves: the watchlist workload (clients × 20
// of 100 symbols, updates spread evenly) against Tickwire with no window and
// with each of `windowSweepMs`, and the corked ws ceiling as the reference, at
// each of `windowRates`. Reported per window: CPU per 1000 deliveries and
// latency; the window trades one for the other.
import { quoteRun } from "../lib/quote-run.mjs";
import { openTarget, rotation } from "../lib/targets.mjs";
import { watchlistOf } from "./watchlist.mjs";

export async function writeWindow(opts, log) {
  const S = opts.watchlistSymbols;
  const symbols = Array.from({ length: S }, (_, i) => i);
  const windows = String(opts.windowSweepMs).split(",").map(Number).filter((w) => w > 0);
  const rates = String(opts.windowRates).split(",").map(Number).filter((r) => r > 0);
  const specs = [{ name: "tickwire", windowMs: 0 }, ...windows.map((w) => ({ name: "tickwire-window", windowMs: w })), { name: "ceiling", windowMs: 0 }];
  const targets = [];
  try {
    for (let k = 0; k < specs.length; k++) {
      targets.push(await openTarget(specs[k].name, { clients: opts.watchlistClients, symbolCount: S, symbolsOf: watchlistOf(S, opts.watchlistPerClient), windowMs: specs[k].windowMs, workers: opts.loadgenWorkers, seed: opts.seed, firstAddress: 140 + k * opts.loadgenWorkers, log }));
      targets.at(-1).windowMs = specs[k].windowMs;
    }
    for (const t of targets) await quoteRun(t, { symbols, count: S * 4, rate: S * 2, graceMs: opts.graceMs });
    const rows = [];
    for (let r = 0; r < rates.length; r++) {
      for (const t of rotation(targets, r)) {
        const res = await quoteRun(t, { symbols, count: Math.round(S * rates[r] * opts.watchlistSeconds), rate: S * rates[r], graceMs: opts.graceMs });
        rows.push({ server: t.name, label: t.label, windowMs: t.windowMs, ratePerSymbol: rates[r], ...res });
        log(`  ${t.label} @ ${rates[r]}/s per symbol: ${res.gatewayCpuMsPer1000Deliveries} CPU ms/1000, p50 ${res.latencyMs.p50} / p99 ${res.latencyMs.p99} / max ${res.latencyMs.max} ms, ${res.deliveredPct} % in time, other CPU ${res.otherCpuPct} %`);
      }
    }
    return { ok: rows.every((x) => x.correct), clients: opts.watchlistClients, windows, rates, rows };
  } finally {
    for (const t of targets) await t.close();
  }
}
