// Deterministic payloads: the same seed gives the same prices in every run.

/** mulberry32: a small, fast 32-bit PRNG; returns floats in [0, 1). */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A random-walk quote generator for one symbol.
 * @example const next = quoteWalk("BENCH", 42); next(1) // { symbol: "BENCH", price: …, bid, ask, volume, seq: 1 }
 */
export function quoteWalk(symbol, seed) {
  const rand = prng(seed);
  let price = 100;
  let volume = 0;
  return (seq) => {
    price = Math.max(1, price * (1 + (rand() - 0.5) / 500));
    volume += Math.floor(rand() * 500);
    const p = Math.round(price * 100) / 100;
    return { symbol, price: p, bid: Math.round((p - 0.01) * 100) / 100, ask: Math.round((p + 0.01) * 100) / 100, volume, change: Math.round((p - 100) * 100) / 100, seq };
  };
}

/** A trade payload for `userId`; deterministic per (seed, seq). */
export function tradeOf(userId, seq, rand) {
  return {
    tradeId: `${userId}-${seq}`,
    userId,
    symbol: rand() < 0.5 ? "AAPL" : "MSFT",
    side: rand() < 0.5 ? "buy" : "sell",
    quantity: 1 + Math.floor(rand() * 100),
    price: Math.round((100 + rand() * 50) * 100) / 100,
    status: "filled",
    seq,
  };
}
