// The goals of the fan-out work, checked against a results document: each one
// with the figures it compares and whether it was met. Reported, never an
// exit code (speed depends on the machine; correctness decides the exit code).
import { round } from "./stats.mjs";

const ratio = (a, b) => (b > 0 ? round(a / b, 2) : undefined);

export function goals(results) {
  const s = results.scenarios;
  const out = [];
  const w = s.watchlist;
  if (w) {
    const by = Object.fromEntries(w.servers.map((x) => [x.server, x]));
    const tw = by.tickwire;
    const ceiling = by.ceiling;
    const sio = by.socketio;
    if (tw && ceiling) {
      const pairs = tw.runs.map((run) => [run, ceiling.runs.find((c) => c.ratePerSymbol === run.ratePerSymbol)]).filter(([a, b]) => b && a.sustained && b.sustained);
      const worst = Math.max(...pairs.map(([a, b]) => a.gatewayCpuMsPer1000Deliveries / b.gatewayCpuMsPer1000Deliveries));
      out.push({ goal: "watchlist: CPU per delivery ≤ 1.25 × the corked ws ceiling's at every rate both sustain", value: round(worst, 2), perRate: pairs.map(([a, b]) => ({ rate: a.ratePerSymbol, tickwire: a.gatewayCpuMsPer1000Deliveries, ceiling: b.gatewayCpuMsPer1000Deliveries, ratio: ratio(a.gatewayCpuMsPer1000Deliveries, b.gatewayCpuMsPer1000Deliveries) })), met: pairs.length > 0 && worst <= 1.25 });
    }
    if (tw && sio) out.push({ goal: "watchlist: highest sustained rate ≥ 4 × Socket.IO's", value: ratio(tw.highestSustainedRate, sio.highestSustainedRate), tickwire: tw.highestSustainedRate, socketio: sio.highestSustainedRate, ceiling: ceiling?.highestSustainedRate, met: tw.highestSustainedRate >= 4 * sio.highestSustainedRate, capped: tw.highestSustainedRate === Math.max(...String(results.options.watchlistRates).split(",").map(Number)) });
    const win = by["tickwire-window"];
    if (win && ceiling) {
      const pairs = win.runs.map((run) => [run, ceiling.runs.find((c) => c.ratePerSymbol === run.ratePerSymbol)]).filter(([a, b]) => b && a.sustained && b.sustained);
      const worst = Math.max(...pairs.map(([a, b]) => a.gatewayCpuMsPer1000Deliveries / b.gatewayCpuMsPer1000Deliveries));
      out.push({ goal: `watchlist, ${w.windowMs} ms write window: CPU per delivery below the ceiling's at every rate both sustain`, value: round(worst, 2), perRate: pairs.map(([a, b]) => ({ rate: a.ratePerSymbol, tickwire: a.gatewayCpuMsPer1000Deliveries, ceiling: b.gatewayCpuMsPer1000Deliveries, ratio: ratio(a.gatewayCpuMsPer1000Deliveries, b.gatewayCpuMsPer1000Deliveries) })), met: pairs.length > 0 && worst < 1 });
    }
  }
  const h = s.hot;
  if (h) {
    for (const x of h.servers.filter((x) => x.server === "tickwire" || x.server === "tickwire-window")) {
      out.push({ goal: `hot channel (${x.label}): ≥ 95 % delivered, p99 ≤ 250 ms (median of runs)`, delivered: x.median.deliveredPct, p99: x.median.latencyMs.p99, met: x.median.deliveredPct >= 95 && x.median.latencyMs.p99 <= 250 && x.runs.every((r) => r.ok) });
    }
  }
  const b = s.burst;
  if (b) {
    const by = Object.fromEntries(b.servers.map((x) => [x.server, x.median.deliveriesPerSec]));
    out.push({ goal: "burst: deliveries/s ≥ 3 × Socket.IO's (medians)", value: ratio(by.tickwire, by.socketio), tickwire: by.tickwire, socketio: by.socketio, ceiling: by.ceiling, met: by.tickwire >= 3 * by.socketio });
  }
  const c = s.connections;
  if (c) {
    const tw = c.results.filter((r) => r.server === "tickwire");
    const at10k = tw.find((r) => r.connections >= 10_000) ?? tw[0];
    if (at10k) out.push({ goal: `connections: ≤ 10 KB RSS per idle connection with one subscription (${at10k.connections} connections)`, kib: at10k.rssPerConnectionKb, bytes: Math.round(at10k.rssPerConnectionKb * 1024), met: at10k.rssPerConnectionKb * 1024 <= 10_000 });
    const most = tw.reduce((a, r) => (r.connections > (a?.connections ?? 0) ? r : a), undefined);
    if (most) out.push({ goal: `connections: one process holds ${most.connections + most.failed}`, connected: most.connections, failed: most.failed, met: most.failed === 0 });
  }
  const st = s.storm;
  if (st) {
    const tw = st.results.find((r) => r.server === "tickwire");
    if (tw) out.push({ goal: `reconnect storm: ${tw.clients} clients back, subscribed and recovered within 10 s, event loop never blocked > 100 ms`, allBackMs: tw.allBackMs, loopDelayMaxMs: tw.loopDelayMaxMs, met: tw.goalMet });
  }
  const so = s.soak;
  if (so) out.push({ goal: `soak: ${so.connections} connections, RSS flat over ${so.seconds / 60} min`, slopeKbPerMin: so.slopeSecondHalfKbPerMin, rssMb: so.rssAfterGcMb, met: so.ok && Math.abs(so.slopeSecondHalfKbPerMin) * (so.seconds / 60 / 2) < 0.02 * so.rssAfterGcMb.max * 1024 });
  return out;
}
