/** Exponential backoff settings with jitter, in the shape socket.io-client uses. */
export interface BackoffOptions {
  /** First delay. @default 500 */
  minMs: number;
  /** Largest delay. @default 10000 */
  maxMs: number;
  /** 0..1: each delay is moved by up to this fraction either way, so clients do not reconnect in step. @default 0.5 */
  jitter: number;
}

/**
 * Delay before reconnect attempt `attempt` (0-based): min * 2^attempt, capped,
 * then spread by ±jitter. `random` is injectable for tests.
 * @example backoffDelayMs(3, { minMs: 500, maxMs: 10_000, jitter: 0.5 }) // 2000..6000
 */
export function backoffDelayMs(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const base = Math.min(options.maxMs, options.minMs * 2 ** Math.min(attempt, 30));
  const spread = base * options.jitter * (random() * 2 - 1);
  return Math.max(0, Math.round(Math.min(options.maxMs, base + spread)));
}

/**
 * Delay after a `server:shutdown` notice: the server's hint plus up to
 * `jitter` of it (never earlier), so a restarted node is not hit by every client at once.
 */
export function shutdownDelayMs(reconnectAfterMs: number, jitter: number, random: () => number = Math.random): number {
  const base = Math.max(0, reconnectAfterMs);
  return Math.round(base + Math.max(base, 250) * jitter * random());
}
