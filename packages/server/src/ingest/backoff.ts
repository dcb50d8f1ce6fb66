/** Reconnect delays of an upstream connection. */
export interface BackoffOptions {
  /** First delay (the upstream feed's: feedReconnectMinMs). */
  readonly minMs: number;
  /** Longest delay (the upstream feed's: feedReconnectMaxMs). */
  readonly maxMs: number;
}

/**
 * Exponential backoff with "equal jitter": the delay doubles per failed attempt
 * up to `maxMs`, and half of it is random, so that many nodes losing one feed
 * at once do not reconnect in step.
 * @example backoffDelayMs(3, { minMs: 500, maxMs: 30000 }, () => 0.5) // 3000
 */
export function backoffDelayMs(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(options.maxMs, options.minMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** A wait between attempts that a stop ends at once (`wake`), so a stopping reader or feed does not sit out its delay. */
export class Pause {
  private woken: (() => void) | undefined;

  /** Resolves after `ms`, or as soon as `wake` is called. */
  for(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        if (this.woken === done) this.woken = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.woken = done;
    });
  }

  /** Ends the wait under way, if any. */
  wake(): void {
    this.woken?.();
  }
}
