/**
 * Inputs an attacker or an unlucky publisher sends, shared by the hardening
 * tests and the fuzz suite.
 */

/** `{ a: { a: … { a: leaf } } }` with `depth` objects, built without recursion. */
export function nested(depth: number, leaf: unknown = 1): Record<string, unknown> {
  let value: unknown = leaf;
  for (let i = 0; i < depth; i++) value = { a: value };
  return value as Record<string, unknown>;
}

/** The JSON text of `nested(depth, leaf)`, made without building the object. */
export function nestedJson(depth: number, leaf = "1"): string {
  return `${'{"a":'.repeat(depth)}${leaf}${"}".repeat(depth)}`;
}

/** About 8 KB of JSON nested 4,105 levels deep: it passed every check and then overflowed the stack when encoded for a subscriber. */
export const STACK_BREAKER_DEPTH = 4105;
