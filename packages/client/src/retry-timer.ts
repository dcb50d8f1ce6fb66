import { backoffDelayMs, type BackoffOptions } from "./backoff.js";

/** setTimeout's largest delay. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * One pending retry at a time, with a growing jittered backoff between
 * attempts; `reset()` after a success starts the backoff over.
 */
export class RetryTimer {
  readonly #backoff: BackoffOptions;
  readonly #random: () => number;
  #attempt = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(backoff: BackoffOptions, random: () => number) {
    this.#backoff = backoff;
    this.#random = random;
  }

  /** The delay before the next attempt; each call grows the backoff. */
  nextDelayMs(): number {
    return backoffDelayMs(this.#attempt++, this.#backoff, this.#random);
  }

  /** Runs `fn` after `delayMs`, replacing any pending run. */
  schedule(delayMs: number, fn: () => void): void {
    this.cancel();
    this.#timer = setTimeout(fn, Math.min(Math.max(0, delayMs), MAX_TIMER_MS));
  }

  /** Starts the backoff over. */
  reset(): void {
    this.#attempt = 0;
  }

  /** Drops the pending run, if any. */
  cancel(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
