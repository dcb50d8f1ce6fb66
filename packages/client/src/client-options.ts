import type { ManagerOptions, SocketOptions } from "socket.io-client";
import type { GetToken } from "./token-source.js";

/** Socket.IO options a Tickwire client passes through (`auth` and `autoConnect` are its own). */
export type PassThroughSocketOptions = Partial<Omit<ManagerOptions & SocketOptions, "auth" | "autoConnect">>;

/** Options of {@link createClient}. Give `token`, `getToken` or `sessionID`. */
export interface ClientOptions extends PassThroughSocketOptions {
  /** Gateway address, e.g. `https://rt.example.com` (Socket.IO path `/socket.io/`). */
  url: string;
  /** A fixed JWT. It cannot be renewed: prefer `getToken` for long sessions. */
  token?: string;
  /** Returns a fresh JWT; called before connecting, ~30 s before `exp`, and after an UNAUTHORIZED refusal. */
  getToken?: GetToken;
  /** Server-side session id, for backends that resolve sessions instead of tokens. */
  sessionID?: string;
  /** How long before the token's `exp` a new one is fetched (at most half the token's lifetime). @default 30000 */
  tokenRefreshMarginMs?: number;
  /** How long a request (`subscribe`, `ping`, …) waits for its acknowledgement. @default 10000 */
  requestTimeoutMs?: number;
  /** Connect at once; with `false`, call `client.connect()`. @default true */
  autoConnect?: boolean;
  /** First reconnect delay (socket.io-client option). @default 500 */
  reconnectionDelay?: number;
  /** Largest reconnect delay (socket.io-client option). @default 10000 */
  reconnectionDelayMax?: number;
  /** Jitter 0..1 applied to every reconnect delay (socket.io-client option). @default 0.5 */
  randomizationFactor?: number;
  /** Clock in ms, for tests. @default Date.now */
  now?: () => number;
  /** Random source 0..1 for jitter, for tests. @default Math.random */
  random?: () => number;
}

/** Defaults of the options above; merged over by the caller's options. */
export const CLIENT_DEFAULTS = Object.freeze({
  tokenRefreshMarginMs: 30_000,
  requestTimeoutMs: 10_000,
  autoConnect: true,
  reconnectionDelay: 500,
  reconnectionDelayMax: 10_000,
  randomizationFactor: 0.5,
});
