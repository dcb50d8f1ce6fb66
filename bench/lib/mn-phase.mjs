// One measured phase of the multi-node benchmark, the same for both systems: what
// the subscribers received, what the node processes and each Redis master spent
// (from /proc and `INFO cpu`, before and after), and what passed through each master.
import { availableParallelism, loadavg } from "node:os";
import { machineBusySince, machineMark, processCpuMs } from "./proc.mjs";
import { redisCommandStats, redisCpuMs } from "./redis-cluster.mjs";
import { perPublicationUs } from "./shard-cost.mjs";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const round = (x, digits = 0) => (x === undefined || !Number.isFinite(x) ? x : Math.round(x * 10 ** digits) / 10 ** digits);
export const loadAverage = () => loadavg().map((x) => round(x, 2));

export function percentile(sorted, p) {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/**
 * What the system spends with its nodes up and the subscribers connected, nothing
 * published: Redis CPU ms per second of each master (taken off each phase's), and
 * the node processes' CPU ms per second (reported: it is part of what a node costs).
 */
export async function measureIdle(target, masters, seconds) {
  const before = masters.map(redisCpuMs);
  const nodeBefore = target.nodes.map((n) => processCpuMs(n.pid));
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const s = (performance.now() - t0) / 1000;
  const nodeMs = target.nodes.reduce((sum, n, i) => sum + processCpuMs(n.pid) - nodeBefore[i], 0);
  return { seconds: round(s, 1), redisCpuMsPerSecond: Object.fromEntries(masters.map((port, i) => [port, round((redisCpuMs(port) - before[i]) / s, 3)])), nodeCpuMsPerSecond: round(nodeMs / s, 1) };
}

/**
 * Measures `seconds` of steady publishing with subscribers on the first
 * `subscribedNodes` nodes. `idle` is measureIdle's answer (taken off each master).
 */
export async function measurePhase({ target, masters, masterOfChannel, subs, lanes, seconds, subscribedNodes, idle }) {
  const loadStart = loadAverage();
  const machine = machineMark();
  const own = process.cpuUsage();
  const delivered = subs.map((s) => s.mark());
  const nodeCpu = target.nodes.map((n) => processCpuMs(n.pid));
  const redisCpu = masters.map(redisCpuMs);
  const commands = masters.map(redisCommandStats);
  const published = lanes.published();
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const wallS = (performance.now() - t0) / 1000;
  const redisCpuAfter = masters.map(redisCpuMs);
  const commandsAfter = masters.map(redisCommandStats);
  const nodeCpuMs = target.nodes.reduce((sum, n, i) => sum + (processCpuMs(n.pid) - nodeCpu[i]), 0);
  const publishedAfter = lanes.published();
  const machineBusyPct = machineBusySince(machine, availableParallelism());
  const ownCpu = process.cpuUsage(own);
  const perNode = target.nodes.map((_, n) => subs.reduce((sum, s, i) => sum + (s.node === n ? s.deliveries - delivered[i] : 0), 0));
  const deliveries = perNode.reduce((a, b) => a + b, 0);
  const publications = [...publishedAfter].reduce((sum, [c, n]) => sum + n - published.get(c), 0);
  const perMaster = masters.map((port, i) => {
    const pubs = [...publishedAfter].reduce((sum, [c, n]) => sum + (masterOfChannel.get(c) === port ? n - published.get(c) : 0), 0);
    const cpuMs = redisCpuAfter[i] - redisCpu[i];
    const us = perPublicationUs({ cpuMs, seconds: wallS, idleCpuMsPerSecond: idle.redisCpuMsPerSecond[port], publications: pubs });
    return { port, publications: pubs, cpuMs: round(cpuMs, 1), idleCpuMs: round(idle.redisCpuMsPerSecond[port] * wallS, 1), usPerPublication: round(us, 1) };
  });
  const carrying = perMaster.filter((m) => m.publications > 0);
  const busyMs = carrying.reduce((sum, m) => sum + Math.max(0, m.cpuMs - m.idleCpuMs), 0);
  const carried = carrying.reduce((sum, m) => sum + m.publications, 0);
  const usPerPublication = carried > 0 ? (busyMs * 1000) / carried : undefined;
  // Where a master's time goes, per publication: the commands' own time (`INFO commandstats`, without the network I/O `INFO cpu` also counts).
  const perCommand = {};
  masters.forEach((port, i) => {
    for (const [cmd, after] of commandsAfter[i]) {
      const before = commands[i].get(cmd) ?? { calls: 0, usec: 0 };
      const c = (perCommand[cmd] ??= { calls: 0, usec: 0 });
      c.calls += after.calls - before.calls;
      c.usec += after.usec - before.usec;
    }
  });
  const commandsPerPublication = Object.fromEntries(
    Object.entries(perCommand)
      .filter(([, c]) => c.calls > 0)
      .sort((a, b) => b[1].usec - a[1].usec)
      .map(([cmd, c]) => [cmd, { calls: round(c.calls / Math.max(1, publications), 2), us: round(c.usec / Math.max(1, publications), 1) }]),
  );
  const all = subs.flatMap((s) => (s.live ? s.latencies : [])).sort((a, b) => a - b);
  const cross = subs.flatMap((s) => (s.live ? s.crossLatencies : [])).sort((a, b) => a - b);
  return {
    subscribedNodes,
    subscribers: subs.length,
    seconds: round(wallS, 1),
    publicationsPerSecond: round(publications / wallS, 1),
    deliveriesPerSecondPerNode: perNode.map((d) => round(d / wallS)),
    deliveriesPerSecond: round(deliveries / wallS),
    latencyMs: { p50: percentile(all, 50), p99: percentile(all, 99), crossNodeP50: percentile(cross, 50), crossNodeP99: percentile(cross, 99), samples: all.length },
    nodeCpuMsPer1000Deliveries: deliveries > 0 ? round((nodeCpuMs * 1000) / deliveries, 2) : undefined,
    nodeCpuMsPerPublication: publications > 0 ? round(nodeCpuMs / publications, 3) : undefined,
    nodeCpuPctOfCore: round((nodeCpuMs / (wallS * 1000)) * 100, 1),
    redis: {
      masters: perMaster,
      usPerPublication: round(usPerPublication, 1),
      usPerPublicationAndNode: usPerPublication === undefined ? undefined : round(usPerPublication / subscribedNodes, 1),
      commandsPerPublication,
      cpuPctOfCoreBusiestMaster: round(Math.max(...carrying.map((m) => (Math.max(0, m.cpuMs - m.idleCpuMs) / (wallS * 1000)) * 100), 0), 2),
    },
    loadAverage: { start: loadStart, end: loadAverage() },
    machineBusyPctOfCore: round(machineBusyPct, 0),
    // The subscribers and publishers live in this process: a saturated load generator caps the rates.
    loadGeneratorCpuPctOfCore: round(((ownCpu.user + ownCpu.system) / 1000 / (wallS * 1000)) * 100, 0),
  };
}
