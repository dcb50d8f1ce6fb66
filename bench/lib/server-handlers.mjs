// RPC handlers every benchmarked server answers the same way: tokens, GC, CPU
// time and profiling. Each server adds its own stats and publishing on top.
import { startProfile, stopProfile } from "./profiler.mjs";

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
    startProfile,
    stopProfile: ({ file }) => stopProfile(file),
  };
}
