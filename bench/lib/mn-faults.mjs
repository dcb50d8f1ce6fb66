// Tickwire's checks of the multi-node benchmark that need offsets (plain Socket.IO
// has none, so they are "not applicable" to it): clients moved to another node
// recover with `since`; a node SIGKILLed, its clients recover on another; a Redis
// master SIGKILLed under load; and at the end every accepted publication of each
// channel's current epoch reached every subscriber, earlier epochs' gaps announced by `resync`.
import { token } from "./mn-targets.mjs";
import { waitFor } from "./redis-cluster.mjs";

const urlsOf = (target) => target.nodes.map((n) => n.url);

/** A tenth of node 0's clients close and subscribe again on node 1 with `since`. */
export async function recoveryCheck(target, subs, channels, clients) {
  const movers = subs.filter((s) => s.node === 0).slice(0, Math.max(1, Math.floor(clients / 10)));
  let recovered = 0;
  for (const s of movers) {
    s.close();
    s.live = false;
    const replies = await s.connect(urlsOf(target), 1, await token(s.user), { since: true });
    recovered += replies.filter((r) => r.recovered === true).length;
  }
  return { moved: movers.length, channelsRecovered: recovered, channelsAsked: movers.length * channels.length };
}

/** Node 2 SIGKILLed (its clients recover on node 0), then the master of `channels[0]` SIGKILLed. */
export async function faultChecks({ target, cluster, subs, lanes, channels }) {
  const victim = target.nodes[2];
  victim.dead = true;
  victim.kill();
  const orphans = subs.filter((s) => s.node === 2);
  let orphanRecovered = 0;
  for (const s of orphans) {
    s.live = false;
    const replies = await s.connect(urlsOf(target), 0, await token(s.user), { since: true });
    orphanRecovered += replies.filter((r) => r.recovered === true).length;
  }
  // Publishing goes on through the two live nodes before the master is killed.
  const publishedBefore = [...lanes.published().values()].reduce((a, b) => a + b, 0);
  await waitFor(() => [...lanes.published().values()].reduce((a, b) => a + b, 0) >= publishedBefore + channels.length * 5, 30_000, "publishing through the survivors");
  const key = target.pubsubNameOf(channels[0]);
  const masterPort = cluster.masterOf(key);
  const refusedBefore = lanes.refused();
  cluster.procs[cluster.ports.indexOf(masterPort)].kill("SIGKILL");
  const killedAt = Date.now();
  // Until another node serves the slot (the dead master is flagged failed after the node timeout).
  await waitFor(() => cluster.masterOf(key) !== masterPort, 30_000, "the replica to take over");
  const failoverMs = Date.now() - killedAt;
  // Publishing goes on through the promoted replica before the end.
  const afterFailover = lanes.published().get(channels[0]);
  await waitFor(() => lanes.published().get(channels[0]) >= afterFailover + 5, 30_000, "publishing on the new master");
  await lanes.stop();
  const accepted = (c) => lanes.stats.get(c).accepted;
  const finalEpoch = (c) => [...accepted(c).keys()].pop();
  const reached = () => subs.every((s) => channels.every((c) => (s.last.get(c)?.epoch === finalEpoch(c) ? s.last.get(c).offset : -1) === accepted(c).get(finalEpoch(c))));
  await waitFor(reached, 30_000, "every subscriber to reach the last publication").catch(() => undefined);
  let missingUnannounced = 0;
  let missingCurrent = 0;
  const examples = [];
  for (const s of subs) {
    for (const c of channels) {
      for (const [epoch, max] of accepted(c)) {
        const got = new Set(s.seen.get(c).get(epoch) ?? []);
        // A live subscription starts at its first delivery; a later epoch is owed from its first offset.
        const from = s.first.get(c)?.epoch === epoch ? s.first.get(c).offset : 1;
        let missing = 0;
        for (let o = from; o <= max; o++) if (!got.has(o)) missing++;
        if (missing === 0) continue;
        if (examples.length < 10) examples.push({ user: s.user, node: s.node, channel: c, epoch, accepted: max, received: got.size, resyncs: s.resyncs.get(c) ?? 0, last: s.last.get(c) });
        if (epoch === finalEpoch(c)) missingCurrent += missing;
        else if ((s.resyncs.get(c) ?? 0) === 0) missingUnannounced += missing;
      }
    }
  }
  return {
    nodeKilled: { clients: orphans.length, channelsRecovered: orphanRecovered, channelsAsked: orphans.length * channels.length },
    masterKilled: { failoverMs, refusedPublishes: lanes.refused() - refusedBefore, channelsWithNewEpoch: channels.filter((c) => accepted(c).size > 1).length },
    missingOfCurrentEpoch: missingCurrent,
    missingWithoutResync: missingUnannounced,
    missingExamples: examples,
    resyncsReceived: subs.reduce((n, s) => n + [...s.resyncs.values()].reduce((a, b) => a + b, 0), 0),
  };
}
