// Paced publishing used by the server children: `count` calls of `fn` at `rate`
// per second (0 = as fast as possible with `concurrency` in flight).
import { cpuMark, cpuSince } from "./proc.mjs";

/**
 * Calls fn(i) for i in 0..count-1 at `rate` per second, catching up after a late
 * timer (never bursting more than what is due). Resolves once every call settled,
 * with the publish-side figures: time taken, CPU used, failures.
 */
export async function pace(count, rate, fn, { concurrency = 64 } = {}) {
  const mark = cpuMark();
  let failed = 0;
  let firstError;
  const call = (i) =>
    Promise.resolve()
      .then(() => fn(i))
      .catch((err) => {
        failed++;
        firstError ??= String(err?.message ?? err);
      });
  if (rate > 0) {
    const start = performance.now();
    const inflight = [];
    let i = 0;
    await new Promise((resolve) => {
      const tick = () => {
        const due = Math.min(count, Math.floor(((performance.now() - start) * rate) / 1000) + 1);
        while (i < due) inflight.push(call(i++));
        if (i >= count) return resolve();
        setTimeout(tick, Math.max(0, start + (i * 1000) / rate - performance.now()));
      };
      tick();
    });
    await Promise.all(inflight);
  } else {
    let i = 0;
    const worker = async () => {
      while (i < count) await call(i++);
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  }
  const used = cpuSince(mark);
  return { published: count - failed, failed, firstError, publishMs: used.wallMs, publishCpuMs: used.cpuMs, perSecond: ((count - failed) * 1000) / used.wallMs };
}
