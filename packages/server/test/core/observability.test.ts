import { afterEach, describe, expect, it } from "vitest";
import { API_KEY, TestBed, record, until, captureLogs } from "../helpers.js";

const bed = new TestBed();
afterEach(() => bed.cleanup());

// This file's default level.
const capture = (level = "debug"): ReturnType<typeof captureLogs> => captureLogs(level);

describe("observability", () => {
  it("logs a publication with one traceId from the API to the sockets", async () => {
    const { logger, lines } = capture();
    const gw = await bed.gateway({}, { logger });
    const socket = await bed.connectAs(gw, "alice");
    const seen = record(socket, "trade:update");
    await socket.emitWithAck("subscribe", { channels: ["trades"] });
    const res = await fetch(`${gw.url}/api/v1/publish`, {
      method: "POST",
      headers: { authorization: `Bearer ${API_KEY}`, "content-type": "application/json", "x-trace-id": "trace-abc-123" },
      body: JSON.stringify({ channel: "trades:alice", data: { tradeId: "t1" } }),
    });
    expect(res.status).toBe(200);
    await until(() => seen.length === 1);
    const traced = lines.filter((l) => l.traceId === "trace-abc-123").map((l) => [l.msg, l.channel]);
    expect(traced).toEqual([
      ["publish accepted", "trades:alice"],
      ["delivered", "trades:alice"],
      ["published", "trades:alice"],
    ]);
    expect(lines.find((l) => l.msg === "delivered")).toMatchObject({ component: "hub", offset: 1, sockets: 1 });
  });

  it("keeps snapshots and replays out of the delivery-latency figures", async () => {
    // The gateway's clock moves on by 300 ms after the publish: the snapshot is old when it is sent.
    let skew = 0;
    const gw = await bed.gateway({}, { now: () => Date.now() + skew });
    await gw.publish({ channel: "quotes:AAPL", data: { symbol: "AAPL", price: 1 } });
    skew = 300;
    const socket = await bed.connectAs(gw, "alice");
    const seen = record(socket, "quote:update");
    await socket.emitWithAck("subscribe", { channels: ["quotes:AAPL"] });
    expect(seen).toHaveLength(1); // the snapshot, 300 ms old
    const metrics = await gw.metrics.registry.metrics();
    expect(metrics).toContain('tickwire_deliveries_total{namespace="quotes"} 1');
    expect(metrics).not.toContain('tickwire_delivery_latency_seconds_count{namespace="quotes"}');
    expect(gw.metrics.latency.summary()).toEqual({ p50: 0, p90: 0, p99: 0, max: 0 });
  });
});
