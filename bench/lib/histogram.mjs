// A latency histogram cheap enough to record every delivery: 50 µs buckets up
// to 100 ms, 1 ms buckets up to 120 s. Load-generator workers send theirs to the
// parent (only the non-empty buckets), which merges them.

const FINE_MS = 100;
const FINE_STEP = 0.05;
const FINE = Math.round(FINE_MS / FINE_STEP);
const COARSE_MS = 120_000;
const SIZE = FINE + (COARSE_MS - FINE_MS);

/** Bucket index of a latency in ms (negative clock skew counts as 0). */
function bucketOf(ms) {
  if (!(ms > 0)) return 0;
  if (ms < FINE_MS) return Math.floor(ms / FINE_STEP);
  return Math.min(SIZE - 1, FINE + Math.floor(ms - FINE_MS));
}

/** Upper edge of a bucket, in ms. */
function edgeOf(i) {
  return i < FINE ? (i + 1) * FINE_STEP : FINE_MS + (i - FINE + 1);
}

export class Histogram {
  constructor() {
    this.counts = new Uint32Array(SIZE);
    this.n = 0;
    this.max = 0;
  }

  add(ms) {
    this.counts[bucketOf(ms)]++;
    this.n++;
    if (ms > this.max) this.max = ms;
  }

  reset() {
    this.counts.fill(0);
    this.n = 0;
    this.max = 0;
  }

  /** The non-empty buckets, for sending over IPC. */
  toJSON() {
    const idx = [];
    const cnt = [];
    for (let i = 0; i < SIZE; i++) {
      if (this.counts[i] !== 0) {
        idx.push(i);
        cnt.push(this.counts[i]);
      }
    }
    return { idx, cnt, n: this.n, max: this.max };
  }

  /** Adds a histogram sent by toJSON. */
  merge(sparse) {
    for (let k = 0; k < sparse.idx.length; k++) this.counts[sparse.idx[k]] += sparse.cnt[k];
    this.n += sparse.n;
    if (sparse.max > this.max) this.max = sparse.max;
  }

  /** Latency in ms at percentile p (0..100): the upper edge of its bucket. */
  percentile(p) {
    if (this.n === 0) return NaN;
    const rank = Math.max(1, Math.ceil((p / 100) * this.n));
    let seen = 0;
    for (let i = 0; i < SIZE; i++) {
      seen += this.counts[i];
      if (seen >= rank) return Math.min(edgeOf(i), this.max);
    }
    return this.max;
  }

  /** p50/p90/p99/max in ms, rounded to 0.1. */
  summary() {
    const r = (x) => (Number.isFinite(x) ? Math.round(x * 10) / 10 : x);
    return { n: this.n, p50: r(this.percentile(50)), p90: r(this.percentile(90)), p99: r(this.percentile(99)), max: r(this.max) };
  }
}
