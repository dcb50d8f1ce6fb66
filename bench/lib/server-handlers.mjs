// RPC handlers every benchmarked server answers the same way: tokens, GC, CPU
// time and profiling. Each server adds its own stats and publishing on top.
import { monitorEventLoopDelay, PerformanceObserver } from "node:perf_hooks";
import { writeHeapSnapshot } from "node:v8";
import { startProfile, stopProfile } from "./profiler.mjs";

// How late the event loop ran, sampled every 10 ms from the start of the process.
const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();
// The longest stalls, each with the CPU the process used during it: a stall with little CPU
// is the process waiting for a core (the machine is busy), not the loop running long.
let stalls = [];
let lastTick = performance.now();
let lastCpu = process.cpuUsage();
setInterval(() => {
  const now = performance.now();
  const cpu = process.cpuUsage();
  const wallMs = now - lastTick;
  if (wallMs > 40) {
    stalls.push({ wallMs: Math.round(wallMs), cpuMs: Math.round((cpu.user - lastCpu.user + cpu.system - lastCpu.system) / 1000) });
    stalls.sort((a, b) => b.wallMs - a.wallMs);
    stalls.length = Math.min(stalls.length, 5);
  }
  lastTick = now;
  lastCpu = cpu;
}, 10).unref();
// The longest garbage-collection pauses meanwhile (a pause blocks the loop too).
let gcMaxMs = 0;
let gcTotalMs = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    gcTotalMs += entry.duration;
    if (entry.duration > gcMaxMs) gcMaxMs = entry.duration;
  }
}).observe({ entryTypes: ["gc"] });

/** The shared handlers; `sign(sub, tier)` issues one client token the server accepts. */
export function commonHandlers(sign) {
  return {
    async tokens({ prefix, count, tier, start = 0 }) {
      const out = [];
      for (let i = start; i < start + count; i++) out.push(await sign(`${prefix}${i}`, tier));
      return out;
    },
    gc() {
      globalThis.gc?.();
      globalThis.gc?.();
      return true;
    },
    cpu() {
      return process.cpuUsage();
    },
    memory() {
      return process.memoryUsage();
    },
    /** Writes a V8 heap snapshot (what a connection costs, object by object). */
    heapSnapshot({ file }) {
      globalThis.gc?.();
      return writeHeapSnapshot(file);
    },
    startProfile,
    stopProfile: ({ file }) => stopProfile(file),
    /** The longest and the p99 event-loop delay (ms) since the last reset. */
    loopDelay({ reset = false } = {}) {
      // The histogram holds the time between two 10 ms samples: what exceeds 10 ms is the delay.
      const late = (ns) => Math.max(0, ns / 1e6 - 10);
      const out = { maxMs: late(loop.max), p99Ms: late(loop.percentile(99)), meanMs: late(loop.mean), gcMaxMs, gcTotalMs, stalls };
      if (reset) {
        loop.reset();
        gcMaxMs = gcTotalMs = 0;
        stalls = [];
      }
      return out;
    },
  };
}
