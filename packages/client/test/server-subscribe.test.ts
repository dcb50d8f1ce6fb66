import { describe, expect, it } from "vitest";
import type { Quote } from "@tickwire/protocol";
import { useRealGateway } from "./support/real-gateway.js";
import { waitFor } from "./support/wait-for.js";

describe("subscriptions against the real gateway", () => {
  const rt = useRealGateway();

  it("asks for the union of fields when a second local subscription wants more of a quote", async () => {
    const gw = await rt.start();
    const token = await gw.issueToken({ sub: "alice", tier: "operator", ttlSeconds: 3600 });
    const client = rt.client(gw.url, { token });
    const first: Quote[] = [];
    const second: Quote[] = [];
    await client.subscribe("quotes:AAPL", (q) => first.push(q), { fields: ["price"] }).ready;
    await gw.publish({ channel: "quotes:AAPL", data: { symbol: "AAPL", price: 1, bid: 0.9, ask: 1.1, volume: 7 } });
    await waitFor("first quote", () => first.length === 1);
    await client.subscribe("quotes:AAPL", (q) => second.push(q), { fields: ["bid"] }).ready;
    await waitFor("latest handed to the second", () => second.length === 1);
    await gw.publish({ channel: "quotes:AAPL", data: { symbol: "AAPL", price: 2, bid: 1.9, ask: 2.1, volume: 8 } });
    await waitFor("second quote", () => first.length === 2 && second.length === 2);
    expect({ first, second }).toEqual({
      first: [{ symbol: "AAPL", price: 1 }, { symbol: "AAPL", price: 2, bid: 1.9 }],
      second: [{ symbol: "AAPL", price: 1 }, { symbol: "AAPL", price: 2, bid: 1.9 }],
    });
  });

  it("sends a subscribe refused with a retryable code (RATE_LIMITED) again, paced, until the server takes it", async () => {
    const slow = { eventsPerSecond: 1, burst: 1 };
    const gw = await rt.start({ rateLimit: { navigator: slow, participant: slow, builder: slow, operator: slow } });
    const token = await gw.issueToken({ sub: "alice", tier: "builder", ttlSeconds: 3600 });
    const client = rt.client(gw.url, { token, reconnectionDelay: 300, reconnectionDelayMax: 1000 });
    const errors: unknown[] = [];
    client.on("error", (e) => errors.push(e));
    const quotes: Quote[] = [];
    // One event per second plus a burst of one: the third subscribe (a request of its own) is refused at first.
    const channels: string[] = [];
    for (const symbol of ["AAPL", "MSFT", "NVDA"]) channels.push((await client.subscribe(`quotes:${symbol}`, (q) => quotes.push(q)).ready).channel);
    expect(channels).toEqual(["quotes:AAPL", "quotes:MSFT", "quotes:NVDA"]);
    expect(await gw.metrics.registry.metrics()).toMatch(/tickwire_rate_limited_total [1-9]/);
    await gw.publish({ channel: "quotes:NVDA", data: { symbol: "NVDA", price: 120.5 } });
    await waitFor("the NVDA quote", () => quotes.length === 1);
    expect(quotes).toEqual([{ symbol: "NVDA", price: 120.5 }]);
    expect(errors).toEqual([]);
  });

  it("refuses another user's trades channel with FORBIDDEN", async () => {
    const gw = await rt.start();
    const token = await gw.issueToken({ sub: "alice", tier: "builder", ttlSeconds: 3600 });
    const client = rt.client(gw.url, { token });
    const sub = client.subscribe("trades:bob", () => {});
    await expect(sub.ready).rejects.toMatchObject({ name: "TickwireError", code: "FORBIDDEN", details: { channel: "trades:bob" } });
  });
});
