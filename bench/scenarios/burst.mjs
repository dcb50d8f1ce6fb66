// Burst: `burstClients` subscribers of one symbol, `burstQuotes` quotes
// published as fast as the server takes them (one turn of its event loop):
// deliveries per second from the first publish to the last delivery, every
// quote once and in order. `runs` runs per server, rotating over the servers.
import { quoteRun } from "../lib/quote-run.mjs";
import { medianOfRuns } from "../lib/stats.mjs";
import { openScenarioTargets, profileTargets, rotation } from "../lib/targets.mjs";

export async function burst(opts, log) {
  const targets = await openScenarioTargets(opts, log, { clients: opts.burstClients, symbolCount: 1, symbolsOf: () => [0] });
  try {
    // Generous grace: a burst is measured to its last delivery.
    const graceMs = 30_000;
    for (const t of targets) await quoteRun(t, { symbols: [0], count: opts.burstQuotes, rate: 0, graceMs });
    const stopProfiles = await profileTargets(targets, opts, "burst");
    const runs = Object.fromEntries(targets.map((t) => [t.name, []]));
    for (let r = 0; r < opts.runs; r++) {
      for (const t of rotation(targets, r)) {
        const res = await quoteRun(t, { symbols: [0], count: opts.burstQuotes, rate: 0, graceMs });
        runs[t.name].push(res);
        log(`  ${t.label} run ${r + 1}/${opts.runs}: ${res.deliveriesPerSec} deliveries/s, p50 ${res.latencyMs.p50} / p99 ${res.latencyMs.p99} / max ${res.latencyMs.max} ms, ${res.gatewayCpuMsPer1000Deliveries} CPU ms/1000, other CPU ${res.otherCpuPct} %, complete=${res.ok}`);
      }
    }
    const profiles = await stopProfiles();
    const servers = targets.map((t) => ({ server: t.name, label: t.label, median: medianOfRuns(runs[t.name]), runs: runs[t.name] }));
    return { ok: servers.filter((s) => s.server !== "tickwire-before").every((s) => s.runs.every((x) => x.correct && x.ok)), clients: opts.burstClients, quotes: opts.burstQuotes, servers, profiles };
  } finally {
    for (const t of targets) await t.close();
  }
}
