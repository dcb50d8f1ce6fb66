// Watchlist: `watchlistClients` clients, each subscribed to `watchlistPerClient`
// of `watchlistSymbols` symbols (every symbol has the same number of
// subscribers), every symbol updating at a paced rate, publications spread
// evenly over time. The rate steps up; a server sustains a rate when ≥ 95 % of
// the deliveries arrive within a second of the last publish, p99 ≤ 1 s, and
// every update arrives once and in order. Runs at one rate rotate over the servers.
import { quoteRun } from "../lib/quote-run.mjs";
import { openScenarioTargets, profileTargets, rotation } from "../lib/targets.mjs";
import { round } from "../lib/stats.mjs";

/** Client i watches symbols i, i + step, i + 2·step … (mod the symbol count). */
export function watchlistOf(symbols, perClient) {
  const step = Math.max(1, Math.floor(symbols / perClient));
  return (i) => Array.from({ length: perClient }, (_, k) => (i + k * step) % symbols);
}

export async function watchlist(opts, log) {
  const S = opts.watchlistSymbols;
  const symbols = Array.from({ length: S }, (_, i) => i);
  const rates = String(opts.watchlistRates).split(",").map(Number).filter((r) => r > 0);
  const targets = await openScenarioTargets(opts, log, { clients: opts.watchlistClients, symbolCount: S, symbolsOf: watchlistOf(S, opts.watchlistPerClient), windowMs: opts.writeWindowMs });
  try {
    for (const t of targets) await quoteRun(t, { symbols, count: S * 2 * 2, rate: S * 2, graceMs: opts.graceMs });
    const stopProfiles = await profileTargets(targets, opts, "watchlist");
    const runs = Object.fromEntries(targets.map((t) => [t.name, []]));
    let active = [...targets];
    for (let r = 0; r < rates.length && active.length > 0; r++) {
      const rate = rates[r];
      for (const t of rotation(active, r)) {
        const res = await quoteRun(t, { symbols, count: Math.round(S * rate * opts.watchlistSeconds), rate: S * rate, graceMs: opts.graceMs });
        res.ratePerSymbol = rate;
        res.sustained = res.ok && res.deliveredPct >= 95 && res.latencyMs.p99 <= 1000;
        runs[t.name].push(res);
        log(`  ${t.label} @ ${rate}/s per symbol: ${res.deliveriesPerSec} deliveries/s (offered ${res.offeredPerSec}), ${res.deliveredPct} % in time, p50 ${res.latencyMs.p50} / p99 ${res.latencyMs.p99} ms, ${res.gatewayCpuMsPer1000Deliveries} CPU ms/1000, other CPU ${res.otherCpuPct} %, ${res.sustained ? "sustained" : `NOT sustained${res.ok ? "" : ` (gaps ${res.gaps}, dups ${res.dups}, missing ${res.missing}, superseded ${res.superseded})`}`}`);
      }
      active = active.filter((t) => runs[t.name].at(-1).sustained);
    }
    const profiles = await stopProfiles();
    const servers = targets.map((t) => {
      const sustained = runs[t.name].filter((x) => x.sustained);
      return {
        server: t.name,
        label: t.label,
        connect: { perSec: round(t.connect.perSec, 0) },
        highestSustainedRate: sustained.length ? sustained.at(-1).ratePerSymbol : 0,
        runs: runs[t.name],
      };
    });
    // A rate a server does not sustain is a figure, not a failure; a loss, a duplicate or a reordering is.
    const ok = servers.filter((s) => s.server !== "tickwire-before").every((s) => s.runs.every((x) => x.correct));
    return { ok, clients: opts.watchlistClients, symbols: S, perClient: opts.watchlistPerClient, secondsPerRun: opts.watchlistSeconds, windowMs: opts.writeWindowMs, servers, profiles };
  } finally {
    for (const t of targets) await t.close();
  }
}
