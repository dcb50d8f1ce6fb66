import { describe, expectTypeOf, it } from "vitest";
import type { AiDecision, Notification, PerformanceMetrics, Portfolio, Quote, Signal, Trade } from "@tickwire/protocol";
import type { DeliveryMeta, Subscription, TickwireClient } from "../src/index.js";
import type { ChannelValue, QuoteView } from "../src/react/index.js";
import type { useChannel, useNotifications, useQuotes } from "../src/react/index.js";

// Checked by `npm run typecheck:test -w @tickwire/client` (tsc); at run time these are no-ops.
describe("types", () => {
  it("gives each channel name its payload type", () => {
    const subscribe = null as unknown as TickwireClient["subscribe"];
    expectTypeOf<Parameters<typeof subscribe<"quotes:AAPL">>[1]>().toEqualTypeOf<(payload: Quote, meta: DeliveryMeta) => void>();
    expectTypeOf<Parameters<typeof subscribe<"trades">>[1]>().toEqualTypeOf<(payload: Trade, meta: DeliveryMeta) => void>();
    expectTypeOf<Parameters<typeof subscribe<"portfolio">>[1]>().toEqualTypeOf<(payload: Portfolio, meta: DeliveryMeta) => void>();
    expectTypeOf<Parameters<typeof subscribe<"signals:p1">>[1]>().toEqualTypeOf<(payload: Signal, meta: DeliveryMeta) => void>();
    expectTypeOf<Parameters<typeof subscribe<"ai">>[1]>().toEqualTypeOf<(payload: AiDecision, meta: DeliveryMeta) => void>();
    expectTypeOf<Parameters<typeof subscribe<"metrics">>[1]>().toEqualTypeOf<(payload: PerformanceMetrics, meta: DeliveryMeta) => void>();
    expectTypeOf<Parameters<typeof subscribe<"notifications">>[1]>().toEqualTypeOf<(payload: Notification, meta: DeliveryMeta) => void>();
    expectTypeOf<ReturnType<typeof subscribe<"trades">>>().toEqualTypeOf<Subscription<"trades">>();
  });

  it("types the hooks' results from the channel", () => {
    expectTypeOf<ReturnType<typeof useChannel<"quotes:MSFT">>>().toEqualTypeOf<ChannelValue<Quote>>();
    expectTypeOf<ReturnType<typeof useQuotes>>().toEqualTypeOf<Record<string, QuoteView>>();
    expectTypeOf<ReturnType<typeof useNotifications>["items"]>().toEqualTypeOf<Notification[]>();
  });
});
