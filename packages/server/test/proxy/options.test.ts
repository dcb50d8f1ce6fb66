import { describe, expect, it } from "vitest";
import { optionsFromEnv, resolveOptions } from "@tickwire/server";
import { configProblems as problems } from "../config-problems.js";

// The options of the backend hooks and the default tier, as environment variables and as objects.
describe("backend hook options", () => {
  it("reads every variable", () => {
    const env = {
      TICKWIRE_DEFAULT_TIER: "participant",
      TICKWIRE_PROXY_RPC_URL: "http://backend:3000/rpc",
      TICKWIRE_PROXY_RPC_METHOD_URLS: "get_market_data=http://market:4000/rpc, execute:trade=https://orders/rpc",
      TICKWIRE_PROXY_RPC_METHODS: "orders.place=builder|@desk,risk.override=@risk,*=participant,execute:trade=operator|@admin",
      TICKWIRE_PROXY_RPC_MAX_IN_FLIGHT: "4",
      TICKWIRE_PROXY_SUBSCRIBE_URL: "http://backend:3000/subscribe",
      TICKWIRE_PROXY_SUBSCRIBE_NAMESPACES: "quotes, signals",
      TICKWIRE_PROXY_SUBSCRIBE_CACHE_MS: "0",
      TICKWIRE_PROXY_TIMEOUT_MS: "1500",
      TICKWIRE_RRR_STREAMS: "trade_feed=feed:fund",
    };
    const { options } = resolveOptions(optionsFromEnv(env));
    expect({
      defaultTier: options.defaultTier,
      proxyRpcUrl: options.proxyRpcUrl,
      proxyRpcMethodUrls: options.proxyRpcMethodUrls,
      proxyRpcMethods: options.proxyRpcMethods,
      proxyRpcMaxInFlight: options.proxyRpcMaxInFlight,
      proxySubscribeUrl: options.proxySubscribeUrl,
      proxySubscribeNamespaces: options.proxySubscribeNamespaces,
      proxySubscribeCacheMs: options.proxySubscribeCacheMs,
      proxyTimeoutMs: options.proxyTimeoutMs,
      rrrStreams: options.rrrStreams,
    }).toEqual({
      defaultTier: "participant",
      proxyRpcUrl: "http://backend:3000/rpc",
      proxyRpcMethodUrls: { get_market_data: "http://market:4000/rpc", "execute:trade": "https://orders/rpc" },
      proxyRpcMethods: {
        "execute:trade": { minTier: "operator", roles: ["admin"] },
        "orders.place": { minTier: "builder", roles: ["desk"] },
        "risk.override": { roles: ["risk"] },
        "*": { minTier: "participant" },
      },
      proxyRpcMaxInFlight: 4,
      proxySubscribeUrl: "http://backend:3000/subscribe",
      proxySubscribeNamespaces: ["quotes", "signals"],
      proxySubscribeCacheMs: 0,
      proxyTimeoutMs: 1500,
      rrrStreams: { trade_feed: "feed:fund", portfolio_update: "portfolio", ai_decision: "ai", performance_metrics: "metrics" },
    });
  });

  it("has the defaults of docs/configuration.md", () => {
    const { options } = resolveOptions({});
    expect({ tier: options.defaultTier, methods: options.proxyRpcMethods, timeout: options.proxyTimeoutMs, cache: options.proxySubscribeCacheMs, inFlight: options.proxyRpcMaxInFlight, rpc: options.proxyRpcUrl, sub: options.proxySubscribeUrl }).toEqual({
      tier: "navigator",
      methods: { "execute:trade": { roles: ["admin"] } },
      timeout: 5000,
      cache: 10_000,
      inFlight: 8,
      rpc: undefined,
      sub: undefined,
    });
    // `method=any` lifts a gate, the default one included.
    expect(resolveOptions(optionsFromEnv({ TICKWIRE_PROXY_RPC_METHODS: "execute:trade=any" })).options.proxyRpcMethods).toEqual({ "execute:trade": {} });
  });

  it("reports every bad value at once", () => {
    expect(
      problems(
        optionsFromEnv({
          TICKWIRE_DEFAULT_TIER: "gold",
          TICKWIRE_PROXY_RPC_URL: "ftp://x",
          TICKWIRE_PROXY_RPC_METHOD_URLS: "bad method=http://x,m=notaurl,noequals",
          TICKWIRE_PROXY_RPC_METHODS: "m=gold,n=builder|operator,o=@bad role",
          TICKWIRE_PROXY_RPC_MAX_IN_FLIGHT: "0",
          TICKWIRE_PROXY_TIMEOUT_MS: "-5",
          TICKWIRE_PROXY_SUBSCRIBE_URL: "redis://x",
        }),
      ),
    ).toEqual([
      'defaultTier must be one of navigator, participant, builder, operator (got "gold").',
      "proxyRpcUrl must be an http(s):// URL.",
      'TICKWIRE_PROXY_RPC_METHOD_URLS part "noequals" is not "name=value".',
      'proxyRpcMethodUrls: "bad method" is not a method name.',
      'proxyRpcMethodUrls: the URL of "m" must be an http(s):// URL.',
      'proxyRpcMethods: "gold" (method "m") is not a tier (navigator, participant, builder, operator).',
      'proxyRpcMethods: "n" names more than one tier.',
      'proxyRpcMethods: the roles of "o" must be role names.',
      "proxyRpcMaxInFlight must be at least 1.",
      "proxySubscribeUrl must be an http(s):// URL.",
      'proxyTimeoutMs must be a whole number ≥ 0 (got "-5").',
    ]);
  });
});
