import { ConfigError, resolveOptions } from "@tickwire/server";

/**
 * The problems resolveOptions reports for `input`, in its order; none when it resolves.
 * Anything but a ConfigError is thrown on: a crash is not a configuration problem.
 */
export function configProblems(input: Record<string, unknown>): string[] {
  try {
    resolveOptions(input);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  return [];
}
