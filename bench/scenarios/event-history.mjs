// Scenario 4: event channels with history. K users, one subscriber each on
// trades:{user}; every publication is written to SQLite before it is fanned out.
// A burst run (as fast as possible) gives the publish rate; a paced run gives
// end-to-end latency at a rate the store keeps up with. Every subscriber must
// see offsets start+1… with no gap, no duplicate, and data.seq === meta.offset.
import { closeClients, connectClients, subscribeClients, waitFor } from "../lib/clients.mjs";
import { availableParallelism } from "node:os";
import { join, resolve } from "node:path";
import { noiseMeter, nowMs } from "../lib/proc.mjs";
import { startChild } from "../lib/rpc.mjs";
import { medianOfRuns, round, spread, summarize } from "../lib/stats.mjs";

export async function eventHistory(opts, log) {
  const k = opts.users;
  const users = Array.from({ length: k }, (_, i) => `hist-${i}`);
  const child = await startChild(new URL("../servers/tickwire-server.mjs", import.meta.url), { seed: opts.seed });
  const sockets = [];
  try {
    const tokens = await child.call("tokens", { prefix: "hist-", count: k, tier: "participant" });
    const next = new Int32Array(k);
    let target = new Int32Array(k);
    let completed = 0;
    let gaps = 0;
    let dups = 0;
    let mismatch = 0;
    let lat = [];
    const onTrade = (i) => (data, meta) => {
      const t = nowMs();
      if (meta.offset === next[i]) next[i]++;
      else if (meta.offset < next[i]) dups++;
      else {
        gaps += meta.offset - next[i];
        next[i] = meta.offset + 1;
      }
      if (next[i] === target[i]) completed++;
      if (data.seq !== meta.offset || data.userId !== users[i]) mismatch++;
      lat.push(t - data.sentAt);
    };
    sockets.push(...(await connectClients(child.info.url, tokens, { concurrency: opts.connectConcurrency, attach: (s, i) => s.on("trade:update", onTrade(i)) })));
    const replies = await subscribeClients(sockets, () => ({ channels: ["trades"] }));
    for (let i = 0; i < k; i++) next[i] = replies[i].subscribed[0].offset + 1;

    const phase = async (count, rate) => {
      target = Int32Array.from(next, (v, i) => v + Math.floor(count / k) + (i < count % k ? 1 : 0));
      completed = gaps = dups = mismatch = 0;
      for (let i = 0; i < k; i++) if (next[i] === target[i]) completed++;
      lat = [];
      const cpu0 = await child.call("cpu");
      const noise = noiseMeter(availableParallelism());
      const t0 = nowMs();
      const pub = await child.call("publishTrades", { users, count, rate, concurrency: opts.tradeConcurrency });
      const done = await waitFor(() => completed === k, opts.drainTimeoutMs);
      const wallMs = nowMs() - t0;
      const cpu1 = await child.call("cpu");
      const cpuMs = (cpu1.user - cpu0.user + cpu1.system - cpu0.system) / 1000;
      const machine = noise.stop(cpuMs);
      let missing = 0;
      for (let i = 0; i < k; i++) missing += target[i] - next[i];
      return {
        ok: done && gaps === 0 && dups === 0 && mismatch === 0 && missing === 0 && pub.failed === 0,
        published: pub.published,
        publishFailed: pub.failed,
        publishError: pub.firstError,
        publishesPerSec: round(pub.perSecond, 0),
        publishMs: round(pub.publishMs, 0),
        gatewayCpuMsPerPublication: round(cpuMs / count, 3),
        gatewayCpuPct: round((cpuMs / wallMs) * 100, 1),
        otherCpuPct: round(machine.otherCpuPct, 1),
        latencyMs: summarize(lat),
        missing,
        gaps,
        dups,
        mismatch,
        wallMs: round(wallMs, 0),
      };
    };

    log(`  history: ${k} users; warm-up`);
    await phase(Math.min(200, opts.trades), 0);
    if (opts.cpuProf) await child.call("startProfile");
    const burst = [];
    const paced = [];
    for (let r = 0; r < opts.runs; r++) {
      burst.push(await phase(opts.trades, 0));
      paced.push(await phase(opts.tradesPaced, opts.tradeRate));
      const b = burst.at(-1);
      const p = paced.at(-1);
      log(`  history run ${r + 1}/${opts.runs}: burst ${b.publishesPerSec} publishes/s (p99 ${b.latencyMs.p99} ms), paced ${opts.tradeRate}/s p50 ${p.latencyMs.p50} ms p99 ${p.latencyMs.p99} ms, ok=${b.ok && p.ok}`);
    }
    const profile = opts.cpuProf ? await child.call("stopProfile", { file: join(resolve(opts.profDir), "tickwire-history.cpuprofile") }) : undefined;
    return {
      profile,
      users: k,
      tradesPerBurst: opts.trades,
      concurrency: opts.tradeConcurrency,
      tradesPaced: opts.tradesPaced,
      tradeRatePerSec: opts.tradeRate,
      runs: opts.runs,
      ok: burst.every((r) => r.ok) && paced.every((r) => r.ok),
      burst: medianOfRuns(burst),
      paced: medianOfRuns(paced),
      spread: { burstPublishesPerSec: spread(burst.map((r) => r.publishesPerSec)), pacedP99: spread(paced.map((r) => r.latencyMs.p99)) },
      perRun: { burst, paced },
    };
  } finally {
    closeClients(sockets);
    await child.stop();
  }
}
