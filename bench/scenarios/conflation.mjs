// Scenario 3: quote conflation. N navigator-tier clients (1000 ms conflation) and a
// few operator-tier reference clients (every update) on one channel published at
// `conflationRate` per second: deliveries and bytes per client per second, the
// age of a value when it is delivered, and whether everyone ends on the newest value.
import { closeClients, connectClients, subscribeClients, waitFor } from "../lib/clients.mjs";
import { availableParallelism } from "node:os";
import { memoryOf, noiseMeter, nowMs } from "../lib/proc.mjs";
import { startChild } from "../lib/rpc.mjs";
import { round, summarize } from "../lib/stats.mjs";

export async function conflation(opts, log) {
  const n = opts.conflationClients;
  const refs = opts.conflationReference;
  const rate = opts.conflationRate;
  const count = Math.round(rate * opts.conflationSeconds);
  const child = await startChild(new URL("../servers/tickwire-server.mjs", import.meta.url), { seed: opts.seed });
  const sockets = [];
  try {
    const tokens = [
      ...(await child.call("tokens", { prefix: "nav-", count: n, tier: "navigator" })),
      ...(await child.call("tokens", { prefix: "op-", count: refs, tier: "operator" })),
    ];
    const total = n + refs;
    const deliveries = new Int32Array(total);
    const bytes = new Float64Array(total);
    const lastSeq = new Int32Array(total);
    let disorder = 0;
    let finished = 0;
    let finalSeq = -1;
    const ages = [];
    const onQuote = (i) => (data, meta) => {
      const t = nowMs();
      deliveries[i]++;
      bytes[i] += JSON.stringify(["quote:update", data, meta]).length + 2;
      if (data.seq <= lastSeq[i]) disorder++;
      lastSeq[i] = data.seq;
      if (data.seq === finalSeq) finished++;
      if (i < n) ages.push(t - data.sentAt);
    };
    sockets.push(...(await connectClients(child.info.url, tokens, { concurrency: opts.connectConcurrency, attach: (s, i) => s.on("quote:update", onQuote(i)) })));
    await subscribeClients(sockets, () => ({ channels: ["quotes:CONF"] }));
    log(`  conflation: ${n} navigator + ${refs} operator clients; ${count} quotes at ${rate}/s`);

    const stats0 = await child.call("stats");
    const cpu0 = await child.call("cpu");
    const noise = noiseMeter(availableParallelism());
    finalSeq = count;
    const t0 = nowMs();
    const pub = await child.call("publishQuotes", { symbol: "CONF", count, rate, firstSeq: 1 });
    const publishedFor = (nowMs() - t0) / 1000;
    // The newest value is flushed at the end of the last interval (≤ 1 s after the last publish).
    const done = await waitFor(() => finished === total, 5000);
    const cpu1 = await child.call("cpu");
    const stats1 = await child.call("stats");
    const gatewayCpuMs = (cpu1.user - cpu0.user + cpu1.system - cpu0.system) / 1000;
    const machine = noise.stop(gatewayCpuMs);

    const perClient = (from, to) => {
      let d = 0;
      let b = 0;
      for (let i = from; i < to; i++) {
        d += deliveries[i];
        b += bytes[i];
      }
      const clients = to - from;
      return { deliveriesPerClientPerSec: round(d / clients / publishedFor, 2), bytesPerClientPerSec: round(b / clients / publishedFor, 0), deliveries: d };
    };
    const navigator = perClient(0, n);
    const operator = perClient(n, total);
    return {
      clients: n,
      referenceClients: refs,
      ratePerSec: rate,
      published: pub.published,
      seconds: round(publishedFor, 2),
      ok: done && disorder === 0 && pub.failed === 0,
      allGotNewestValue: done,
      disorder,
      navigator: { ...navigator, ageAtDeliveryMs: summarize(ages) },
      operator,
      bytesSavedPct: round((1 - navigator.bytesPerClientPerSec / operator.bytesPerClientPerSec) * 100, 1),
      deliveriesSavedPct: round((1 - navigator.deliveriesPerClientPerSec / operator.deliveriesPerClientPerSec) * 100, 1),
      conflatedByServer: stats1.conflated - stats0.conflated,
      gatewayCpuMs: round(gatewayCpuMs, 1),
      gatewayCpuPct: round((gatewayCpuMs / machine.wallMs) * 100, 1),
      otherCpuPct: round(machine.otherCpuPct, 1),
      gatewayRssKb: memoryOf(child.pid).rssKb,
    };
  } finally {
    closeClients(sockets);
    await child.stop();
  }
}
