/** Keeps the last `size` samples and answers percentiles over them (for stats, not for alerting). */
export class LatencyReservoir {
  private readonly samples: Float64Array;
  private count = 0;
  private next = 0;

  constructor(size = 2048) {
    this.samples = new Float64Array(size);
  }

  /** Forgets every sample. */
  reset(): void {
    this.count = 0;
    this.next = 0;
  }

  add(value: number): void {
    this.samples[this.next] = value;
    this.next = (this.next + 1) % this.samples.length;
    if (this.count < this.samples.length) this.count++;
  }

  /** p50, p90, p99 and max in the unit of the samples; zeros when empty. */
  summary(): { p50: number; p90: number; p99: number; max: number } {
    if (this.count === 0) return { p50: 0, p90: 0, p99: 0, max: 0 };
    const sorted = Array.from(this.samples.subarray(0, this.count)).sort((a, b) => a - b);
    const at = (q: number): number => round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!);
    return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: round(sorted[sorted.length - 1]!) };
  }
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
