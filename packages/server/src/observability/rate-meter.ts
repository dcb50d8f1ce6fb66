/** Events per second over a sliding window of one-second buckets. */
export class RateMeter {
  private readonly buckets: number[];
  private currentSecond = 0;

  constructor(private readonly windowSeconds = 10, private readonly now: () => number = Date.now) {
    this.buckets = new Array<number>(windowSeconds).fill(0);
  }

  mark(n = 1): void {
    this.rotate();
    this.buckets[this.currentSecond % this.windowSeconds]! += n;
  }

  /** Average per second over the completed seconds of the window. */
  perSecond(): number {
    this.rotate();
    let sum = 0;
    for (let i = 1; i < this.windowSeconds; i++) sum += this.buckets[(this.currentSecond - i + this.windowSeconds * 2) % this.windowSeconds]!;
    return Math.round((sum / (this.windowSeconds - 1)) * 100) / 100;
  }

  private rotate(): void {
    const second = Math.floor(this.now() / 1000);
    if (this.currentSecond === 0) this.currentSecond = second;
    const steps = Math.min(second - this.currentSecond, this.windowSeconds);
    for (let i = 1; i <= steps; i++) this.buckets[(this.currentSecond + i) % this.windowSeconds] = 0;
    this.currentSecond = second;
  }
}
