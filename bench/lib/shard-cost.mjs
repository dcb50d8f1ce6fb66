// What a Redis master spends per publication, from `INFO cpu` read before and after a
// phase, and how many subscribed nodes one master carries within a CPU budget.

/**
 * CPU µs a master spent per publication of its slots during a phase, its idle
 * rate (what it spends with the nodes connected and nothing published) taken off.
 * @example perPublicationUs({ cpuMs: 120, seconds: 10, idleCpuMsPerSecond: 2, publications: 1000 }) // 100
 */
export function perPublicationUs({ cpuMs, seconds, idleCpuMsPerSecond = 0, publications }) {
  if (publications <= 0) return undefined;
  return (Math.max(0, cpuMs - idleCpuMsPerSecond * seconds) * 1000) / publications;
}

/**
 * Least-squares line through (subscribed nodes, µs per publication): `baseUs` is
 * what a publication costs before anyone receives it (the script call, the stream
 * entry), `perNodeUs` what each subscribed node adds (one message written to it).
 * @example fitPerNode([{ nodes: 1, usPerPublication: 30 }, { nodes: 2, usPerPublication: 40 }]) // { baseUs: 20, perNodeUs: 10 }
 */
export function fitPerNode(points) {
  const usable = points.filter((p) => Number.isFinite(p.usPerPublication));
  if (usable.length < 2 || new Set(usable.map((p) => p.nodes)).size < 2) return undefined;
  const n = usable.length;
  const mx = usable.reduce((s, p) => s + p.nodes, 0) / n;
  const my = usable.reduce((s, p) => s + p.usPerPublication, 0) / n;
  const sxx = usable.reduce((s, p) => s + (p.nodes - mx) ** 2, 0);
  const sxy = usable.reduce((s, p) => s + (p.nodes - mx) * (p.usPerPublication - my), 0);
  const perNodeUs = sxy / sxx;
  return { baseUs: my - perNodeUs * mx, perNodeUs };
}

/**
 * How many subscribed nodes one master carries at `publicationsPerSecond` of its
 * channels (every node subscribed to each) before it spends `budgetCores` of a core.
 * Infinity when a node adds nothing measurable; 0 when the publications alone exceed the budget.
 * @example nodesWithinBudget({ baseUs: 20, perNodeUs: 10 }, 1000, 0.5) // 48
 */
export function nodesWithinBudget({ baseUs, perNodeUs }, publicationsPerSecond, budgetCores = 0.5) {
  const budgetUsPerPublication = (budgetCores * 1e6) / publicationsPerSecond;
  if (budgetUsPerPublication < baseUs + Math.max(0, perNodeUs)) return 0;
  if (perNodeUs <= 0) return Number.POSITIVE_INFINITY;
  return Math.floor((budgetUsPerPublication - baseUs) / perNodeUs);
}
