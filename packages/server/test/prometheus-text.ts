/** The Prometheus text format, read the way a test checks it. */

export interface Family {
  name: string;
  type: string;
  help: string;
  samples: Array<{ name: string; labels: Record<string, string>; value: number }>;
}

/** Parses the Prometheus text format into metric families. */
export function parseMetrics(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const family = (name: string): Family => {
    let f = families.get(name);
    if (!f) families.set(name, (f = { name, type: "", help: "", samples: [] }));
    return f;
  };
  let current: Family | undefined;
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (meta) {
      current = family(meta[2]!);
      if (meta[1] === "HELP") current.help = meta[3]!;
      else current.type = meta[3]!;
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!sample) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const m of (sample[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[m[1]!] = m[2]!;
    current!.samples.push({ name: sample[1]!, labels, value: Number(sample[3]) });
  }
  return families;
}

/** Why a family breaks the Prometheus naming rules (prometheus.io/docs/practices/naming), or nothing. */
export function namingProblems(f: Family): string[] {
  const problems: string[] = [];
  if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(f.name)) problems.push("invalid characters");
  if (/[A-Z]/.test(f.name)) problems.push("not snake_case");
  if (f.help === "") problems.push("no HELP");
  if (!["counter", "gauge", "histogram", "summary"].includes(f.type)) problems.push(`type ${f.type}`);
  if (f.type === "counter" && !f.name.endsWith("_total")) problems.push("a counter must end in _total");
  if (f.type !== "counter" && f.name.endsWith("_total")) problems.push("only counters end in _total");
  if (/(latency|duration|lag|_time)/.test(f.name) && !/_seconds(_total)?$/.test(f.name) && !f.name.endsWith("_timestamp_seconds")) problems.push("a time must be in seconds");
  if (/_(ms|milliseconds|kb|mb)(_|$)/.test(f.name)) problems.push("base units only");
  for (const s of f.samples) {
    for (const label of Object.keys(s.labels)) if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(label) || label.startsWith("__")) problems.push(`label ${label}`);
    const suffix = s.name.slice(f.name.length);
    const allowed = f.type === "histogram" ? ["_bucket", "_sum", "_count"] : f.type === "summary" ? ["", "_sum", "_count"] : [""];
    if (!s.name.startsWith(f.name) || !allowed.includes(suffix)) problems.push(`sample ${s.name}`);
  }
  return [...new Set(problems)];
}

