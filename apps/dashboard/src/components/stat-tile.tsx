import type { ReactNode } from "react";

/** Props of {@link StatTile}. */
export interface StatTileProps {
  label: string;
  value: ReactNode;
  /** A second line under the value: a change, a unit, a hint. */
  sub?: ReactNode;
  /** `up`, `down` or `flat` colours the value. */
  tone?: "up" | "down" | "flat" | "warn";
  testId?: string;
}

/** A labelled big number. */
export function StatTile({ label, value, sub, tone, testId }: StatTileProps) {
  return (
    <div className="tile" data-testid={testId}>
      <div className="tile-label">{label}</div>
      <div className={`tile-value num ${tone ?? ""}`}>{value}</div>
      {sub !== undefined && <div className="tile-sub num">{sub}</div>}
    </div>
  );
}
