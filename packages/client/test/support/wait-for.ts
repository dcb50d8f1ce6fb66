/**
 * Polls `check` until it returns a value other than undefined/false, or
 * fails after `timeoutMs` with `what` in the message. Tests wait on
 * conditions, never on fixed sleeps.
 */
export async function waitFor<T>(what: string, check: () => T | undefined | false, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
