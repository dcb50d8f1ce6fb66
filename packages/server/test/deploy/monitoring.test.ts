import { spawnSync } from "node:child_process";
import { parse as parseYaml } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Gateway } from "@tickwire/server";
import { api, TestBed } from "../helpers.js";
import { parseMetrics } from "../prometheus-text.js";
import { path, read } from "./kit.js";

const bed = new TestBed();
/** Every metric family a gateway exports (with a feed's families, which have no samples until one runs). */
let exported: Set<string>;
beforeAll(async () => {
  const gw: Gateway = await bed.gateway();
  exported = new Set(parseMetrics((await api(gw, "GET", "/metrics", undefined, null)).body as string).keys());
});
afterAll(() => bed.cleanup());

/** Prometheus' own series, not exported by the gateway. */
const PROMETHEUS_SERIES = new Set(["up"]);
const FUNCTIONS = new Set(["sum", "max", "min", "avg", "count", "rate", "irate", "increase", "changes", "histogram_quantile", "label_values", "by", "without", "on", "ignoring", "and", "or", "unless", "bool"]);

/** Metric names an expression reads: identifiers outside label matchers, strings and function calls. */
function metricsOf(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, "")
    .replace(/\[[^\]]*\]/g, "")
    .replace(/\b(by|without)\s*\([^)]*\)/g, "");
  return [...bare.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)].map((m) => m[0]).filter((name) => !FUNCTIONS.has(name) && !/^\$/.test(name) && !/^__/.test(name) && !/^\d/.test(name));
}

/** The family a series name belongs to (`…_bucket` of a histogram). */
function family(name: string): string {
  return exported.has(name) ? name : name.replace(/_(bucket|sum|count)$/, "");
}

function balanced(expr: string): boolean {
  let depth = 0;
  for (const c of expr) {
    if (c === "(") depth++;
    if (c === ")" && --depth < 0) return false;
  }
  return depth === 0;
}

describe("deploy/prometheus/alerts.yml", () => {
  const doc = parseYaml(read("deploy/prometheus/alerts.yml")) as { groups: Array<{ name: string; rules: Array<Record<string, any>> }> };
  const rules = doc.groups.flatMap((g) => g.rules);

  it("is a rule file: named groups of alerts with an expression, a severity and a summary", () => {
    expect(doc.groups.length).toBeGreaterThan(0);
    for (const group of doc.groups) expect(group.name).toMatch(/\S/);
    expect(rules.length).toBeGreaterThanOrEqual(10);
    const names = rules.map((r) => r.alert as string);
    expect(new Set(names).size).toBe(names.length);
    for (const rule of rules) {
      expect(Object.keys(rule).filter((k) => !["alert", "expr", "for", "labels", "annotations"].includes(k)), rule.alert).toEqual([]);
      expect(rule.alert).toMatch(/^Tickwire[A-Z][A-Za-z]+$/);
      expect(typeof rule.expr, rule.alert).toBe("string");
      expect(balanced(rule.expr), rule.alert).toBe(true);
      if (rule.for !== undefined) expect(rule.for, rule.alert).toMatch(/^\d+[smh]$/);
      expect(["warning", "critical"], rule.alert).toContain(rule.labels.severity);
      expect(rule.annotations.summary, rule.alert).toMatch(/\S/);
      expect(rule.annotations.description, rule.alert).toMatch(/\S/);
    }
  });

  it("reads only metrics the gateway exports (or Prometheus' own up)", () => {
    for (const rule of rules) {
      const used = metricsOf(rule.expr);
      expect(used.length, rule.alert).toBeGreaterThan(0);
      for (const name of used) expect(PROMETHEUS_SERIES.has(name) || exported.has(family(name)), `${rule.alert}: ${name}`).toBe(true);
    }
  });

  it("covers the failures operators act on", () => {
    const all = rules.map((r) => r.expr as string).join("\n");
    for (const metric of ["tickwire_delivery_latency_seconds_bucket", "tickwire_store_errors_total", "tickwire_feed_breaker_state", "tickwire_slow_consumer_disconnects_total", "tickwire_http_requests_total", "nodejs_eventloop_lag_p99_seconds"]) expect(all).toContain(metric);
  });

  // CI installs promtool (Debian's prometheus package, see .ci/run): there it must run.
  it.runIf(process.env.CI === "true" || spawnSync("promtool", ["--version"]).status === 0)("passes promtool check rules", () => {
    const out = spawnSync("promtool", ["check", "rules", path("deploy/prometheus/alerts.yml")], { encoding: "utf8" });
    expect(out.status, out.stdout + out.stderr).toBe(0);
  });
});

describe("deploy/grafana/tickwire.json", () => {
  const dash = JSON.parse(read("deploy/grafana/tickwire.json")) as Record<string, any>;
  const panels = (dash.panels as Array<Record<string, any>>).filter((p) => p.type !== "row");

  it("is a dashboard with a Prometheus data source variable and a node filter", () => {
    expect(dash).toMatchObject({ title: "Tickwire", uid: "tickwire" });
    const vars = (dash.templating.list as Array<Record<string, any>>).map((v) => [v.name, v.type]);
    expect(vars).toEqual([
      ["datasource", "datasource"],
      ["instance", "query"],
    ]);
    const ids = (dash.panels as Array<{ id: number }>).map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of panels) {
      expect(p.datasource, p.title).toEqual({ type: "prometheus", uid: "${datasource}" });
      expect(p.gridPos.w + p.gridPos.x, p.title).toBeLessThanOrEqual(24);
      expect(p.targets.length, p.title).toBeGreaterThan(0);
    }
  });

  it("queries only metrics the gateway exports, each panel filtered by the node variable", () => {
    for (const p of panels) {
      for (const t of p.targets as Array<{ expr: string }>) {
        expect(balanced(t.expr), p.title).toBe(true);
        expect(t.expr, p.title).toContain('instance=~"$instance"');
        for (const name of metricsOf(t.expr)) expect(exported.has(family(name)), `${p.title}: ${name}`).toBe(true);
      }
    }
  });

  it("shows the gateway's own delivery latency apart from conflated deliveries, HTTP, store, feeds and the process", () => {
    const exprs = panels.flatMap((p) => (p.targets as Array<{ expr: string }>).map((t) => t.expr)).join("\n");
    for (const metric of ["tickwire_delivery_latency_seconds_bucket", "tickwire_conflated_delivery_latency_seconds_bucket", "tickwire_http_request_duration_seconds_bucket", "tickwire_store_operation_duration_seconds_bucket", "tickwire_feed_messages_total", "process_cpu_seconds_total", "nodejs_eventloop_lag_p99_seconds"]) expect(exprs).toContain(metric);
  });
});
