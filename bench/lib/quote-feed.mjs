// The quotes every benchmarked server publishes: one deterministic random walk
// per symbol, stamped with the wall clock just before it is handed to the
// server, round-robin over the symbols at a paced rate (or as fast as possible).
import { pace } from "./pace.mjs";
import { quoteWalk } from "./prng.mjs";
import { nowMs } from "./proc.mjs";

/**
 * A publisher of quote runs for one server; `emit(symbol, data)` hands one quote
 * to the server under test (it may return a promise).
 * @example const run = quoteFeed(42, (symbol, data) => io.to(symbol).emit("quote:update", data)); await run({ symbols: ["S000"], count: 100, rate: 20, firstSeq: { S000: 1 } });
 */
export function quoteFeed(seed, emit) {
  const walks = new Map();
  const walkOf = (symbol) => {
    let walk = walks.get(symbol);
    if (!walk) walks.set(symbol, (walk = quoteWalk(symbol, seed)));
    return walk;
  };
  /**
   * Publishes `count` quotes at `rate` per second in all (0: as fast as
   * possible), the i-th on symbols[i % n] with the next seq of that symbol
   * (`firstSeq`: a number for all, or one per symbol).
   */
  return ({ symbols, symbol, count, rate, firstSeq = 1 }) => {
    const list = symbols ?? [symbol];
    const walkers = list.map(walkOf);
    const starts = list.map((s) => (typeof firstSeq === "number" ? firstSeq : firstSeq[s]));
    return pace(count, rate, (i) => {
      const k = i % list.length;
      const data = walkers[k](starts[k] + Math.floor(i / list.length));
      data.sentAt = nowMs();
      return emit(list[k], data);
    });
  };
}
