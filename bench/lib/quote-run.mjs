// One measured run of quotes against one target: publish, wait for the
// deliveries, and report throughput, latency, the gateway's CPU per delivery,
// the machine's load, and the correctness check (every quote once, in order,
// and on Tickwire meta.offset === seq).
import { availableParallelism, loadavg } from "node:os";
import { machineBusySince, machineIrqSince, machineMark, nowMs, processCpuMs } from "./proc.mjs";
import { round } from "./stats.mjs";
import { symbolName } from "./targets.mjs";

/**
 * Publishes `count` quotes round-robin over `symbols` (indices) at `rate` per
 * second in all (0: as fast as possible) on `target`, and measures. Deliveries
 * arriving later than `graceMs` after the last publish are not "delivered" (they
 * still count for the correctness check once everything drained, within `drainMs`).
 */
export async function quoteRun(target, { symbols, count: asked, rate, graceMs = 1000, drainMs = 20_000 }) {
  const { child, pool, subscribers } = target;
  // Whole rounds: every symbol gets the same number of quotes (their order within a round is shuffled).
  const count = Math.ceil(asked / symbols.length) * symbols.length;
  const start = target.seq.map((s) => s + 1);
  await pool.reset(start);
  const names = symbols.map(symbolName);
  const firstSeq = Object.fromEntries(symbols.map((s) => [symbolName(s), target.seq[s] + 1]));
  let expected = 0;
  const published = new Array(target.symbolCount).fill(0);
  for (let i = 0; i < count; i++) published[symbols[i % symbols.length]]++;
  for (let s = 0; s < published.length; s++) expected += published[s] * subscribers[s];

  const cores = availableParallelism();
  const load = loadavg()[0];
  const cpu0 = await child.call("cpu");
  const lg0 = pool.pids.reduce((a, pid) => a + processCpuMs(pid), 0);
  const own0 = process.cpuUsage();
  const machine0 = machineMark();
  const superseded0 = target.name.startsWith("tickwire") ? (await child.call("stats")).superseded : 0;
  const t0 = nowMs();
  const pub = await child.call("publishQuotes", { symbols: names, count, rate, firstSeq });
  const tPublished = nowMs();
  let counts = await pool.counts();
  // Poll the workers until everything arrived or the grace period ended.
  while (counts.received < expected && nowMs() < tPublished + graceMs) {
    await new Promise((r) => setTimeout(r, 10));
    counts = await pool.counts();
  }
  const cpu1 = await child.call("cpu");
  const lg1 = pool.pids.reduce((a, pid) => a + processCpuMs(pid), 0);
  const own = process.cpuUsage(own0);
  const machineBusy = machineBusySince(machine0, cores);
  const machineIrq = machineIrqSince(machine0, cores);
  const windowMs = Math.max(1, nowMs() - t0);
  const inGrace = counts.received;
  const lastInGrace = counts.lastReceiveAt;
  // Then let the rest drain for the correctness check.
  const until = nowMs() + drainMs;
  while (counts.received < expected && nowMs() < until) {
    await new Promise((r) => setTimeout(r, 20));
    counts = await pool.counts();
  }
  const target1 = target.seq.map((s, i) => s + 1 + published[i]);
  const res = await pool.result(target1);
  for (let s = 0; s < published.length; s++) target.seq[s] += published[s];
  const superseded = target.name.startsWith("tickwire") ? (await child.call("stats")).superseded - superseded0 : 0;

  const wallMs = Math.max(1, lastInGrace - t0);
  const gatewayCpuMs = (cpu1.user - cpu0.user + cpu1.system - cpu0.system) / 1000;
  const loadgenCpuMs = lg1 - lg0;
  const ownMs = (own.user + own.system) / 1000;
  const ok = pub.failed === 0 && res.gaps === 0 && res.dups === 0 && res.missing === 0 && res.offsetMismatch === 0 && res.closedUnexpectedly === 0;
  return {
    ok,
    // Nothing lost, repeated or reordered (a later seq before an earlier one is a gap), except what Tickwire
    // superseded on purpose (a backed-up socket's state channel, latest wins). Still missing after the drain: slow, not wrong.
    correct: res.dups === 0 && res.offsetMismatch === 0 && pub.failed === 0 && res.closedUnexpectedly === 0 && res.gaps <= superseded,
    expected,
    received: res.received,
    deliveredInGrace: inGrace,
    deliveredPct: round((inGrace / expected) * 100, 2),
    missing: res.missing,
    gaps: res.gaps,
    dups: res.dups,
    offsetMismatch: res.offsetMismatch,
    closedUnexpectedly: res.closedUnexpectedly,
    superseded,
    publishFailed: pub.failed,
    publishError: pub.firstError,
    offeredPerSec: rate > 0 ? round((expected / count) * rate, 0) : undefined,
    deliveriesPerSec: round((inGrace * 1000) / wallMs, 0),
    publishMs: round(tPublished - t0, 1),
    latencyMs: res.latency.summary(),
    gatewayCpuMs: round(gatewayCpuMs, 1),
    gatewayCpuPct: round((gatewayCpuMs / windowMs) * 100, 1),
    gatewayCpuMsPer1000Deliveries: round((gatewayCpuMs / Math.max(1, inGrace)) * 1000, 3),
    loadgenCpuPct: round((loadgenCpuMs / windowMs) * 100, 1),
    // What the rest of the machine used meanwhile (% of one core): the noise of a shared machine.
    otherCpuPct: machineBusy === undefined ? undefined : round(Math.max(0, machineBusy - machineIrq - ((gatewayCpuMs + loadgenCpuMs + ownMs) / windowMs) * 100), 1),
    // Kernel network work charged to no process (softirq): on loopback it grows with the writes.
    softirqCpuPct: machineIrq === undefined ? undefined : round(machineIrq, 1),
    loadAverage: round(load, 2),
  };
}
