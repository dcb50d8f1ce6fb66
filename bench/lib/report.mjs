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
  const fan = [s.fanout, s.baseline].filter(Boolean);
  if (fan.length) {
    out.push("", `Fan-out: ${fan[0].clients} clients × ${fan[0].ratePerSec} quotes/s, ${fan[0].quotesPerRun} quotes per run, median of ${fan[0].runs} runs`);
    out.push(
      table(
        ["server", "deliveries/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "CPU ms/1000 deliv", "net of idle", "gw CPU %", "KiB/conn", "RSS MiB", "frame B", "other CPU %", "complete"],
        fan.map((r) => [
          r.server,
          r.median.deliveriesPerSec,
          r.median.latencyMs.p50,
          r.median.latencyMs.p90,
          r.median.latencyMs.p99,
          r.median.latencyMs.max,
          r.median.gatewayCpuMsPer1000Deliveries,
          r.median.netCpuMsPer1000Deliveries,
          r.median.gatewayCpuPct,
          r.memory.perConnectionKb,
          mb(r.memory.rssAfterClientsKb),
          r.median.frameBytes,
          r.median.otherCpuPct,
          r.ok ? "yes" : `NO (gaps ${r.perRun.map((x) => x.gaps).join("/")}, superseded ${r.perRun.map((x) => x.superseded).join("/")})`,
        ]),
      ),
    );
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
  if (results.errors.length) out.push("", ...results.errors.map((e) => `ERROR ${e.scenario}: ${e.message}`));
  return out.join("\n");
}
