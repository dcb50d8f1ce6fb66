// @vitest-environment jsdom
import { act, cleanup, renderHook, waitFor as rtlWaitFor } from "@testing-library/react";
import { StrictMode, createElement, type ReactNode } from "react";
import { afterEach, describe, expect, it } from "vitest";
import type { AiDecision, Signal, Trade } from "@tickwire/protocol";
import type { TickwireClient } from "../src/index.js";
import {
  TickwireProvider,
  useAiDecisions,
  useChannel,
  useConnectionState,
  useLatency,
  useMetrics,
  useNotifications,
  usePortfolio,
  useQuotes,
  useSignals,
  useTrades,
} from "../src/react/index.js";
import { fakeToken, type FakeGateway } from "./support/fake-gateway.js";
import { useHarness } from "./support/harness.js";
import { waitFor } from "./support/wait-for.js";

const trade = (n: number, status: Trade["status"] = "executed"): Trade => ({ tradeId: `t${n}`, symbol: "AAPL", status, quantity: n });

describe("React hooks", () => {
  const h = useHarness();
  afterEach(() => cleanup());

  async function setup(): Promise<{ gw: FakeGateway; client: TickwireClient; wrapper: (p: { children: ReactNode }) => ReactNode }> {
    const gw = await h.gateway();
    const client = h.client(gw);
    await waitFor("connected", () => client.state === "connected");
    const wrapper = ({ children }: { children: ReactNode }) => createElement(TickwireProvider, { client }, children);
    return { gw, client, wrapper };
  }

  /** Waits, inside act, until a rendered hook meets a condition. */
  const until = (what: string, check: () => boolean) =>
    rtlWaitFor(() => {
      if (!check()) throw new Error(`Timed out waiting for ${what}`);
    }, { timeout: 5000 });

  /**
   * Waits until the channel has a server subscription, so a publish reaches it. With
   * `client`, also until the client has taken the subscribe reply (a ping answered after
   * it): publications that arrive in the same read as the reply count as catch-up, not live.
   */
  const subscribed = async (gw: FakeGateway, channel: string, client?: TickwireClient) => {
    await waitFor(`subscription to ${channel}`, () => [...gw.io.of("/").sockets.values()].some((s) => (s.data.channels as Map<string, unknown>).has(channel)));
    if (client) await act(() => client.ping());
  };

  it("useConnectionState follows a client the provider creates from url and token, and closes it on unmount", async () => {
    const gw = await h.gateway();
    const wrapper = ({ children }: { children: ReactNode }) =>
      createElement(TickwireProvider, { url: gw.url, token: fakeToken({ sub: "alice" }), transports: ["websocket"] }, children);
    const seen: string[] = [];
    const { result, unmount } = renderHook(() => {
      const state = useConnectionState();
      if (seen[seen.length - 1] !== state) seen.push(state);
      return state;
    }, { wrapper });
    await until("connected", () => result.current === "connected");
    expect(gw.io.of("/").sockets.size).toBe(1);
    unmount();
    await waitFor("socket closed", () => gw.io.of("/").sockets.size === 0);
    expect(seen).toEqual(["disconnected", "connecting", "connected"]);
  });

  it("opens exactly one connection under StrictMode's double mount", async () => {
    const gw = await h.gateway();
    const wrapper = ({ children }: { children: ReactNode }) =>
      createElement(StrictMode, null, createElement(TickwireProvider, { url: gw.url, token: fakeToken({ sub: "alice" }), transports: ["websocket"] }, children));
    const { result } = renderHook(() => ({ state: useConnectionState(), trades: useTrades() }), { wrapper });
    await until("connected", () => result.current.state === "connected");
    await subscribed(gw, "trades:alice");
    gw.publish("trades:alice", trade(1));
    await until("trade", () => result.current.trades.length === 1);
    expect({ sockets: gw.io.of("/").sockets.size, trades: result.current.trades }).toEqual({ sockets: 1, trades: [trade(1)] });
  });

  it("useChannel gives the latest payload with its meta, and the last items newest first", async () => {
    const { gw, client, wrapper } = await setup();
    const { result } = renderHook(() => useChannel("trades", { limit: 2 }), { wrapper });
    expect(result.current).toEqual({ data: null, meta: null, items: [] });
    await subscribed(gw, "trades:alice", client);
    const published = [1, 2, 3].map((n) => gw.publish("trades:alice", trade(n)));
    await until("three trades", () => result.current.data?.tradeId === "t3");
    expect(result.current).toEqual({
      data: trade(3),
      meta: { channel: "trades:alice", offset: 3, epoch: published[2]!.epoch, ts: expect.any(Number), event: "trade:update", live: true },
      items: [trade(3), trade(2)],
    });
  });

  it("useQuotes keys quotes by symbol with the previous quote and the direction of the move", async () => {
    const { gw, wrapper } = await setup();
    const { result, rerender } = renderHook(({ symbols }) => useQuotes(symbols), { wrapper, initialProps: { symbols: ["AAPL", "MSFT"] } });
    await subscribed(gw, "quotes:AAPL");
    await subscribed(gw, "quotes:MSFT");
    gw.publish("quotes:AAPL", { symbol: "AAPL", price: 100 });
    gw.publish("quotes:MSFT", { symbol: "MSFT", price: 400 });
    gw.publish("quotes:AAPL", { symbol: "AAPL", price: 101 });
    gw.publish("quotes:MSFT", { symbol: "MSFT", price: 399 });
    await until("two moves", () => result.current.AAPL?.quote.price === 101 && result.current.MSFT?.quote.price === 399);
    expect(result.current).toEqual({
      AAPL: { quote: { symbol: "AAPL", price: 101 }, prev: { symbol: "AAPL", price: 100 }, direction: "up" },
      MSFT: { quote: { symbol: "MSFT", price: 399 }, prev: { symbol: "MSFT", price: 400 }, direction: "down" },
    });

    rerender({ symbols: ["AAPL"] });
    await waitFor("MSFT unsubscribed", () => gw.requests.find((r) => r.event === "unsubscribe"));
    expect(gw.requests.filter((r) => r.event !== "ping")).toEqual([
      { event: "subscribe", payload: { channels: ["quotes:AAPL"] } },
      { event: "subscribe", payload: { channels: ["quotes:MSFT"] } },
      { event: "unsubscribe", payload: { channels: ["quotes:MSFT"] } },
    ]);
    expect(Object.keys(result.current)).toEqual(["AAPL"]);
  });

  it("usePortfolio and useMetrics give the latest value, or null before it", async () => {
    const { gw, wrapper } = await setup();
    const { result } = renderHook(() => ({ portfolio: usePortfolio(), metrics: useMetrics() }), { wrapper });
    expect(result.current).toEqual({ portfolio: null, metrics: null });
    await subscribed(gw, "portfolio:alice");
    await subscribed(gw, "metrics");
    gw.publish("portfolio:alice", { totalValue: 1000, cash: 10 });
    gw.publish("portfolio:alice", { totalValue: 1010, cash: 10 });
    gw.publish("metrics", { sharpe_ratio: 1.2 });
    await until("values", () => result.current.portfolio?.totalValue === 1010 && result.current.metrics !== null);
    expect(result.current).toEqual({ portfolio: { totalValue: 1010, cash: 10 }, metrics: { sharpe_ratio: 1.2 } });
  });

  it("useTrades lists trades newest first, one row per trade id, at most limit", async () => {
    const { gw, wrapper } = await setup();
    const { result } = renderHook(() => useTrades(2), { wrapper });
    await subscribed(gw, "trades:alice");
    gw.publish("trades:alice", trade(1, "pending"));
    gw.publish("trades:alice", trade(2, "pending"));
    gw.publish("trades:alice", trade(1, "executed"), "trade:executed");
    await until("update of t1", () => result.current[0]?.status === "executed");
    gw.publish("trades:alice", trade(3, "failed"), "trade:failed");
    await until("t3", () => result.current[0]?.tradeId === "t3");
    expect(result.current).toEqual([trade(3, "failed"), trade(1, "executed")]);
  });

  it("useSignals and useAiDecisions list the newest first", async () => {
    const { gw, wrapper } = await setup();
    const signal = (n: number): Signal => ({ signalId: `s${n}`, providerId: "p1", symbol: "AAPL", action: "buy" });
    const decision = (n: number): AiDecision => ({ id: `d${n}`, model_name: "m", symbol: "AAPL", prediction: { direction: "up", confidence: 0.5 + n / 10 } });
    const { result } = renderHook(() => ({ signals: useSignals(5), decisions: useAiDecisions(5) }), { wrapper });
    await subscribed(gw, "signals");
    await subscribed(gw, "ai");
    gw.publish("signals", signal(1));
    gw.publish("signals", signal(2));
    gw.publish("ai", decision(1));
    await until("lists", () => result.current.signals.length === 2 && result.current.decisions.length === 1);
    expect(result.current).toEqual({ signals: [signal(2), signal(1)], decisions: [decision(1)] });
  });

  it("useNotifications loads the inbox on connect, prepends live ones once, and acknowledges", async () => {
    const { gw, client, wrapper } = await setup();
    const old = gw.notify("alice", { type: "info", title: null, message: "Old", data: null, actionUrl: null });
    const { result } = renderHook(() => useNotifications(), { wrapper });
    await until("loaded", () => result.current.items.length === 1);
    await subscribed(gw, "notifications:alice", client);
    const fresh = gw.notify("alice", { type: "warning", title: "Margin", message: "Low margin", data: null, actionUrl: null });
    await until("live", () => result.current.items.length === 2);
    // The same notification delivered again (at least once) is not listed twice.
    for (const [, s] of gw.io.of("/").sockets) s.emit("notification:new", fresh, { channel: "notifications:alice", offset: 99, epoch: "x", ts: 1 });
    await act(() => client.ping()); // the redelivery arrives before the ping's answer
    expect({ items: result.current.items, unread: result.current.unread, latest: result.current.latest }).toEqual({
      items: [fresh, old], unread: 2, latest: fresh,
    });

    await act(() => result.current.ack([old.id]));
    expect({ unread: result.current.unread, read: result.current.items.map((n) => n.read) }).toEqual({ unread: 1, read: [false, true] });
    await act(() => result.current.ackAll());
    expect({ unread: result.current.unread, read: result.current.items.map((n) => n.read) }).toEqual({ unread: 0, read: [true, true] });
    expect(gw.requests.filter((r) => r.event === "notifications:ack")).toEqual([
      { event: "notifications:ack", payload: { ids: [old.id] } },
      { event: "notifications:ack", payload: { ids: [fresh.id] } },
    ]);
  });

  it("useLatency measures the round trip while connected", async () => {
    const { gw, wrapper } = await setup();
    const { result } = renderHook(() => useLatency(50), { wrapper });
    expect(result.current).toBe(null);
    await until("rtt", () => result.current !== null);
    expect(typeof result.current).toBe("number");
    await waitFor("second ping", () => gw.requests.filter((r) => r.event === "ping").length >= 2);
  });
});
