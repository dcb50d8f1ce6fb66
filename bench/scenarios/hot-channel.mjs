// Hot channel: `hotClients` subscribers of one symbol, `hotRate` quotes per
// second for `hotSeconds` (offered deliveries/s = clients × rate). The goal is
// ≥ 95 % delivered within a second of the last publish with p99 ≤ 250 ms, every
// quote once and in order. `runs` runs per server, rotating over the servers.
import { quoteRun } from "../lib/quote-run.mjs";
import { medianOfRuns } from "../lib/stats.mjs";
import { openScenarioTargets, profileTargets, rotation } from "../lib/targets.mjs";

export async function hotChannel(opts, log) {
  const targets = await openScenarioTargets(opts, log, { clients: opts.hotClients, symbolCount: 1, symbolsOf: () => [0], windowMs: opts.writeWindowMs });
  try {
    for (const t of targets) await quoteRun(t, { symbols: [0], count: opts.hotRate, rate: opts.hotRate, graceMs: opts.graceMs });
    const stopProfiles = await profileTargets(targets, opts, "hot");
    const runs = Object.fromEntries(targets.map((t) => [t.name, []]));
    for (let r = 0; r < opts.runs; r++) {
      for (const t of rotation(targets, r)) {
        const res = await quoteRun(t, { symbols: [0], count: Math.round(opts.hotRate * opts.hotSeconds), rate: opts.hotRate, graceMs: opts.graceMs });
        res.goalMet = res.ok && res.deliveredPct >= 95 && res.latencyMs.p99 <= 250;
        runs[t.name].push(res);
        log(`  ${t.label} run ${r + 1}/${opts.runs}: ${res.deliveriesPerSec} deliveries/s (offered ${res.offeredPerSec}), ${res.deliveredPct} % in time, p50 ${res.latencyMs.p50} / p99 ${res.latencyMs.p99} / max ${res.latencyMs.max} ms, ${res.gatewayCpuMsPer1000Deliveries} CPU ms/1000, other CPU ${res.otherCpuPct} %, complete=${res.ok}`);
      }
    }
    const profiles = await stopProfiles();
    const servers = targets.map((t) => ({ server: t.name, label: t.label, median: medianOfRuns(runs[t.name]), runs: runs[t.name] }));
    return { ok: servers.filter((s) => s.server !== "tickwire-before").every((s) => s.runs.every((x) => x.correct)), clients: opts.hotClients, ratePerSec: opts.hotRate, secondsPerRun: opts.hotSeconds, windowMs: opts.writeWindowMs, servers, profiles };
  } finally {
    for (const t of targets) await t.close();
  }
}
