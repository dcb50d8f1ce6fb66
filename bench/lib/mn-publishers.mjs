// The multi-node benchmark's publishers: one lane per channel, paced so that both
// systems are offered the same rate, each publication sent over HTTP to the next
// node in turn and stamped with its send time, the node it went to and the
// channel's `seq`. A lane waits for each answer before the next publication of its
// channel, so `seq` is the order a subscriber must see on either system; a refused
// publication is sent again with the same `seq` until a node accepts it. No
// idempotency key: Tickwire would store one per publication, work plain Socket.IO
// does not do (so a refused publication that did run can arrive twice, after a fault).
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts publishing `ratePerSecond` publications in all over `channels` through `target`'s
 * nodes `throughNodes` (all by default).
 * `stats` per channel: published (accepted), refused, and for Tickwire `accepted`
 * (epoch -> highest accepted offset). `stop()` resolves once every lane has stopped.
 */
export function startLanes(target, channels, ratePerSecond, { throughNodes = target.nodes.map((_, i) => i) } = {}) {
  const intervalMs = (channels.length * 1000) / ratePerSecond;
  const stats = new Map(channels.map((c) => [c, { published: 0, refused: 0, accepted: new Map() }]));
  let stopping = false;
  const lane = async (channel, laneIndex) => {
    const s = stats.get(channel);
    let next = performance.now() + (laneIndex * intervalMs) / channels.length;
    let turn = laneIndex;
    while (!stopping) {
      const wait = next - performance.now();
      if (wait > 0) await sleep(wait);
      if (stopping) break;
      const seq = s.published + 1;
      for (;;) {
        const live = throughNodes.filter((i) => !target.nodes[i].dead);
        const node = live[turn % live.length];
        const r = await target.publish(node, channel, { t: Date.now(), seq, n: node });
        if (r.ok) {
          s.published = seq;
          if (r.epoch !== undefined) s.accepted.set(r.epoch, Math.max(s.accepted.get(r.epoch) ?? 0, r.offset));
          break;
        }
        s.refused++;
        turn++;
        if (stopping) return;
        await sleep(20);
      }
      turn++;
      // Late (a slow answer): carry on from now rather than bursting to catch up.
      next = Math.max(next + intervalMs, performance.now() - intervalMs);
    }
  };
  const lanes = channels.map((c, i) => lane(c, i));
  return {
    stats,
    /** Accepted publications so far, per channel. */
    published: () => new Map([...stats].map(([c, s]) => [c, s.published])),
    refused: () => [...stats.values()].reduce((n, s) => n + s.refused, 0),
    async stop() {
      stopping = true;
      await Promise.all(lanes);
    },
  };
}
