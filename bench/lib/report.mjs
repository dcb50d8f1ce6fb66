// The human-readable tables printed at the end of a run.

/** Renders rows (arrays of cells) as an aligned text table with a header rule. */
export function table(header, rows) {
  const cells = [header, ...rows].map((r) => r.map((c) => (c === undefined || c === null || Number.isNaN(c) ? "—" : String(c))));
  const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return [line(cells[0]), widths.map((w) => "-".repeat(w)).join("  "), ...cells.slice(1).map(line)].join("\n");
}

const mb = (kb) => (kb === undefined ? undefined : (kb / 1024).toFixed(1));

/** All tables of a results document. */
export function renderReport(results) {
  const out = [];
  const s = results.scenarios;
  const m = results.machine;
  out.push(`Machine: ${m.cores} cores (${m.cpuModel}), Node ${m.node}, load average ${m.loadAverageStart.join(" ")} at start`);
  const quoteRow = (label, r) => [
    label,
    r.offeredPerSec,
    r.deliveriesPerSec,
    r.deliveredPct,
    r.latencyMs.p50,
    r.latencyMs.p99,
    r.latencyMs.max,
    r.gatewayCpuMsPer1000Deliveries,
    r.gatewayCpuPct,
    r.loadgenCpuPct,
    r.softirqCpuPct,
    r.otherCpuPct,
    r.loadAverage,
    r.ok ? "yes" : r.correct ? `late (missing ${r.missing})` : `NO (gaps ${r.gaps}, dups ${r.dups}, offsets ${r.offsetMismatch}, superseded ${r.superseded})`,
  ];
  const quoteHeader = ["server", "offered/s", "delivered/s", "% in 1 s", "p50 ms", "p99 ms", "max ms", "CPU ms/1000", "gw CPU %", "loadgen %", "softirq %", "other CPU %", "load avg", "every update once, in order"];
  if (s.watchlist) {
    const w = s.watchlist;
    out.push("", `Watchlist: ${w.clients} clients × ${w.perClient} of ${w.symbols} symbols, ${w.secondsPerRun} s per rate`);
    const rows = [];
    const rates = [...new Set(w.servers.flatMap((x) => x.runs.map((r) => r.ratePerSymbol)))].sort((a, b) => a - b);
    for (const rate of rates) for (const x of w.servers) {
      const r = x.runs.find((y) => y.ratePerSymbol === rate);
      if (r) rows.push(quoteRow(`${rate}/s ${x.label}${r.sustained ? "" : " (not sustained)"}`, r));
    }
    out.push(table(quoteHeader, rows));
    out.push(`highest sustained rate per symbol: ${w.servers.map((x) => `${x.label} ${x.highestSustainedRate}/s`).join(", ")}`);
  }
  if (s.window) {
    const w = s.window;
    out.push("", `Write window: watchlist workload, ${w.clients} clients, CPU per delivery and latency by window`);
    out.push(table(quoteHeader, w.rows.map((r) => quoteRow(`${r.ratePerSymbol}/s ${r.label}`, r))));
  }
  for (const [key, title] of [["hot", (h) => `Hot channel: ${h.clients} subscribers × ${h.ratePerSec} quotes/s, median of ${h.servers[0].runs.length} runs`], ["burst", (b) => `Burst: ${b.clients} subscribers, ${b.quotes} quotes as fast as possible, median of ${b.servers[0].runs.length} runs`]]) {
    const x = s[key];
    if (!x) continue;
    out.push("", title(x));
    out.push(table(quoteHeader, x.servers.map((y) => quoteRow(y.label, { ...y.median, ok: y.runs.every((r) => r.ok), correct: y.runs.every((r) => r.correct) }))));
  }
  if (s.connections) {
    out.push("", "Idle connections (one subscription each), a fresh server process per row");
    out.push(
      table(
        ["server", "connections", "failed", "connect/s", "RSS before MiB", "RSS after MiB", "RSS KiB/conn", "heap KiB/conn"],
        s.connections.results.map((r) => [r.label, r.connections, r.failed, r.connectPerSec, r.rssBeforeMb, r.rssAfterMb, r.rssPerConnectionKb, r.heapPerConnectionKb]),
      ),
    );
  }
  if (s.storm) {
    out.push("", "Reconnect storm: every client reconnects at once after a restart");
    out.push(
      table(
        ["server", "clients", "back", "failed", "recovered exactly", "all back ms", "p50 ms", "p99 ms", "event loop max ms", "gw CPU ms"],
        s.storm.results.map((r) => [r.label, r.clients, r.back, r.failed, r.notRecovered === undefined ? "—" : r.clients - r.notRecovered - r.failed, r.allBackMs, r.backMs.p50, r.backMs.p99, r.loopDelayMaxMs, r.gatewayCpuMs]),
      ),
    );
  }
  if (s.soak) {
    const k = s.soak;
    out.push("", `Soak: ${k.connections} connections for ${k.seconds} s: RSS after GC ${k.rssAfterGcMb.first} → ${k.rssAfterGcMb.last} MiB (min ${k.rssAfterGcMb.min}, max ${k.rssAfterGcMb.max}), second-half slope ${k.slopeSecondHalfKbPerMin} KiB/min, ${k.deliveries} deliveries, ${k.missing} missing, ${k.closedUnexpectedly} connections dropped`);
  }
  if (s.conflation) {
    const c = s.conflation;
    out.push("", `Conflation: ${c.clients} navigator + ${c.referenceClients} operator clients, ${c.ratePerSec} quotes/s for ${c.seconds} s`);
    out.push(
      table(
        ["tier", "deliveries/client/s", "bytes/client/s", "age at delivery p50/p99 ms"],
        [
          ["navigator (1000 ms)", c.navigator.deliveriesPerClientPerSec, c.navigator.bytesPerClientPerSec, `${c.navigator.ageAtDeliveryMs.p50} / ${c.navigator.ageAtDeliveryMs.p99}`],
          ["operator (every update)", c.operator.deliveriesPerClientPerSec, c.operator.bytesPerClientPerSec, "—"],
        ],
      ),
    );
    out.push(`bytes saved ${c.bytesSavedPct} %, every client ended on the newest value: ${c.allGotNewestValue ? "yes" : "NO"}, order kept: ${c.disorder === 0 ? "yes" : "NO"}`);
  }
  if (s.history) {
    const h = s.history;
    out.push("", `Event channels with history: ${h.users} users × 1 subscriber, median of ${h.runs} runs`);
    out.push(
      table(
        ["run", "publications", "publishes/s", "CPU ms/publication", "p50 ms", "p99 ms", "max ms", "other CPU %", "no gap/dup"],
        [
          [`burst (${h.concurrency} in flight)`, h.tradesPerBurst, h.burst.publishesPerSec, h.burst.gatewayCpuMsPerPublication, h.burst.latencyMs.p50, h.burst.latencyMs.p99, h.burst.latencyMs.max, h.burst.otherCpuPct, h.burst.ok ? "yes" : "NO"],
          [`paced (${h.tradeRatePerSec}/s)`, h.tradesPaced, h.paced.publishesPerSec, h.paced.gatewayCpuMsPerPublication, h.paced.latencyMs.p50, h.paced.latencyMs.p99, h.paced.latencyMs.max, h.paced.otherCpuPct, h.paced.ok ? "yes" : "NO"],
        ],
      ),
    );
  }
  if (s.recovery) {
    const r = s.recovery;
    out.push("", `Recovery: ${r.gap} publications missed, median of ${r.runs} runs`);
    out.push(
      table(
        ["reconnect ms", "replay ms", "total ms", "replayed/s", "recovered", "no gap/dup"],
        [[r.median.reconnectMs, r.median.replayMs, r.median.totalMs, r.median.replayedPerSec, r.median.recovered ? "yes" : "NO", r.ok ? "yes" : "NO"]],
      ),
    );
  }
  if (results.goals?.length) {
    out.push("", "Goals");
    out.push(table(["goal", "figures", "met"], results.goals.map(({ goal, met, perRate, ...figures }) => [goal, JSON.stringify(figures), met ? "yes" : "NO"])));
  }
  if (results.errors.length) out.push("", ...results.errors.map((e) => `ERROR ${e.scenario}: ${e.message}`));
  return out.join("\n");
}
