import { describe, expect, it } from "vitest";
import { optionsFromEnv, resolveOptions } from "@tickwire/server";
import { configProblems as problems } from "../config-problems.js";

// The occupancy options (docs/configuration.md), as environment variables and as objects.
describe("occupancy options", () => {
  it("reads every variable", () => {
    const env = {
      TICKWIRE_PROXY_OCCUPANCY_URL: "http://backend:3000/occupancy",
      TICKWIRE_OCCUPANCY_NAMESPACES: "quotes, signals",
      TICKWIRE_OCCUPANCY_DEBOUNCE_MS: "500",
      TICKWIRE_SIMULATOR_ON_DEMAND: "on",
      TICKWIRE_FEED_ON_DEMAND: "true",
    };
    const { options } = resolveOptions(optionsFromEnv(env));
    expect({
      proxyOccupancyUrl: options.proxyOccupancyUrl,
      occupancyNamespaces: options.occupancyNamespaces,
      occupancyDebounceMs: options.occupancyDebounceMs,
      simulatorOnDemand: options.simulatorOnDemand,
      feedOnDemand: options.feedOnDemand,
    }).toEqual({ proxyOccupancyUrl: "http://backend:3000/occupancy", occupancyNamespaces: ["quotes", "signals"], occupancyDebounceMs: 500, simulatorOnDemand: true, feedOnDemand: true });
  });

  it("defaults: no hook, quotes followed, 2 s debounce, simulator and feed not on demand", () => {
    const { options } = resolveOptions({});
    expect([options.proxyOccupancyUrl, options.occupancyNamespaces, options.occupancyDebounceMs, options.simulatorOnDemand, options.feedOnDemand]).toEqual([undefined, ["quotes"], 2000, false, false]);
  });

  it("refuses bad values with a clear message", () => {
    expect(problems(optionsFromEnv({ TICKWIRE_PROXY_OCCUPANCY_URL: "ftp://backend/occupancy" }))).toEqual(["proxyOccupancyUrl must be an http(s):// URL."]);
    expect(problems(optionsFromEnv({ TICKWIRE_SIMULATOR_ON_DEMAND: "maybe" }))).toEqual(['TICKWIRE_SIMULATOR_ON_DEMAND must be "on" or "off" (got "maybe").']);
    expect(problems(optionsFromEnv({ TICKWIRE_FEED_ON_DEMAND: "yes" }))).toEqual(['TICKWIRE_FEED_ON_DEMAND must be "on" or "off" (got "yes").']);
    expect(problems({ occupancyDebounceMs: 600_001 })).toEqual(["occupancyDebounceMs must be at most 600000."]);
    expect(problems({ occupancyNamespaces: ["quotes", "no spaces"] })).toEqual(["occupancyNamespaces must be a list of namespace names."]);
    expect(problems({ simulatorOnDemand: true, occupancyNamespaces: ["signals"] })).toEqual(['simulatorOnDemand needs "quotes" among occupancyNamespaces.']);
    expect(problems(optionsFromEnv({ TICKWIRE_OCCUPANCY_DEBOUNCE_MS: "-1" })).length).toBe(1);
  });
});
