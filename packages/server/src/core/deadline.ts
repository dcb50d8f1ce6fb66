/**
 * Resolves with what `work` resolves to, or with undefined at `deadline` (ms since
 * the epoch) if it is still running; rejects as `work` does. The shutdown's waits
 * share one deadline, so the whole sequence ends within its budget.
 * @example await untilDeadline(component.stop(), Date.now() + 1000)
 */
export function untilDeadline<T>(work: Promise<T>, deadline: number): Promise<T | undefined> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve(undefined), Math.max(0, deadline - Date.now()));
    timer.unref();
    work.then(
      (value) => (clearTimeout(timer), resolve(value)),
      (err: unknown) => (clearTimeout(timer), reject(err)),
    );
  });
}
