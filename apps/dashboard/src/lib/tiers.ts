// Mirrors TIERS in @tickwire/protocol: importing its runtime index would pull
// its TypeBox schemas into the bundle for four strings.
const ORDER = ["navigator", "participant", "builder", "operator"];

/** True when `tier` is at least `minimum` (unknown tiers count as navigator). */
export function tierAtLeast(tier: string, minimum: string): boolean {
  return Math.max(0, ORDER.indexOf(tier)) >= ORDER.indexOf(minimum);
}
