#!/usr/bin/env node
// Multi-node benchmark: a Redis Cluster of three masters (each with a replica) and, one
// after the other on it, three plain Socket.IO 4.8 nodes with the sharded Redis adapter and
// three Tickwire nodes, all on this machine. `npm run bench:multi-node` or
// `node bench/multi-node.mjs [--quick] [--seconds 15] [--clients 30] [--channels 12] [--rate 150]
// [--only socketio,tickwire] [--publish-through all|one] [--no-faults]`.
// Both systems get the same workload: the same subscribers per node on the same channels,
// the same paced HTTP publishes, the same payload. Each is measured with subscribers on
// 1, then 2, then 3 nodes, then 3 and stand-in subscribed nodes (lib/mn-standins.mjs):
// deliveries/s per node, latency p50/p99 (all, and cross-node), CPU of the node processes
// per 1000 deliveries, each Redis master's CPU (`INFO cpu`) per publication of its slots,
// the machine's load. Checks on both: order (`seq`) and loss. Tickwire only (Socket.IO
// keeps no offsets): recovery with `since` on another node, a node SIGKILLed and a Redis
// master SIGKILLed under load. Writes bench/results/multi-node.json (--quick:
// multi-node-quick.json). Needs redis-server and redis-cli (Debian's redis-server).
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { faultChecks, recoveryCheck } from "./lib/mn-faults.mjs";
import { loadAverage, measureIdle, measurePhase } from "./lib/mn-phase.mjs";
import { startLanes } from "./lib/mn-publishers.mjs";
import { startStandIns } from "./lib/mn-standins.mjs";
import { Subscriber } from "./lib/mn-subscriber.mjs";
import { CLI, startSocketIo, startTickwire, token } from "./lib/mn-targets.mjs";
import { startCluster, waitFor } from "./lib/redis-cluster.mjs";
import { fitPerNode, nodesWithinBudget } from "./lib/shard-cost.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const QUICK = args.includes("--quick");
const arg = (name, full, quick) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : QUICK ? quick : full;
};
const SECONDS = arg("seconds", 15, 4);
const CLIENTS = arg("clients", 30, 10);
const CHANNELS = arg("channels", 12, 6);
const RATE = arg("rate", 150, 60);
const IDLE_SECONDS = arg("idle-seconds", 3, 2);
const FAULTS = !args.includes("--no-faults");
// `--publish-through one`: every publication through node 0 (plain Socket.IO then keeps each channel's order).
const THROUGH = args.indexOf("--publish-through") >= 0 ? args[args.indexOf("--publish-through") + 1] : "all";
if (!["all", "one"].includes(THROUGH)) throw new Error(`--publish-through is "all" or "one", not ${THROUGH}`);
const only = args.indexOf("--only") >= 0 ? args[args.indexOf("--only") + 1].split(",") : ["socketio", "tickwire"];
if (!only.every((k) => k === "tickwire" || k === "socketio")) throw new Error(`--only takes tickwire and socketio, not ${only.join(",")}`);
// Stand-in subscribed nodes added after the three real ones, in turn (totals): up to 96, where what
// a node costs its master outweighs the noise of a shared machine.
const STAND_INS = QUICK ? [16] : [8, 32, 96];
// Publications per second of one master's channels, for the "nodes one master carries" table.
const WORKLOADS = [100, 500, 1000, 5000];
// Public event channels with history and nothing copied elsewhere (a `signals:{key}` publication
// is also published on `signals`): one publication of Tickwire's is one of Socket.IO's.
const channels = Array.from({ length: CHANNELS }, (_, k) => `feed:b${k}`);
const runId = Date.now().toString(36);
const log = (line) => console.error(line);

const seqChecks = (subs) => ({
  backwards: subs.reduce((n, s) => n + s.seqBackwards, 0),
  duplicates: subs.reduce((n, s) => n + s.seqDuplicates, 0),
  gaps: subs.reduce((n, s) => n + s.seqGaps, 0),
});

