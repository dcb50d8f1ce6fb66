/** A listener of one event of a {@link TypedEmitter}. */
export type Listener<A extends unknown[]> = (...args: A) => void;

/**
 * A minimal typed event emitter. The SDK runs in browsers, Node and React
 * Native, so it cannot lean on Node's `events` module.
 * @example
 * const e = new TypedEmitter<{ state: [string] }>();
 * const off = e.on("state", (s) => render(s));
 */
export class TypedEmitter<M extends { [K in keyof M]: unknown[] }> {
  readonly #listeners = new Map<keyof M, Set<(...args: never[]) => void>>();

  /** Adds a listener; returns a function that removes it. */
  on<K extends keyof M>(event: K, listener: Listener<M[K]>): () => void {
    let set = this.#listeners.get(event);
    if (!set) {
      set = new Set();
      this.#listeners.set(event, set);
    }
    set.add(listener as unknown as (...args: never[]) => void);
    return () => this.off(event, listener);
  }

  /** Adds a listener that is removed after its first call. */
  once<K extends keyof M>(event: K, listener: Listener<M[K]>): () => void {
    const off = this.on(event, ((...args: M[K]) => {
      off();
      listener(...args);
    }) as Listener<M[K]>);
    return off;
  }

  /** Removes a listener added with {@link on}. */
  off<K extends keyof M>(event: K, listener: Listener<M[K]>): void {
    this.#listeners.get(event)?.delete(listener as unknown as (...args: never[]) => void);
  }

  /** Calls every listener of `event`; a throwing listener does not stop the others. */
  protected emit<K extends keyof M>(event: K, ...args: M[K]): void {
    const set = this.#listeners.get(event);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        (listener as unknown as Listener<M[K]>)(...args);
      } catch (err) {
        this.reportListenerError(err);
      }
    }
  }

  /** Removes every listener. */
  protected removeAllListeners(): void {
    this.#listeners.clear();
  }

  /** Where an exception thrown by a listener goes; rethrown asynchronously by default so it is not lost. */
  protected reportListenerError(err: unknown): void {
    setTimeout(() => {
      throw err;
    }, 0);
  }
}
