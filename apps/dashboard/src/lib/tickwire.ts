/**
 * The dashboard's one import point for the Tickwire SDK, so components do
 * not depend on where the hooks come from.
 */
export {
  TickwireProvider,
  useConnectionState,
  useQuotes,
  usePortfolio,
  useTrades,
  useSignals,
  useAiDecisions,
  useMetrics,
  useNotifications,
  useLatency,
  useTickwireClient,
} from "@tickwire/client/react";
export type { QuoteView, NotificationsView } from "@tickwire/client/react";
export type { ConnectionState } from "@tickwire/client";
