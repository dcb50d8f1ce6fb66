// The quotes every benchmarked server publishes: one deterministic random walk
// per symbol, stamped with the wall clock just before it is handed to the
// server, round-robin over the symbols at a paced rate (or as fast as possible).
import { pace } from "./pace.mjs";
import { prng, quoteWalk } from "./prng.mjs";
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
  const order = prng(seed + 7);
  /**
   * Publishes `count` quotes at `rate` per second in all (0: as fast as
   * possible) in rounds: each round publishes every symbol once, the next seq
   * of each (`firstSeq`: a number for all, or one per symbol), in an order
   * shuffled per round (markets do not tick in alphabetical order; a fixed
   * order would make every client's updates exactly periodic).
   */
  return ({ symbols, symbol, count, rate, firstSeq = 1 }) => {
    const list = symbols ?? [symbol];
    const n = list.length;
    const walkers = list.map(walkOf);
    const starts = list.map((s) => (typeof firstSeq === "number" ? firstSeq : firstSeq[s]));
    const round = Array.from({ length: n }, (_, k) => k);
    return pace(count, rate, (i) => {
      if (i % n === 0) {
        // Fisher–Yates, seeded: the same orders in every run of every server.
        for (let j = n - 1; j > 0; j--) {
          const r = Math.floor(order() * (j + 1));
          [round[j], round[r]] = [round[r], round[j]];
        }
      }
      const k = round[i % n];
      const data = walkers[k](starts[k] + Math.floor(i / n));
      data.sentAt = nowMs();
      return emit(list[k], data);
    });
  };
}
