/** Holds the next call of `method` on `target` (that `when` accepts) after it has answered, until released; later calls pass. */
export function holdNext<T extends object>(target: T, method: keyof T & string, when: (...args: unknown[]) => boolean = () => true): { reached: Promise<void>; release: () => void } {
  const original = (target[method] as (...args: unknown[]) => Promise<unknown>).bind(target);
  let reached!: () => void;
  let release!: () => void;
  const reachedP = new Promise<void>((r) => (reached = r));
  const gate = new Promise<void>((r) => (release = r));
  (target as Record<string, unknown>)[method] = async (...args: unknown[]) => {
    if (!when(...args)) return original(...args);
    (target as Record<string, unknown>)[method] = original;
    const answer = await original(...args);
    reached();
    await gate;
    return answer;
  };
  return { reached: reachedP, release };
}
