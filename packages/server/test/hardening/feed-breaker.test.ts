import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import type { Gateway } from "@tickwire/server";
import { record, TestBed, until } from "../helpers.js";

// Hardening review, defect 6: after an upstream feed was down for 1.5 s its
// breaker opened and kept the feed away for 30 s, although the upstream was back.
const bed = new TestBed();
const servers: WebSocketServer[] = [];
afterEach(async () => {
  await bed.cleanup();
  for (const s of servers.splice(0)) {
    for (const c of s.clients) c.terminate();
    await new Promise((ok) => s.close(ok));
  }
});

const feedOf = (gw: Gateway): Record<string, unknown> => (gw.stats().feeds as Array<Record<string, unknown>>).find((f) => f.name === "upstream")!;

async function listen(port = 0): Promise<WebSocketServer> {
  const server = new WebSocketServer({ host: "127.0.0.1", port });
  servers.push(server);
  await new Promise<void>((ok) => server.once("listening", ok));
  return server;
}

describe("the upstream feed's breaker", () => {
  it("never keeps a recovered upstream away longer than the current backoff step", async () => {
    const probe = await listen();
    const port = (probe.address() as AddressInfo).port;
    await new Promise((ok) => probe.close(ok));
    servers.splice(0);
    // A long maximum: a breaker that waited for it would keep the feed away for ten minutes.
    const gw = await bed.gateway({ feedUrl: `ws://127.0.0.1:${port}`, feedReconnectMinMs: 100, feedReconnectMaxMs: 600_000 });
    await until(() => feedOf(gw).breaker === "open", 10_000, "the breaker to open while the upstream is down");

    const alice = await bed.connectAs(gw, "alice", "operator");
    await alice.emitWithAck("subscribe", { channels: ["quotes:NVDA"] });
    const seen = record(alice, "quote:update");
    const server = await listen(port);
    server.on("connection", (ws) => ws.send(JSON.stringify({ channel: "quotes:NVDA", data: { symbol: "NVDA", price: 120.5 } })));
    // The backoff steps are 100, 200, 400 … ms: the next step is a few seconds at most, far below the maximum.
    await until(() => seen.length === 1, 15_000, "a quote from the recovered upstream");
    expect(feedOf(gw)).toMatchObject({ state: "connected", breaker: "closed", received: 1, errors: 0 });
  });
});
