// Scenarios 1 and 2: quote fan-out to N operator-tier clients (no conflation),
// against Tickwire or against the hand-rolled Socket.IO baseline, each in a child
// process so that its CPU and memory are measured apart from the load generator.
import { closeClients, connectClients, subscribeClients, waitFor } from "../lib/clients.mjs";
import { availableParallelism } from "node:os";
import { join, resolve } from "node:path";
import { machineBusySince, machineMark, memoryOf, nowMs } from "../lib/proc.mjs";
import { startChild } from "../lib/rpc.mjs";
import { medianOfRuns, round, spread, summarize } from "../lib/stats.mjs";

const SERVERS = {
  tickwire: { module: new URL("../servers/tickwire-server.mjs", import.meta.url), subscribe: () => ({ channels: ["quotes:BENCH"] }) },
  baseline: { module: new URL("../servers/baseline-server.mjs", import.meta.url), subscribe: () => ({ symbols: ["BENCH"] }) },
};

/**
 * Runs the fan-out against each of `servers` ("tickwire", "baseline"): all of them
 * are started and connected first, then the measured runs alternate between them
 * (A B, B A, A B …) so that a change in the load of a shared machine hits both.
 * @example const { tickwire, baseline } = await fanout(["tickwire", "baseline"], opts, console.log);
 */
export async function fanout(servers, opts, log) {
  const targets = [];
  try {
    for (const server of servers) targets.push(await openTarget(server, opts, log));
    for (const t of targets) await t.warmup();
    if (opts.cpuProf) for (const t of targets) await t.child.call("startProfile");
    for (let r = 0; r < opts.runs; r++) for (const t of r % 2 ? [...targets].reverse() : targets) await t.run(r);
    const out = {};
    for (const t of targets) out[t.server] = await t.result();
    return out;
  } finally {
    for (const t of targets) await t.close();
  }
}

/**
 * Starts one server child and connects `clients` sockets subscribed to BENCH.
 * Each run publishes `quotes` quotes at `rate` per second; every client must
 * receive every seq in order (and, for Tickwire, meta.offset === seq).
 */
