/** Access tiers, lowest first. */
export const TIERS = ["navigator", "participant", "builder", "operator"] as const;

/** One of the four tiers. */
export type Tier = (typeof TIERS)[number];

/** The tier a token without a `tier` claim gets. */
export const DEFAULT_TIER: Tier = "navigator";

/** True when `value` names a tier. */
export function isTier(value: unknown): value is Tier {
  return typeof value === "string" && (TIERS as readonly string[]).includes(value);
}

/** Position of a tier in the order (navigator = 0). */
export function tierRank(tier: Tier): number {
  return TIERS.indexOf(tier);
}

/**
 * True when `tier` is at least `minimum`.
 * @example atLeast("builder", "participant") // true
 */
export function atLeast(tier: Tier, minimum: Tier): boolean {
  return tierRank(tier) >= tierRank(minimum);
}
