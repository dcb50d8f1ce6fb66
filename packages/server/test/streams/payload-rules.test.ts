import { afterEach, describe, expect, it } from "vitest";
import { api, record, TestBed, until } from "../helpers.js";

const bed = new TestBed();
afterEach(() => bed.cleanup());

describe("payload checks at publish", () => {
  it.each([
    ["a quote for another symbol", "quotes:AAPL", { symbol: "MSFT", price: 1 }, 'Quote symbol "MSFT" does not match the channel "quotes:AAPL".'],
    ["a quote in lower case on an upper-cased channel", "quotes:aapl", { symbol: "aapl", price: 1 }, 'Quote symbol "aapl" does not match the channel "quotes:AAPL".'],
    ["a quote without a symbol", "quotes:AAPL", { price: 1 }, "A quote needs `symbol`, the channel's symbol."],
    ["a quote without a price", "quotes:AAPL", { symbol: "AAPL" }, "A quote needs a numeric `price`."],
    ["a quote with a text price", "quotes:AAPL", { symbol: "AAPL", price: "190.1" }, "A quote needs a numeric `price`."],
    ["a quote with a text bid", "quotes:AAPL", { symbol: "AAPL", price: 1, bid: "0.9" }, "Quote `bid` must be a number."],
    ["a portfolio for another user", "portfolio:alice", { userId: "bob", totalValue: 1 }, '`userId` "bob" does not match the channel "portfolio:alice".'],
    ["a trade for another user", "trades:alice", { userId: "bob", tradeId: "t1" }, '`userId` "bob" does not match the channel "trades:alice".'],
    ["a signal of another provider", "signals:acme", { providerId: "zen", symbol: "AAPL" }, '`providerId` "zen" does not match the channel "signals:acme".'],
    ["a decision of another model", "ai:LSTM-v2", { model_name: "GBM-v3" }, '`model_name` "GBM-v3" does not match the channel "ai:LSTM-v2".'],
    ["a trade that is a list", "trades:alice", [{ tradeId: "t1" }], '"trades" publications are JSON objects.'],
    ["metrics that are a number", "metrics", 42, '"metrics" publications are JSON objects.'],
  ])("refuses %s with BAD_REQUEST", async (_what, channel, data, message) => {
    const gw = await bed.gateway();
    expect(await api(gw, "POST", "/api/v1/publish", { channel, data })).toEqual({ status: 400, body: { statusCode: 400, code: "BAD_REQUEST", message } });
    expect(gw.metrics.totals.publications.size).toBe(0);
  });

  it("passes extra fields and the requirement documents' variants through untouched", async () => {
    const gw = await bed.gateway();
    const socket = await bed.connectAs(gw, "alice", "operator");
    await socket.emitWithAck("subscribe", { channels: ["quotes:BTC-USD", "trades", "signals"] });
    const seen = record(socket, "quote:update", "trade:executed", "signal:new");
    const items = [
      { channel: "quotes:btc-usd", data: { symbol: "BTC-USD", price: 51234.56, venue: "coinbase", timestamp: 1735000000000 } },
      // The trade copier's trade:executed (`id`, no `tradeId`) and the transparency dashboard's `status: "filled"`.
      { channel: "trades:alice", event: "trade:executed", data: { id: "trade-1", symbol: "BTC-USD", side: "buy", quantity: 0.01, price: 51234.56, status: "filled", fee: 0.51 } },
      { channel: "signals", data: { signalId: "s1", providerId: "anyone", symbol: "AAPL", action: "buy", source: "discord" } },
    ];
    const reply = await api(gw, "POST", "/api/v1/publish/batch", { items });
    expect(reply.body.results.map((r: { ok: boolean }) => r.ok)).toEqual([true, true, true]);
    await until(() => seen.length === 3);
    expect(seen.map((e) => e.payload)).toEqual(items.map((i) => i.data));
  });
});