async function openTarget(server, opts, log) {
  const spec = SERVERS[server];
  const { clients: n, quotes: m, rate, runs, warmup } = opts;
  const child = await startChild(spec.module, { seed: opts.seed });
  const sockets = [];
  const close = async () => {
    closeClients(sockets);
    await child.stop();
  };
  try {
    const tokens = await child.call("tokens", { prefix: "fan-", count: n, tier: "operator" });
    await child.call("gc");
    const rssBefore = memoryOf(child.pid);

    // Per-client receive state, kept in typed arrays so the load generator stays cheap.
    const next = new Int32Array(n);
    let target = 0;
    let completed = 0;
    let received = 0;
    let dups = 0;
    let gaps = 0;
    let offsetMismatch = 0;
    let recording = false;
    let lat = new Float64Array(0);
    let latMeta = new Float64Array(0);
    let k = 0;
    let lastRecv = 0;
    let frameBytes = 0;
    const onQuote = (i) => (data, meta) => {
      const t = nowMs();
      const seq = data.seq;
      received++;
      if (seq === next[i]) {
        if (++next[i] === target) completed++;
      } else if (seq < next[i]) dups++;
      else {
        gaps += seq - next[i];
        next[i] = seq + 1;
        if (next[i] === target) completed++;
      }
      if (meta !== undefined && meta.offset !== seq) offsetMismatch++;
      if (recording && k < lat.length) {
        lat[k] = t - data.sentAt;
        if (meta !== undefined) latMeta[k] = Date.now() - meta.ts;
        k++;
      }
      if (frameBytes === 0) frameBytes = JSON.stringify(meta === undefined ? ["quote:update", data] : ["quote:update", data, meta]).length + 2;
      lastRecv = t;
    };

    const c0 = performance.now();
    sockets.push(...(await connectClients(child.info.url, tokens, { concurrency: opts.connectConcurrency, attach: (s, i) => s.on("quote:update", onQuote(i)) })));
    const connectMs = performance.now() - c0;
    await subscribeClients(sockets, spec.subscribe);
    const setupMs = performance.now() - c0;
    await child.call("gc");
    const rssAfterConnect = memoryOf(child.pid);

    let seq = 0;
    const phase = async (count, record) => {
      next.fill(seq + 1);
      target = seq + count + 1;
      completed = received = dups = gaps = offsetMismatch = k = 0;
      frameBytes = 0;
      recording = record;
      if (record && lat.length < n * count) {
        lat = new Float64Array(n * count);
        latMeta = new Float64Array(n * count);
      }
      const superseded0 = server === "tickwire" ? (await child.call("stats")).superseded : 0;
      const cpu0 = await child.call("cpu");
      const load0 = process.cpuUsage();
      const machine0 = machineMark();
      const t0 = nowMs();
      const pub = await child.call("publishQuotes", { symbol: "BENCH", count, rate, firstSeq: seq + 1 });
      const done = await waitFor(() => completed === n, opts.drainTimeoutMs);
      const cpu1 = await child.call("cpu");
      // Tickwire drops intermediate quotes for a backed-up socket (state channel, latest wins): counted, not hidden.
      const superseded = server === "tickwire" ? (await child.call("stats")).superseded - superseded0 : 0;
      const load = process.cpuUsage(load0);
      const machineBusy = machineBusySince(machine0, availableParallelism());
      seq += count;
      const wallMs = lastRecv - t0;
      const gatewayCpuMs = (cpu1.user - cpu0.user + cpu1.system - cpu0.system) / 1000;
      let missing = 0;
      for (let i = 0; i < n; i++) missing += target - next[i];
      return {
        ok: done && dups === 0 && gaps === 0 && missing === 0 && offsetMismatch === 0 && pub.failed === 0,
        expected: n * count,
        received,
        missing,
        gaps,
        dups,
        offsetMismatch,
        superseded,
        publishFailed: pub.failed,
        publishError: pub.firstError,
        deliveriesPerSec: round((received * 1000) / wallMs, 0),
        offeredPerSec: n * rate,
        latencyMs: summarize(lat, k),
        latencyMetaTsMs: server === "tickwire" ? summarize(latMeta, k) : undefined,
        gatewayCpuMs: round(gatewayCpuMs, 1),
        gatewayCpuPct: round((gatewayCpuMs / wallMs) * 100, 1),
        gatewayCpuMsPer1000Deliveries: round((gatewayCpuMs / received) * 1000, 3),
        loadgenCpuPct: round(((load.user + load.system) / 1000 / wallMs) * 100, 1),
        // CPU used by other processes of the machine meanwhile (% of one core): the noise of a shared machine.
        otherCpuPct: machineBusy === undefined ? undefined : round(Math.max(0, machineBusy - ((gatewayCpuMs + (load.user + load.system) / 1000) / wallMs) * 100), 1),
        frameBytes,
        wallMs: round(wallMs, 0),
      };
    };

    log(`  ${server}: ${n} clients connected in ${round(connectMs / 1000, 2)} s`);
    let warm;
    let idleCpuPct = 0;
    const measured = [];
    return {
      server,
      child,
      close,
      async warmup() {
        warm = await phase(warmup, false);
        // What the server burns with its clients connected and nothing published (timers, metrics, pings).
        const i0 = await child.call("cpu");
        const t0 = performance.now();
        await new Promise((r) => setTimeout(r, opts.idleMs));
        const i1 = await child.call("cpu");
        idleCpuPct = ((i1.user - i0.user + i1.system - i0.system) / 1000 / (performance.now() - t0)) * 100;
        if (!warm.ok) log(`  ${server}: warm-up not clean: ${JSON.stringify({ missing: warm.missing, gaps: warm.gaps, dups: warm.dups, superseded: warm.superseded })}`);
      },
      async run(r) {
        const res = await phase(m, true);
        res.idleCpuPct = round(idleCpuPct, 2);
        res.netCpuMsPer1000Deliveries = round(((res.gatewayCpuMs - (idleCpuPct / 100) * res.wallMs) / res.received) * 1000, 3);
        measured.push(res);
        log(`  ${server} run ${r + 1}/${runs}: ${res.deliveriesPerSec} deliveries/s, p50 ${res.latencyMs.p50} ms, p99 ${res.latencyMs.p99} ms, ${res.gatewayCpuMsPer1000Deliveries} CPU ms/1000, other CPU ${res.otherCpuPct} %, ok=${res.ok}`);
      },
      async result() {
        const profile = opts.cpuProf ? await child.call("stopProfile", { file: join(resolve(opts.profDir), `${server}-fanout.cpuprofile`) }) : undefined;
        const rssAfterRuns = memoryOf(child.pid);
        const stats = await child.call("stats");
        return {
          server,
          clients: n,
          quotesPerRun: m,
          ratePerSec: rate,
          warmupQuotes: warmup,
          runs: measured.length,
          ok: measured.every((x) => x.ok) && warm.ok,
          connect: { ms: round(connectMs, 0), setupMs: round(setupMs, 0), perSec: round((n * 1000) / connectMs, 0) },
          memory: {
            rssBeforeClientsKb: rssBefore.rssKb,
            rssAfterClientsKb: rssAfterConnect.rssKb,
            perConnectionKb: round((rssAfterConnect.rssKb - rssBefore.rssKb) / n, 1),
            rssAfterRunsKb: rssAfterRuns.rssKb,
            peakRssKb: rssAfterRuns.hwmKb,
          },
          median: medianOfRuns(measured),
          spread: { deliveriesPerSec: spread(measured.map((x) => x.deliveriesPerSec)), p99: spread(measured.map((x) => x.latencyMs.p99)), cpuPer1000: spread(measured.map((x) => x.gatewayCpuMsPer1000Deliveries)) },
          perRun: measured,
          profile,
          serverStats: server === "tickwire" ? { deliveries: stats.deliveries, latencyMs: stats.latencyMs, slowConsumerDisconnects: stats.slowConsumerDisconnects, superseded: stats.superseded } : stats,
        };
      },
    };
  } catch (err) {
    await close();
    throw err;
  }
}