function shardCost(phases) {
  const points = phases.map((p) => ({ nodes: p.subscribedNodes, usPerPublication: p.redis.usPerPublication, usPerPublicationAndNode: p.redis.usPerPublicationAndNode }));
  const fit = fitPerNode(points);
  const round1 = (x) => Math.round(x * 10) / 10;
  return {
    points,
    fit: fit && { baseUs: round1(fit.baseUs), perNodeUs: round1(fit.perNodeUs) },
    nodesAtHalfCore:
      fit &&
      WORKLOADS.map((publicationsPerSecond) => {
        const nodes = nodesWithinBudget(fit, publicationsPerSecond, 0.5);
        return { publicationsPerSecond, nodes: Number.isFinite(nodes) ? nodes : "not bounded here: a subscribed node added less than the noise" };
      }),
  };
}

async function runSystem(kind, cluster, masters, dir) {
  const target = kind === "tickwire" ? await startTickwire(cluster, `bench${runId}:`, dir) : await startSocketIo(cluster);
  const urls = target.nodes.map((n) => n.url);
  const subs = [];
  for (let n = 0; n < 3; n++) for (let i = 0; i < CLIENTS; i++) subs.push(new Subscriber(`${kind}-u${n}-${i}`, n, channels));
  let lanes;
  try {
    for (const s of subs) await s.open(urls, s.node, await token(s.user));
    const masterOfChannel = new Map(channels.map((c) => [c, cluster.masterOf(target.pubsubNameOf(c))]));
    const idle = await measureIdle(target, masters, IDLE_SECONDS);
    lanes = startLanes(target, channels, RATE, THROUGH === "one" ? { throughNodes: [0] } : {});
    const phases = [];
    for (let k = 1; k <= 3; k++) {
      const added = subs.filter((s) => s.node === k - 1);
      for (const s of added) await s.subscribe();
      // Measured from when the new subscribers receive: each has had one publication of every channel.
      await waitFor(() => added.every((s) => channels.every((c) => s.lastSeq.has(c))), 30_000, `first deliveries on node ${k - 1}`);
      const phase = await measurePhase({ target, masters, masterOfChannel, subs: subs.filter((s) => s.node < k), lanes, seconds: SECONDS, subscribedNodes: k, idle });
      log(`  ${target.label}, ${k} subscribed node(s): ${phase.deliveriesPerSecond} deliveries/s, ${phase.nodeCpuMsPer1000Deliveries} node CPU ms/1000, Redis ${phase.redis.usPerPublication} µs/publication, load ${phase.loadAverage.end[0]}`);
      phases.push(phase);
    }
    // More subscribed nodes than the machine runs: stand-ins that SSUBSCRIBE the same channels.
    const clusterNodes = cluster.ports.slice(0, 3).map((p) => `127.0.0.1:${p}`);
    const standIns = [];
    try {
      for (const total of STAND_INS) {
        const added = await startStandIns(clusterNodes, channels.map(target.pubsubNameOf), total - standIns.reduce((n, x) => n + x.count, 0));
        standIns.push(added);
        await waitFor(() => added.messages() >= added.count * channels.length * 2, 30_000, "the stand-ins' first messages");
        const phase = await measurePhase({ target, masters, masterOfChannel, subs, lanes, seconds: SECONDS, subscribedNodes: 3 + total, idle });
        phase.standInNodes = total;
        log(`  ${target.label}, 3 nodes + ${total} stand-ins subscribed: Redis ${phase.redis.usPerPublication} µs/publication, load ${phase.loadAverage.end[0]}`);
        phases.push(phase);
      }
    } finally {
      for (const x of standIns) await x.close();
    }
    const order = { ...seqChecks(subs), offsetErrors: target.hasOffsets ? subs.reduce((n, s) => n + s.offsetErrors, 0) : "not applicable" };
    let checks;
    if (target.hasOffsets) {
      const recovery = await recoveryCheck(target, subs, channels, CLIENTS);
      const faults = FAULTS ? await faultChecks({ target, cluster, subs, lanes, channels }) : (await lanes.stop(), undefined);
      checks = { order, recovery, faults: faults ?? "not run (--no-faults)" };
      checks.ok = order.backwards === 0 && order.duplicates === 0 && order.gaps === 0 && order.offsetErrors === 0 && recovery.channelsRecovered === recovery.channelsAsked && (!faults || (faults.missingOfCurrentEpoch === 0 && faults.missingWithoutResync === 0 && faults.nodeKilled.channelsRecovered === faults.nodeKilled.channelsAsked));
    } else {
      await lanes.stop();
      // No offsets to recover with: what arrived by the end is what each subscriber has.
      const published = lanes.published();
      await waitFor(() => subs.every((s) => channels.every((c) => s.missing(c, published.get(c)) === 0)), 15_000, "the last publications").catch(() => undefined);
      const missing = subs.reduce((n, s) => n + channels.reduce((m, c) => m + s.missing(c, published.get(c)), 0), 0);
      const missingExamples = subs.flatMap((s) => channels.filter((c) => s.missing(c, published.get(c)) > 0).map((c) => ({ user: s.user, node: s.node, channel: c, first: s.firstSeq.get(c), published: published.get(c), seqs: s.missingSeqs(c, published.get(c)) }))).slice(0, 10);
      const na = "not applicable: no offsets or history to recover from";
      // A gap filled later is a reordering, not a loss: loss is what is missing at the end.
      checks = { order, missingAtEnd: missing, missingExamples, recovery: na, faults: na, ok: order.backwards === 0 && order.duplicates === 0 && missing === 0 };
    }
    return { label: target.label, idle, masterOfChannel: Object.fromEntries(masterOfChannel), phases, shard: shardCost(phases), publications: [...lanes.published().values()].reduce((a, b) => a + b, 0), refused: lanes.refused(), checks };
  } finally {
    await lanes?.stop();
    // Nodes first: with redis 5, the sharded adapter's node throws ClientClosedError (and exits) when the
    // last members of several rooms on one master leave at once.
    await target.stop();
    for (const s of subs) s.close();
  }
}

