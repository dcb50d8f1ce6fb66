export { createClient } from "./create-client.js";
export { TickwireClient } from "./tickwire-client.js";
export { CLIENT_DEFAULTS, type ClientOptions, type PassThroughSocketOptions } from "./client-options.js";
export type { GetToken } from "./token-source.js";
export type { NotificationsApi } from "./notifications-api.js";
export type { TickwireSocket } from "./request.js";
export { decodeTokenClaims, type TokenClaims } from "./jwt-claims.js";
export { backoffDelayMs, shutdownDelayMs, type BackoffOptions } from "./backoff.js";
export { canonicalChannel, isStateChannel } from "./channel-names.js";
export type {
  ChannelHandler,
  ClientEventMap,
  ConnectionState,
  DeliveryMeta,
  RecoveredInfo,
  ResyncInfo,
  SubscribeOptions,
  Subscription,
} from "./types.js";
export { TickwireError, ERRORS, type PayloadOf, type ErrorCode } from "@tickwire/protocol/core";
