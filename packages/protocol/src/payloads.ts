import { Type, type Static } from "@sinclair/typebox";

/*
 * Payload shapes of each namespace, taken from the requirement documents.
 * They document what publishers send; extra fields pass through untouched so
 * that existing publishers keep working.
 */

const Num = Type.Number();
const OptNum = Type.Optional(Type.Number());
const OptStr = Type.Optional(Type.String());
const Timestamp = Type.Union([Type.String(), Type.Number()], { description: "ISO 8601 string or epoch ms" });

/** `quote:update` on `quotes:{SYMBOL}`. */
export const QuoteSchema = Type.Object(
  {
    symbol: Type.String(),
    price: Num,
    bid: OptNum,
    ask: OptNum,
    volume: OptNum,
    change: OptNum,
    changePercent: OptNum,
    timestamp: Type.Optional(Timestamp),
  },
  { additionalProperties: true, $id: "Quote" },
);
export type Quote = Static<typeof QuoteSchema>;

/** One position of a portfolio. */
export const PositionSchema = Type.Object(
  { symbol: Type.String(), quantity: Num, avgPrice: OptNum, price: OptNum, marketValue: OptNum, pnl: OptNum },
  { additionalProperties: true },
);
export type Position = Static<typeof PositionSchema>;

/** `portfolio:update` on `portfolio:{userId}`. */
export const PortfolioSchema = Type.Object(
  {
    userId: OptStr,
    totalValue: Num,
    cash: OptNum,
    positions: Type.Optional(Type.Array(PositionSchema)),
    dayPnl: OptNum,
    dayPnlPercent: OptNum,
    totalPnl: OptNum,
    timestamp: Type.Optional(Timestamp),
  },
  { additionalProperties: true, $id: "Portfolio" },
);
export type Portfolio = Static<typeof PortfolioSchema>;

/** `trade:update` / `trade:executed` / `trade:failed` on `trades:{userId}`. */
export const TradeSchema = Type.Object(
  {
    tradeId: Type.String(),
    userId: OptStr,
    symbol: Type.String(),
    side: Type.Optional(Type.Union([Type.Literal("buy"), Type.Literal("sell")])),
    status: Type.Union([
      Type.Literal("pending"),
      Type.Literal("executed"),
      Type.Literal("failed"),
      Type.Literal("canceled"),
    ]),
    quantity: Num,
    executedPrice: OptNum,
    reason: OptStr,
    timestamp: Type.Optional(Timestamp),
  },
  { additionalProperties: true, $id: "Trade" },
);
export type Trade = Static<typeof TradeSchema>;

/** `signal:new` on `signals` / `signals:{providerId}`. */
export const SignalSchema = Type.Object(
  {
    signalId: Type.String(),
    providerId: Type.String(),
    providerName: OptStr,
    symbol: Type.String(),
    action: Type.Union([Type.Literal("buy"), Type.Literal("sell"), Type.Literal("hold")]),
    entryPrice: OptNum,
    stopLoss: OptNum,
    takeProfit: OptNum,
    confidence: OptNum,
    timestamp: Type.Optional(Timestamp),
  },
  { additionalProperties: true, $id: "Signal" },
);
export type Signal = Static<typeof SignalSchema>;

/** `ai:decision` on `ai` / `ai:{model}`. */
export const AiDecisionSchema = Type.Object(
  {
    id: Type.String(),
    model_name: Type.String(),
    symbol: Type.String(),
    prediction: Type.Object(
      {
        direction: Type.Union([Type.Literal("up"), Type.Literal("down"), Type.Literal("flat")]),
        confidence: Num,
        price_target: OptNum,
        time_horizon: OptStr,
      },
      { additionalProperties: true },
    ),
    reasoning: OptStr,
    outcome: OptStr,
    timestamp: Type.Optional(Timestamp),
  },
  { additionalProperties: true, $id: "AiDecision" },
);
export type AiDecision = Static<typeof AiDecisionSchema>;

/** `metrics:update` on `metrics`. */
export const PerformanceMetricsSchema = Type.Object(
  {
    period: OptStr,
    total_return: OptNum,
    sharpe_ratio: OptNum,
    max_drawdown: OptNum,
    win_rate: OptNum,
    profit_factor: OptNum,
    total_trades: OptNum,
    api_latency_ms: OptNum,
    websocket_connections: OptNum,
    timestamp: Type.Optional(Timestamp),
  },
  { additionalProperties: true, $id: "PerformanceMetrics" },
);
export type PerformanceMetrics = Static<typeof PerformanceMetricsSchema>;

/** `notification:new` on `notifications:{userId}`. */
export const NotificationSchema = Type.Object(
  {
    id: Type.String(),
    notificationId: Type.Optional(Type.String({ description: "The same as `id`, under the trade copier's name for it; always sent by the server." })),
    type: Type.String(),
    title: Type.Union([Type.String(), Type.Null()]),
    message: Type.String(),
    data: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
    actionUrl: Type.Union([Type.String(), Type.Null()]),
    timestamp: Type.String(),
    read: Type.Optional(Type.Boolean()),
  },
  { $id: "Notification" },
);
export type Notification = Static<typeof NotificationSchema>;

/** `feed:event` on `feed:{key}` and `board:update` on `board:{key}`: a public item, whatever the publisher sent. */
export const PublicItemSchema = Type.Record(Type.String(), Type.Unknown(), { $id: "PublicItem", description: "A public feed or board item: the publisher's object as it sent it." });
export type PublicItem = Static<typeof PublicItemSchema>;

/** Payload type by namespace name. */
export interface NamespacePayloads {
  quotes: Quote;
  portfolio: Portfolio;
  trades: Trade;
  notifications: Notification;
  signals: Signal;
  ai: AiDecision;
  metrics: PerformanceMetrics;
  admin: Record<string, unknown>;
  feed: PublicItem;
  board: PublicItem;
}

/** The payload type of a channel name: `PayloadOf<"quotes:AAPL">` is Quote. */
export type PayloadOf<C extends string> = C extends `${infer N}:${string}`
  ? N extends keyof NamespacePayloads
    ? NamespacePayloads[N]
    : unknown
  : C extends keyof NamespacePayloads
    ? NamespacePayloads[C]
    : unknown;

/** A room's publication: whatever the platform published to the room (the rooms API, docs/protocol.md "Rooms"). */
export const RoomMessageSchema = Type.Unknown({ description: "What the platform published to the room (the rooms API)." });
