/** A named readiness check: feeds, stores and engines report through these. */
export type ReadinessCheck = () => Promise<{ ok: boolean; details?: unknown }> | { ok: boolean; details?: unknown };

/** One check's answer in the `/readyz` body. */
export interface CheckResult {
  readonly ok: boolean;
  readonly details?: unknown;
  /** Set on a failing advisory check (a shared feed): reported, not counted against readiness. */
  readonly degraded?: true;
}

/** The `/readyz` body. */
export interface ReadinessReport {
  /** `ready` (200), `degraded` (200: only advisory checks fail) or `not_ready` (503). */
  readonly status: "ready" | "degraded" | "not_ready";
  readonly checks: Record<string, CheckResult>;
  /** Names of the failing advisory checks, when there are any. */
  readonly degraded?: readonly string[];
}

/** How readiness probes. */
export interface ReadinessOptions {
  /** Longest wait for one check; a check that takes longer fails. */
  readonly timeoutMs: number;
  /** How long a report is reused before the checks run again (0: every request probes). */
  readonly cacheMs: number;
  /** Advisory checks (shared feeds) fail readiness too. */
  readonly advisoryFails: boolean;
  readonly now?: () => number;
}

/**
 * Runs the named readiness checks in parallel, each bounded by a timeout, and
 * caches the report briefly so that probes of many load balancers cost one round.
 * Advisory checks (feeds every node shares) report `degraded` without failing
 * readiness, unless `advisoryFails`: one shared feed outage must not take the
 * whole fleet out of the load balancer.
 */
export class Readiness {
  private cached: { at: number; report: ReadinessReport } | undefined;
  private inflight: Promise<ReadinessReport> | undefined;
  private readonly now: () => number;

  constructor(
    private readonly checks: Map<string, ReadinessCheck>,
    private readonly advisory: ReadonlySet<string>,
    private readonly options: ReadinessOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** The current report: cached when fresh, else the checks run (concurrent callers share one run). */
  report(): Promise<ReadinessReport> {
    const cached = this.cached;
    if (cached && this.now() - cached.at < this.options.cacheMs) return Promise.resolve(cached.report);
    this.inflight ??= this.run().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  /** Forgets the cached report (the gateway began closing: the next probe must say so). */
  invalidate(): void {
    this.cached = undefined;
  }

  private async run(): Promise<ReadinessReport> {
    const names = [...this.checks.keys()];
    const results = await Promise.all(names.map((name) => this.runOne(this.checks.get(name)!)));
    const checks: Record<string, CheckResult> = {};
    const degraded: string[] = [];
    let failed = false;
    names.forEach((name, i) => {
      const result = results[i]!;
      if (result.ok) checks[name] = result;
      else if (this.advisory.has(name) && !this.options.advisoryFails) {
        checks[name] = { ...result, degraded: true };
        degraded.push(name);
      } else {
        checks[name] = result;
        failed = true;
      }
    });
    const status = failed ? "not_ready" : degraded.length > 0 ? "degraded" : "ready";
    const report: ReadinessReport = degraded.length > 0 ? { status, checks, degraded } : { status, checks };
    this.cached = { at: this.now(), report };
    return report;
  }

  private async runOne(check: ReadinessCheck): Promise<CheckResult> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<CheckResult>((resolve) => {
      timer = setTimeout(() => resolve({ ok: false, details: `no answer within ${this.options.timeoutMs} ms` }), this.options.timeoutMs);
    });
    try {
      const answer = Promise.resolve().then(check).then(
        (r) => ({ ok: r.ok === true, ...(r.details === undefined ? {} : { details: r.details }) }),
        (err: unknown) => ({ ok: false, details: err instanceof Error ? err.message : String(err) }),
      );
      return await Promise.race([answer, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
