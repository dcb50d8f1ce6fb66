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

  it("refuses another user's trades channel with FORBIDDEN", async () => {
    const gw = await rt.start();
    const token = await gw.issueToken({ sub: "alice", tier: "builder", ttlSeconds: 3600 });
    const client = rt.client(gw.url, { token });
    const sub = client.subscribe("trades:bob", () => {});
    await expect(sub.ready).rejects.toMatchObject({ name: "TickwireError", code: "FORBIDDEN", details: { channel: "trades:bob" } });
  });
});
