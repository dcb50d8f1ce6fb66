// The parent side of the load generator: a pool of child processes
// (loadgen-worker.mjs), each holding a contiguous share of the clients and
// connecting from its own loopback address (127.0.0.10, .11, …), so that
// neither one process's file limit nor one address's ephemeral ports bound
// the number of clients.
import { setPriority } from "node:os";
import { Histogram } from "./histogram.mjs";
import { startChild } from "./rpc.mjs";

const WORKER = new URL("./loadgen-worker.mjs", import.meta.url);

export class LoadGen {
  constructor(workers, firstAddress) {
    this.workers = workers;
    this.firstAddress = firstAddress;
    this.shares = [];
  }

  /**
   * Starts `count` worker processes; worker k connects from 127.0.0.{firstAddress + k}.
   * @example const lg = await LoadGen.start(2); await lg.open(url, specs, { symbols: 100 });
   */
  static async start(count, { firstAddress = 10, nice = 0 } = {}) {
    const workers = await Promise.all(Array.from({ length: count }, () => startChild(WORKER, {}, { execArgv: ["--max-old-space-size=2048"] })));
    // A lower priority lets the server under test run first when both want the CPU (its event-loop figures are then its own).
    if (nice > 0) for (const w of workers) setPriority(w.pid, nice);
    return new LoadGen(workers, firstAddress);
  }

  /** Process ids of the workers (their CPU is the load generator's). */
  get pids() {
    return this.workers.map((w) => w.pid);
  }

  address(k) {
    return `127.0.0.${this.firstAddress + k}`;
  }

  /** Splits `specs` over the workers and connects them all; sums what the workers report. */
  async open(url, specs, { symbols = 1, concurrency = 50 } = {}) {
    const per = Math.ceil(specs.length / this.workers.length);
    this.shares = this.workers.map((_, k) => specs.slice(k * per, (k + 1) * per));
    const t0 = performance.now();
    const results = await Promise.all(this.workers.map((w, k) => w.call("open", { url, localAddress: this.address(k), clients: this.shares[k], symbols, concurrency: Math.max(1, Math.ceil(concurrency / this.workers.length)) })));
    return {
      ms: performance.now() - t0,
      connected: results.reduce((a, r) => a + r.connected, 0),
      failed: results.reduce((a, r) => a + r.failed, 0),
      firstError: results.find((r) => r.firstError)?.firstError,
    };
  }

  reset(start, record = true) {
    return Promise.all(this.workers.map((w) => w.call("reset", { start, record })));
  }

  /** Summed counters of all workers. */
  async counts() {
    const all = await Promise.all(this.workers.map((w) => w.call("counts")));
    return sum(all);
  }

  /** Summed counters, the missing deliveries against `target`, and the merged latency histogram. */
  async result(target) {
    const all = await Promise.all(this.workers.map((w) => w.call("result", { target })));
    const latency = new Histogram();
    for (const r of all) latency.merge(r.latency);
    return { ...sum(all.map(({ latency: _, ...rest }) => rest)), latency };
  }

  async positions() {
    return (await Promise.all(this.workers.map((w) => w.call("positions")))).flat();
  }

  async waitClosed(timeoutMs) {
    const open = await Promise.all(this.workers.map((w) => w.call("waitClosed", { timeoutMs })));
    return open.reduce((a, b) => a + b, 0);
  }

  /** Every client reconnects at wall-clock `at`; merged completion times (ms after the start). */
  async reconnect(url, at, replayed) {
    const all = await Promise.all(this.workers.map((w, k) => w.call("reconnect", { url, localAddress: this.address(k), at, replayed })));
    const done = new Histogram();
    for (const r of all) done.merge(r.done);
    return {
      failed: all.reduce((a, r) => a + r.failed, 0),
      firstError: all.find((r) => r.firstError)?.firstError,
      notRecovered: all.reduce((a, r) => a + r.notRecovered, 0),
      disorder: all.reduce((a, r) => a + r.disorder, 0),
      lateStartMs: Math.max(...all.map((r) => r.lateStartMs)),
      done,
    };
  }

  expectClose() {
    return Promise.all(this.workers.map((w) => w.call("expectClose")));
  }

  closeAll() {
    return Promise.all(this.workers.map((w) => w.call("closeAll")));
  }

  async stop() {
    await Promise.all(this.workers.map((w) => w.stop()));
  }
}

function sum(list) {
  const out = {};
  for (const r of list) for (const [k, v] of Object.entries(r)) if (typeof v === "number") out[k] = k === "lastReceiveAt" ? Math.max(out[k] ?? 0, v) : (out[k] ?? 0) + v;
  return out;
}
