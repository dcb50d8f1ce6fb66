// Summaries of samples: percentiles, medians of runs.

/** Nearest-rank percentile of a sorted numeric array (p in 0..100). */
export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/** p50/p90/p99/max/mean of samples (any array-like of numbers, not modified). */
export function summarize(samples, count = samples.length) {
  const sorted = Float64Array.from({ length: count }, (_, i) => samples[i]).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    n: count,
    p50: round(percentile(sorted, 50)),
    p90: round(percentile(sorted, 90)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted[count - 1] ?? NaN),
    mean: round(count ? sum / count : NaN),
  };
}

/** Median of numbers (the middle run of 3). */
export function median(values) {
  const v = values.filter((x) => typeof x === "number" && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

/**
 * Median, field by field, of run results with the same shape (nested objects too);
 * booleans are true only if true in every run; other fields come from the first run.
 */
export function medianOfRuns(runs) {
  const first = runs[0];
  if (typeof first === "number") return round(median(runs));
  if (typeof first === "boolean") return runs.every(Boolean);
  if (first === null || typeof first !== "object" || Array.isArray(first)) return first;
  const out = {};
  for (const key of Object.keys(first)) out[key] = medianOfRuns(runs.map((r) => r?.[key]));
  return out;
}

/** Rounds to 3 significant decimals for reports. */
export function round(x, digits = 3) {
  if (typeof x !== "number" || !Number.isFinite(x)) return x;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Spread of runs as (max − min) / median, for the variance note. */
export function spread(values) {
  const m = median(values);
  const v = values.filter(Number.isFinite);
  if (!v.length || !m) return NaN;
  return round((Math.max(...v) - Math.min(...v)) / m, 3);
}
