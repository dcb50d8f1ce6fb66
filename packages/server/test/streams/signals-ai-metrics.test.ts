import { afterEach, describe, expect, it } from "vitest";
import { record, TestBed, until } from "../helpers.js";

const bed = new TestBed();
afterEach(() => bed.cleanup());

const signal = (providerId: string, symbol = "NVDA"): Record<string, unknown> => ({
  signalId: `${providerId}-${symbol}`,
  providerId,
  providerName: providerId.toUpperCase(),
  symbol,
  action: "buy",
  entryPrice: 120.5,
  stopLoss: 118,
  takeProfit: 126,
  confidence: 0.8,
  discordMessageId: "123",
});
const decision = (model: string): Record<string, unknown> => ({
  id: `dec-${model}`,
  model_name: model,
  symbol: "BTC-USD",
  prediction: { direction: "up", confidence: 0.85, price_target: 51500, time_horizon: "4h" },
  reasoning: "Strong bullish momentum detected...",
  outcome: "pending",
});

describe("signals, AI decisions and metrics", () => {
  it("opens signals to participants and up, AI decisions to builders and up", async () => {
    const gw = await bed.gateway();
    const refusals = [];
    for (const tier of ["navigator", "participant", "builder"]) {
      const socket = await bed.connectAs(gw, `u-${tier}`, tier);
      const reply = await socket.emitWithAck("subscribe", { channels: ["signals", "signals:acme", "ai", "ai:GBM-v3"] });
      refusals.push([tier, reply.subscribed.map((s: { channel: string }) => s.channel), reply.failed.map((f: { code: string; message: string }) => `${f.code} ${f.message}`)]);
    }
    expect(refusals).toEqual([
      ["navigator", [], [
        'FORBIDDEN "signals" needs tier participant or above; you are navigator.',
        'FORBIDDEN "signals" needs tier participant or above; you are navigator.',
        'FORBIDDEN "ai" needs tier builder or above; you are navigator.',
        'FORBIDDEN "ai" needs tier builder or above; you are navigator.',
      ]],
      ["participant", ["signals", "signals:acme"], [
        'FORBIDDEN "ai" needs tier builder or above; you are participant.',
        'FORBIDDEN "ai" needs tier builder or above; you are participant.',
      ]],
      ["builder", ["signals", "signals:acme", "ai", "ai:GBM-v3"], []],
    ]);
  });

  it("publishes a provider's signal on its channel and on the aggregate `signals`, each with its own offsets", async () => {
    const gw = await bed.gateway();
    const all = await bed.connectAs(gw, "all", "participant");
    const acme = await bed.connectAs(gw, "acme-fan", "participant");
    await all.emitWithAck("subscribe", { channels: ["signals"] });
    await acme.emitWithAck("subscribe", { channels: ["signals:acme"] });
    const seenAll = record(all, "signal:new");
    const seenAcme = record(acme, "signal:new");

    await gw.publish({ channel: "signals", data: signal("house") });
    const first = await gw.publish({ channel: "signals:acme", data: signal("acme") });
    await gw.publish({ channel: "signals:zen", data: signal("zen") });
    await until(() => seenAll.length === 3 && seenAcme.length === 1);

    expect(first).toEqual({ channel: "signals:acme", offset: 1, epoch: expect.any(String) });
    expect(seenAcme).toEqual([{ event: "signal:new", payload: signal("acme"), meta: { channel: "signals:acme", offset: 1, epoch: first.epoch, ts: expect.any(Number) } }]);
    expect(seenAll.map((e) => [e.payload, e.meta.channel, e.meta.offset])).toEqual([
      [signal("house"), "signals", 1],
      [signal("acme"), "signals", 2],
      [signal("zen"), "signals", 3],
    ]);
  });

  it("keeps the aggregate channel's history, so a reconnecting client recovers every provider's signals", async () => {
    const gw = await bed.gateway();
    const first = await gw.publish({ channel: "signals:acme", data: signal("acme", "AAPL") });
    await gw.publish({ channel: "signals:zen", data: signal("zen", "TSLA") });
    const history = await fetch(`${gw.url}/api/v1/channels/signals/history?since=0`, { headers: { authorization: "Bearer test-api-key" } }).then((r) => r.json());
    expect(history).toEqual({
      epoch: expect.any(String),
      offset: 2,
      publications: [
        { offset: 1, ts: expect.any(Number), event: "signal:new", data: signal("acme", "AAPL") },
        { offset: 2, ts: expect.any(Number), event: "signal:new", data: signal("zen", "TSLA") },
      ],
    });
    expect(history.epoch).not.toBe(first.epoch);
  });

  it("copies a model's decision to the aggregate `ai` channel", async () => {
    const gw = await bed.gateway();
    const socket = await bed.connectAs(gw, "quant", "builder");
    await socket.emitWithAck("subscribe", { channels: ["ai", "ai:Transformer-v1"] });
    const seen = record(socket, "ai:decision");
    await gw.publish({ channel: "ai:Transformer-v1", data: decision("Transformer-v1") });
    await until(() => seen.length === 2);
    expect(seen.map((e) => [e.payload, e.meta.channel, e.meta.offset]).sort((a, b) => String(a[1]).localeCompare(String(b[1])))).toEqual([
      [decision("Transformer-v1"), "ai", 1],
      [decision("Transformer-v1"), "ai:Transformer-v1", 1],
    ]);
  });

  it("serves performance metrics as state: the latest on subscribe, to any tier", async () => {
    const gw = await bed.gateway();
    const metrics = { period: "24h", total_return: 5.23, sharpe_ratio: 1.85, win_rate: 65.5, total_trades: 145, websocket_connections: 5, strategy: "mean-reversion" };
    await gw.publish({ channel: "metrics", data: { ...metrics, total_trades: 144 } });
    const { epoch } = await gw.publish({ channel: "metrics", data: metrics });
    const socket = await bed.connectAs(gw, "viewer", "navigator");
    const seen = record(socket, "metrics:update");
    await socket.emitWithAck("subscribe", { channels: ["metrics"] });
    expect(seen).toEqual([{ event: "metrics:update", payload: metrics, meta: { channel: "metrics", offset: 2, epoch, ts: expect.any(Number) } }]);
  });
});
