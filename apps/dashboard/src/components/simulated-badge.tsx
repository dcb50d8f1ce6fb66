/** Tells the viewer that prices come from the built-in simulator, not a market. */
export function SimulatedBadge() {
  return (
    <span className="badge badge-sim" data-testid="simulated-badge" title="Quotes carry simulated: true">
      Simulated data
    </span>
  );
}