function ratios(t, s) {
  const a = t.phases.find((p) => p.subscribedNodes === 3);
  const b = s.phases.find((p) => p.subscribedNodes === 3);
  const r = (x, y) => (x && y ? Math.round((x / y) * 100) / 100 : undefined);
  return {
    note: "Tickwire ÷ Socket.IO, subscribers on all three nodes",
    deliveriesPerSecond: r(a.deliveriesPerSecond, b.deliveriesPerSecond),
    nodeCpuMsPer1000Deliveries: r(a.nodeCpuMsPer1000Deliveries, b.nodeCpuMsPer1000Deliveries),
    latencyP50: r(a.latencyMs.p50, b.latencyMs.p50),
    latencyP99: r(a.latencyMs.p99, b.latencyMs.p99),
    redisUsPerPublication: r(a.redis.usPerPublication, b.redis.usPerPublication),
  };
}

async function main() {
  if (!existsSync(CLI)) throw new Error("packages/server/dist is missing: run `npm run build` first.");
  const dir = mkdtempSync(join(tmpdir(), "tickwire-bench-mn-"));
  const started = { at: new Date().toISOString(), loadAverage: loadAverage() };
  const cluster = await startCluster(dir);
  const systems = {};
  try {
    const masters = cluster.masters();
    // Socket.IO first: Tickwire's fault checks end by killing a master.
    for (const kind of ["socketio", "tickwire"].filter((k) => only.includes(k))) {
      log(`▶ ${kind}`);
      systems[kind] = await runSystem(kind, cluster, masters, dir);
    }
  } finally {
    cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const result = {
    scenario: "multi-node",
    startedAt: started.at,
    quick: QUICK,
    machine: { cores: availableParallelism(), cpuModel: cpus()[0]?.model, node: process.version, loadAverageStart: started.loadAverage, loadAverageEnd: loadAverage() },
    setup: { redisMasters: 3, replicasPerMaster: 1, nodesPerSystem: 3, subscribersPerNode: CLIENTS, channels: CHANNELS, offeredPublicationsPerSecond: RATE, publishThrough: THROUGH === "one" ? "node 0" : "every node in turn", secondsPerPhase: SECONDS, fanoutPerPublication: CLIENTS * 3, payload: "{ t, seq, n }" },
    systems,
    ratios: systems.tickwire && systems.socketio ? ratios(systems.tickwire, systems.socketio) : undefined,
  };
  mkdirSync(join(root, "bench/results"), { recursive: true });
  // A quick run is a trial: it leaves the full run's results alone.
  writeFileSync(join(root, `bench/results/${QUICK ? "multi-node-quick" : "multi-node"}.json`), `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
  // The exit code is about Tickwire's correctness; Socket.IO's checks are reported, not required.
  if (systems.tickwire && !systems.tickwire.checks.ok) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
