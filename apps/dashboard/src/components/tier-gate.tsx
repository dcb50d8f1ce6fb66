import type { ReactNode } from "react";
import { tierAtLeast } from "../lib/tiers";
import { EmptyState } from "./empty-state";

/** Props of {@link TierGate}. */
export interface TierGateProps {
  tier: string;
  minimum: string;
  children: ReactNode;
}

/** Renders its children only for `minimum` tier and up; explains why otherwise. */
export function TierGate({ tier, minimum, children }: TierGateProps) {
  if (tierAtLeast(tier, minimum)) return <>{children}</>;
  return (
    <EmptyState>
      Needs the <strong>{minimum}</strong> tier or above (you are <strong>{tier}</strong>).
    </EmptyState>
  );
}
