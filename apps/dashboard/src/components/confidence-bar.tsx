/** Confidence as a thin bar and a percent; accepts 0–1 or 0–100. */
export function ConfidenceBar({ value }: { value: number | undefined }) {
  if (value === undefined || !Number.isFinite(value)) return <span className="muted">—</span>;
  const pct = Math.max(0, Math.min(100, value <= 1 ? value * 100 : value));
  return (
    <span className="confidence" title={`Confidence ${pct.toFixed(0)}%`}>
      <span className="confidence-track">
        <span className="confidence-fill" style={{ width: `${pct}%` }} />
      </span>
      <span className="num">{pct.toFixed(0)}%</span>
    </span>
  );
}
