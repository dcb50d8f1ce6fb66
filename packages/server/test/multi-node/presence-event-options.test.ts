import { describe, expect, it } from "vitest";
import { ConfigError, optionsFromEnv, resolveOptions } from "@tickwire/server";

// The presence events option (docs/configuration.md), as an environment variable and as an object.
const problems = (input: Record<string, unknown>): string[] => {
  try {
    resolveOptions(input);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  return [];
};

describe("presence event options", () => {
  it("reads the namespaces from TICKWIRE_PRESENCE_EVENT_NAMESPACES, none by default", () => {
    expect(resolveOptions(optionsFromEnv({ TICKWIRE_PRESENCE_EVENT_NAMESPACES: "signals" })).options.presenceEventNamespaces).toEqual(["signals"]);
    expect(resolveOptions({}).options.presenceEventNamespaces).toEqual([]);
  });

  it("takes a deployment namespace that keeps presence", () => {
    const desk = { name: "desk", event: "desk:note", access: "any", key: "required", keyPattern: "^[a-z]{1,16}$", minTier: "participant", kind: "event", history: { size: 10, ttlMs: 60_000 }, presence: { minTier: "participant", statsMinTier: "participant" }, description: "A desk." };
    expect(resolveOptions({ namespaces: [desk], presenceEventNamespaces: ["desk"] }).options.presenceEventNamespaces).toEqual(["desk"]);
  });

  it("refuses a namespace that does not exist or keeps no presence, with a clear message", () => {
    expect(problems(optionsFromEnv({ TICKWIRE_PRESENCE_EVENT_NAMESPACES: "nope" }))).toEqual(['presenceEventNamespaces: "nope" is not a namespace.']);
    expect(problems({ presenceEventNamespaces: ["quotes"] })).toEqual(['presenceEventNamespaces: "quotes" keeps no presence (its catalogue row has no `presence`).']);
    expect(problems({ presenceEventNamespaces: "signals" })).toEqual(["presenceEventNamespaces must be a list of namespace names."]);
  });
});
