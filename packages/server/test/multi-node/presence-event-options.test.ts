import { afterEach, describe, expect, it } from "vitest";
import { ConfigError, optionsFromEnv, resolveOptions } from "@tickwire/server";
import { TestBed } from "../helpers.js";

// The presence events option (docs/configuration.md), as an environment variable and as an object.
describe("presence event options", () => {
  const bed = new TestBed();
  afterEach(() => bed.cleanup());

  it("reads the namespaces from TICKWIRE_PRESENCE_EVENT_NAMESPACES, none by default", () => {
    expect(resolveOptions(optionsFromEnv({ TICKWIRE_PRESENCE_EVENT_NAMESPACES: "signals" })).options.presenceEventNamespaces).toEqual(["signals"]);
    expect(resolveOptions({}).options.presenceEventNamespaces).toEqual([]);
  });

  it("takes a deployment namespace that keeps presence", async () => {
    const desk = { name: "desk", event: "desk:note", access: "any", key: "required", keyPattern: "^[a-z]{1,16}$", minTier: "participant", kind: "event", history: { size: 10, ttlMs: 60_000 }, presence: { minTier: "participant", statsMinTier: "participant" }, description: "A desk." } as const;
    const gw = await bed.gateway({ namespaces: [desk], presenceEventNamespaces: ["desk"] });
    expect(gw.catalogue.get("desk")?.presence).toEqual({ minTier: "participant", statsMinTier: "participant", events: true });
    expect(gw.catalogue.get("signals")?.presence?.events).toBeUndefined();
  });

  it("refuses to start with a namespace that does not exist or keeps no presence, naming each", async () => {
    const refused = await bed.gateway({ presenceEventNamespaces: ["nope", "quotes", "signals"] }).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(ConfigError);
    expect((refused as ConfigError).problems).toEqual(['presenceEventNamespaces: "nope" is not a namespace; "quotes" keeps no presence (its catalogue row has no `presence`).']);
    expect(() => resolveOptions({ presenceEventNamespaces: "signals" })).toThrow("presenceEventNamespaces must be a list of namespace names.");
  });
});
