import { afterEach, describe, expect, it } from "vitest";
import type { ComponentContext, GatewayComponent } from "../../src/core/component.js";
import { orderComponents } from "../../src/core/component.js";
import { StreamsComponent } from "../../src/streams/streams-component.js";
import { TestBed } from "../helpers.js";

/** A component that records what it was given and when it ran. */
function probe(name: string, log: string[], startsAfter?: string[]): GatewayComponent & { context?: ComponentContext } {
  const component: GatewayComponent & { context?: ComponentContext } = {
    name,
    ...(startsAfter ? { startsAfter } : {}),
    register(context) {
      component.context = context;
      log.push(`register ${name}`);
    },
    async start() {
      log.push(`start ${name}`);
    },
    async stop() {
      log.push(`stop ${name}`);
    },
  };
  return component;
}

describe("gateway components", () => {
  const bed = new TestBed();
  afterEach(() => bed.cleanup());

  it("orders components after the ones they name, keeping the given order otherwise, and ignores absent names", () => {
    const log: string[] = [];
    const order = orderComponents([probe("feed", log, ["streams", "notifications"]), probe("simulator", log, ["streams", "absent"]), probe("notifications", log, ["streams"]), probe("streams", log)]);
    expect(order.map((c) => c.name)).toEqual(["streams", "notifications", "feed", "simulator"]);
  });

  it("refuses two components of one name and components that wait for each other", () => {
    expect(() => orderComponents([probe("a", []), probe("a", [])])).toThrow('Two gateway components are named "a".');
    expect(() => orderComponents([probe("a", [], ["b"]), probe("b", [], ["c"]), probe("c", [], ["a"])])).toThrow("Gateway components wait for each other: a → b → c → a.");
  });

  it("registers, starts and stops components in that order, giving them the parts of the gateway and not the gateway", async () => {
    const log: string[] = [];
    const late = probe("late", log, ["early"]);
    const early = probe("early", log);
    const gw = await bed.gateway({}, { components: [late, new StreamsComponent(), early] });
    expect(log).toEqual(["register early", "register late", "start early", "start late"]);
    const context = late.context!;
    expect(Object.isFrozen(context)).toBe(true);
    expect(Object.keys(context).sort()).toEqual(["apiKeys", "catalogue", "engine", "http", "hub", "logger", "metrics", "occupancy", "onSessionOpen", "publisher", "registry", "router", "sources", "store", "subscriptions"]);
    expect(context.publisher).toBe(gw.publisher);
    expect(context.http).toBe(gw.http);
    expect(early.context).toBe(context);
    await gw.close();
    bed.gateways.splice(bed.gateways.indexOf(gw), 1);
    expect(log.slice(4)).toEqual(["stop late", "stop early"]);
  });
});
