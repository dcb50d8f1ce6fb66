// @vitest-environment jsdom
import { cleanup, renderHook, waitFor as rtlWaitFor } from "@testing-library/react";
import { createElement, type ReactNode } from "react";
import { afterEach, describe, expect, it } from "vitest";
import type { Trade } from "@tickwire/protocol";
import { TickwireProvider, useConnectionState, useNotifications, usePortfolio, useQuotes, useTickwireClient, useTrades } from "../src/react/index.js";
import { useRealGateway } from "./support/real-gateway.js";

// Vitest's jsdom environment swaps the global Uint8Array for jsdom's, while Node's
// TextEncoder (used by the gateway's JWT code) still makes Node's: put Node's back.
globalThis.Uint8Array = Object.getPrototypeOf(new TextEncoder().encode("")).constructor as Uint8ArrayConstructor;

const trade = (n: number): Trade => ({ tradeId: `t${n}`, symbol: "AAPL", status: "executed", quantity: n });

const until = (what: string, check: () => boolean, timeout = 5000) =>
  rtlWaitFor(() => {
    if (!check()) throw new Error(`Timed out waiting for ${what}`);
  }, { timeout });

describe("hooks against the real gateway", () => {
  const rt = useRealGateway();
  afterEach(() => cleanup());

  it("renders connection state, quotes, portfolio and trades from a provider given url and getToken", async () => {
    const server = await rt.start();
    const getToken = () => server.issueToken({ sub: "alice", tier: "operator", ttlSeconds: 3600 });
    const wrapper = ({ children }: { children: ReactNode }) =>
      createElement(TickwireProvider, { url: server.url, getToken, transports: ["websocket"] }, children);
    const { result, unmount } = renderHook(
      () => ({ state: useConnectionState(), quotes: useQuotes(["AAPL"]), portfolio: usePortfolio(), trades: useTrades(3), client: useTickwireClient() }),
      { wrapper },
    );
    await until("connected", () => result.current.state === "connected");
    // An extra local subscription shares useTrades' server subscription: once it is ready, trades reach the hook.
    await result.current.client!.subscribe("trades", () => {}).ready;
    await server.publish({ channel: "portfolio:alice", data: { totalValue: 1000, cash: 50 } });
    await until("portfolio", () => result.current.portfolio !== null);
    await server.publish({ channel: "quotes:AAPL", data: { symbol: "AAPL", price: 190 } });
    await until("first quote", () => result.current.quotes.AAPL?.quote.price === 190);
    await server.publish({ channel: "quotes:AAPL", data: { symbol: "AAPL", price: 189.5 } });
    for (const n of [1, 2, 3, 4]) await server.publish({ channel: "trades:alice", data: trade(n), event: "trade:executed" });
    await until("quote and trades", () => result.current.quotes.AAPL?.quote.price === 189.5 && result.current.trades[0]?.tradeId === "t4");

    const { client: _client, ...view } = result.current;
    expect(view).toEqual({
      state: "connected",
      quotes: { AAPL: { quote: { symbol: "AAPL", price: 189.5 }, prev: { symbol: "AAPL", price: 190 }, direction: "down" } },
      portfolio: { totalValue: 1000, cash: 50 },
      trades: [trade(4), trade(3), trade(2)],
    });
    unmount();
  });

  it("lists the unread inbox re-sent on subscribe without making it `latest`; a live notification is", async () => {
    const server = await rt.start();
    const notify = (message: string) =>
      fetch(`${server.url}/api/v1/notifications`, {
        method: "POST",
        headers: { authorization: "Bearer test-key", "content-type": "application/json" },
        body: JSON.stringify({ userId: "alice", type: "info", message }),
      }).then((r) => r.json() as Promise<{ ids: string[] }>);
    const old = await notify("Waiting since yesterday.");
    const getToken = () => server.issueToken({ sub: "alice", tier: "builder", ttlSeconds: 3600 });
    const wrapper = ({ children }: { children: ReactNode }) =>
      createElement(TickwireProvider, { url: server.url, getToken, transports: ["websocket"] }, children);
    const { result, unmount } = renderHook(() => ({ inbox: useNotifications(), client: useTickwireClient() }), { wrapper });
    await until("the unread backlog", () => result.current.inbox.items.length === 1);
    await result.current.client!.subscribe("notifications", () => {}).ready;
    expect({ ids: result.current.inbox.items.map((n) => n.id), latest: result.current.inbox.latest }).toEqual({ ids: old.ids, latest: null });
    const fresh = await notify("Rebalance now.");
    await until("the live one", () => result.current.inbox.latest !== null);
    expect({ ids: result.current.inbox.items.map((n) => n.id), latest: result.current.inbox.latest?.id, unread: result.current.inbox.unread }).toEqual({
      ids: [fresh.ids[0], old.ids[0]],
      latest: fresh.ids[0],
      unread: 2,
    });
    unmount();
  });
});
