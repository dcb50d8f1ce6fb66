import { afterEach, describe, expect, it } from "vitest";
import { api, record, TestBed, until } from "../helpers.js";
import { namingProblems, parseMetrics, type Family } from "../prometheus-text.js";

const bed = new TestBed();
afterEach(() => bed.cleanup());

const value = (families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number | undefined =>
  families
    .get(name.replace(/_(bucket|sum|count)$/, ""))
    ?.samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

async function scrape(gw: Parameters<typeof api>[0]): Promise<Map<string, Family>> {
  const res = await api(gw, "GET", "/metrics", undefined, null);
  expect(res.status).toBe(200);
  return parseMetrics(res.body as string);
}

describe("/metrics", () => {
  it("every metric follows the Prometheus naming rules; Tickwire's own carry the tickwire_ prefix", async () => {
    const gw = await bed.gateway({ processMetrics: "both" });
    await api(gw, "GET", "/healthz", undefined, null);
    const families = await scrape(gw);
    expect(families.size).toBeGreaterThan(40);
    const problems = [...families.values()].flatMap((f) => namingProblems(f).map((p) => `${f.name}: ${p}`));
    // prom-client's own gauges of Node.js handles end in _total; they keep the names the Node.js dashboards query.
    const upstreamNames = ["nodejs_active_resources_total", "nodejs_active_handles_total", "nodejs_active_requests_total"].flatMap((n) => [n, `tickwire_${n}`]);
    const allowed = new Set(upstreamNames.map((n) => `${n}: only counters end in _total`));
    expect(problems.filter((p) => !allowed.has(p))).toEqual([]);
    const standard = /^(process_|nodejs_)/;
    for (const name of families.keys()) expect(standard.test(name) || name.startsWith("tickwire_"), name).toBe(true);
  });

  it("exports the standard Node.js process metrics under their usual names by default; prefixed, both or off when asked", async () => {
    const standard = ["process_cpu_seconds_total", "process_resident_memory_bytes", "nodejs_eventloop_lag_seconds", "nodejs_heap_size_used_bytes", "nodejs_gc_duration_seconds", "process_start_time_seconds"];
    const names = async (processMetrics?: string): Promise<string[]> => [...(await scrape(await bed.gateway(processMetrics ? { processMetrics: processMetrics as "both" } : {}))).keys()];
    const byDefault = await names();
    for (const n of standard) expect(byDefault).toContain(n);
    expect(byDefault.filter((n) => n.startsWith("tickwire_process_") || n.startsWith("tickwire_nodejs_"))).toEqual([]);
    const prefixed = await names("prefixed");
    for (const n of standard) {
      expect(prefixed).toContain(`tickwire_${n}`);
      expect(prefixed).not.toContain(n);
    }
    const both = await names("both");
    for (const n of standard) expect(both).toEqual(expect.arrayContaining([n, `tickwire_${n}`]));
    const off = await names("off");
    expect(off.filter((n) => /^(tickwire_)?(process_|nodejs_)/.test(n))).toEqual([]);
    expect(off).toContain("tickwire_connections");
  });

  it("counts and times HTTP requests by method, route pattern and status code", async () => {
    const gw = await bed.gateway();
    await api(gw, "GET", "/healthz", undefined, null);
    await api(gw, "GET", "/healthz", undefined, null);
    await api(gw, "GET", "/api/v1/channels/trades:alice/history?since=0");
    await api(gw, "GET", "/api/v1/channels/trades:bob/history?since=0");
    await api(gw, "POST", "/api/v1/publish", { channel: "nope:x", data: {} });
    await api(gw, "GET", "/no/such/route", undefined, null);
    const families = await scrape(gw);
    const series = families.get("tickwire_http_requests_total")!.samples.map((s) => [s.labels.method, s.labels.route, s.labels.status_code, s.value]);
    expect(series).toEqual(
      expect.arrayContaining([
        ["GET", "/healthz", "200", 2],
        ["GET", "/api/v1/channels/:channel/history", "200", 2],
        ["POST", "/api/v1/publish", "400", 1],
        ["GET", "unmatched", "404", 1],
      ]),
    );
    expect(value(families, "tickwire_http_request_duration_seconds_count", { route: "/api/v1/channels/:channel/history", status_code: "200" })).toBe(2);
  });

  it("times store operations by operation and reports the build", async () => {
    const gw = await bed.gateway();
    expect((await api(gw, "POST", "/api/v1/publish", { channel: "trades:alice", data: { tradeId: "t1" }, idempotencyKey: "k1" })).status).toBe(200);
    expect((await api(gw, "GET", "/api/v1/channels/trades:alice/history?since=0")).status).toBe(200);
    const families = await scrape(gw);
    const ops = families.get("tickwire_store_operation_duration_seconds")!.samples.filter((s) => s.name.endsWith("_count") && s.value > 0).map((s) => s.labels.operation);
    expect(ops).toEqual(expect.arrayContaining(["idempotency.get", "idempotency.put"]));
    expect(ops.some((op) => op!.startsWith("history.append"))).toBe(true);
    expect(families.get("tickwire_store_errors_total")!.samples.every((s) => s.value === 0)).toBe(true);
    expect(families.get("tickwire_build_info")!.samples).toEqual([{ name: "tickwire_build_info", labels: { version: "0.1.0", node_version: process.version }, value: 1 }]);
  });

  it("records the latency of deliveries a conflation interval held apart, so the delivery p99 is the gateway's own", async () => {
    const gw = await bed.gateway({ conflationMs: { navigator: 200, participant: 0, builder: 0, operator: 0 } });
    const socket = await bed.connectAs(gw, "nina", "navigator");
    await socket.emitWithAck("subscribe", { channels: ["quotes:AAPL"] });
    const seen = record(socket, "quote:update");
    // The first goes out at once; the next two fall in the interval and the newest goes out at its end.
    for (const price of [1, 2, 3]) await gw.publish({ channel: "quotes:AAPL", data: { symbol: "AAPL", price } });
    await until(() => seen.length === 2, 5000, "the conflated delivery");
    expect(seen.map((s) => (s.payload as { price: number }).price)).toEqual([1, 3]);
    const families = await scrape(gw);
    expect(value(families, "tickwire_delivery_latency_seconds_count", { namespace: "quotes" })).toBe(1);
    expect(value(families, "tickwire_conflated_delivery_latency_seconds_count", { namespace: "quotes" })).toBe(1);
    const stats = (await api(gw, "GET", "/api/v1/stats")).body;
    expect(stats.conflatedLatencyMs).toEqual({ p50: expect.any(Number), p90: expect.any(Number), p99: expect.any(Number), max: expect.any(Number) });
    // The held one waited for the interval; the gateway's own figure does not include it.
    expect(stats.conflatedLatencyMs.max).toBeGreaterThanOrEqual(stats.latencyMs.max);
  });
});
