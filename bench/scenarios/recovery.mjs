// Scenario 5: recovery. One client on its trades channel disconnects, `recoveryGap`
// publications go to the channel, the client reconnects and subscribes with
// `since`: the time to get the replay, and a check that it has no gap and no
// duplicate, that the reply says recovered, and that live delivery resumes.
import { closeClients, connectClients, waitFor } from "../lib/clients.mjs";
import { startChild } from "../lib/rpc.mjs";
import { medianOfRuns, round } from "../lib/stats.mjs";

export async function recovery(opts, log) {
  const gap = opts.recoveryGap;
  const child = await startChild(new URL("../servers/tickwire-server.mjs", import.meta.url), { seed: opts.seed });
  const open = [];
  try {
    const runs = [];
    for (let r = 0; r < opts.runs + 1; r++) {
      const user = `rec-${r}`;
      const [token] = await child.call("tokens", { prefix: "rec-", count: 1, tier: "participant", start: r });
      const offsets = [];
      const onTrade = (_data, meta) => offsets.push(meta.offset);
      // 1. Live: subscribe and receive a few publications.
      const [first] = await connectClients(child.info.url, [token], { attach: (s) => s.on("trade:update", onTrade) });
      open.push(first);
      const sub = await first.timeout(10_000).emitWithAck("subscribe", { channels: ["trades"] });
      const epoch = sub.subscribed[0].epoch;
      await child.call("publishTrades", { users: [user], count: 5, rate: 0, concurrency: 1 });
      await waitFor(() => offsets.length === 5, 10_000);
      const last = offsets.at(-1);
      first.disconnect();
      // 2. Missed while away.
      await child.call("publishTrades", { users: [user], count: gap, rate: 0, concurrency: 50 });
      // 3. Back with `since`.
      offsets.length = 0;
      const t0 = performance.now();
      const [second] = await connectClients(child.info.url, [token], { attach: (s) => s.on("trade:update", onTrade) });
      open.push(second);
      const t1 = performance.now();
      const reply = await second.timeout(30_000).emitWithAck("subscribe", { channels: [{ channel: "trades", since: { offset: last, epoch } }] });
      const t2 = performance.now();
      const replayedBeforeReply = offsets.length;
      // 4. Live again: the next publications follow without a gap.
      await child.call("publishTrades", { users: [user], count: 5, rate: 0, concurrency: 1 });
      await waitFor(() => offsets.length === gap + 5, 10_000);
      let inOrder = offsets.length === gap + 5;
      for (let i = 0; i < offsets.length && inOrder; i++) if (offsets[i] !== last + 1 + i) inOrder = false;
      const s = reply.subscribed?.[0] ?? {};
      const res = {
        ok: inOrder && s.recovered === true && s.replayed === gap && replayedBeforeReply === gap,
        recovered: s.recovered,
        replayed: s.replayed,
        replayedBeforeReply,
        noGapNoDup: inOrder,
        reconnectMs: round(t1 - t0, 1),
        replayMs: round(t2 - t1, 1),
        totalMs: round(t2 - t0, 1),
        replayedPerSec: round((gap * 1000) / (t2 - t1), 0),
      };
      second.disconnect();
      if (r === 0) continue; // warm-up
      runs.push(res);
      log(`  recovery run ${r}/${opts.runs}: ${gap} replayed in ${res.replayMs} ms (reconnect ${res.reconnectMs} ms), recovered=${res.recovered}, ok=${res.ok}`);
    }
    return { gap, runs: runs.length, ok: runs.every((r) => r.ok), median: medianOfRuns(runs), perRun: runs };
  } finally {
    closeClients(open);
    await child.stop();
  }
}
