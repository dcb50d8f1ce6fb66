/** The signed-in user and tier. */
export function UserChip({ userId, tier }: { userId: string; tier: string }) {
  return (
    <span className="user-chip hide-sm" title={`Signed in as ${userId} (${tier})`}>
      <span className="user-id">{userId}</span>
      <span className={`tier tier-${tier}`}>{tier}</span>
    </span>
  );
}
