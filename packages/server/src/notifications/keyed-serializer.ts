/**
 * Runs tasks one after another per key, and a task holding many keys after
 * every earlier task on any of them. Keys are claimed synchronously when a task
 * is queued, so two tasks can never wait on each other (no deadlock).
 * @example await serializer.run(["alice", "bob"], async () => write());
 */
export class KeyedSerializer {
  private readonly tails = new Map<string, Promise<void>>();

  /** Number of keys with a task queued or running. */
  get size(): number {
    return this.tails.size;
  }

  run<T>(keys: readonly string[], task: () => Promise<T>): Promise<T> {
    const before: Promise<void>[] = [];
    let release!: () => void;
    const done = new Promise<void>((resolve) => (release = resolve));
    for (const key of keys) {
      const tail = this.tails.get(key);
      if (tail) before.push(tail);
      this.tails.set(key, done);
    }
    const run = async (): Promise<T> => {
      try {
        if (before.length > 0) await Promise.all(before);
        return await task();
      } finally {
        release();
        for (const key of keys) if (this.tails.get(key) === done) this.tails.delete(key);
      }
    };
    return run();
  }
}
