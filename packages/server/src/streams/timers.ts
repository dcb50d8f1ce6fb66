/**
 * The timers a component schedules with. Injected so that tests drive time by
 * hand (conflation intervals, simulator cadences) while sockets keep real time.
 */
export interface Timers {
  /** Calls `fn` once after `ms`; returns a handle for clearTimeout. */
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Node's timers, unref'd: a pending conflation flush never keeps a stopping process alive. */
export const systemTimers: Timers = {
  setTimeout(fn, ms) {
    const timer = setTimeout(fn, ms);
    timer.unref();
    return timer;
  },
  clearTimeout(handle) {
    clearTimeout(handle as NodeJS.Timeout);
  },
};
