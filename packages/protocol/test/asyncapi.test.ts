import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { DiagnosticSeverity, Parser } from "@asyncapi/parser";
import { beforeAll, describe, expect, it } from "vitest";
import * as protocol from "@tickwire/protocol";
// @ts-expect-error: a plain .mjs script, shared with `npm run docs`
import { asyncApiDocument, asyncApiText } from "../../../scripts/asyncapi.mjs";

const root = resolve(import.meta.dirname, "../../..");
const committed = readFileSync(resolve(root, "docs/asyncapi.json"), "utf8");
const clientEvents = Object.keys(protocol.CLIENT_EVENT_SCHEMAS);
const serverEvents = [...Object.keys(protocol.SERVER_EVENT_SCHEMAS), ...Object.keys(protocol.PUBLICATION_EVENT_SCHEMAS)];

describe("docs/asyncapi.json", () => {
  let parsed: Awaited<ReturnType<Parser["parse"]>>;
  beforeAll(async () => {
    parsed = await new Parser().parse(committed);
  });

  it("is what the protocol's event maps make (run `npm run docs` after changing them)", () => {
    expect(committed).toBe((asyncApiText as (p: typeof protocol) => string)(protocol));
  });

  it("is a valid AsyncAPI 3 document for @asyncapi/parser, without errors or warnings", () => {
    const problems = parsed.diagnostics
      .filter((d) => d.severity === DiagnosticSeverity.Error || d.severity === DiagnosticSeverity.Warning)
      .map((d) => `${d.code} at ${d.path.join(".")}: ${d.message}`);
    expect(problems).toEqual([]);
    expect(parsed.document?.version()).toMatch(/^3\./);
  });

  it("has a receive operation with its acknowledgement reply for every client event", () => {
    const document = parsed.document!;
    for (const event of clientEvents) {
      const operation = document.operations().all().find((o) => o.title() === event);
      expect(operation?.action(), event).toBe("receive");
      const [request] = operation!.messages().all();
      expect(request?.name(), event).toBe(event);
      const reply = operation!.reply()?.messages().all()[0];
      // The reply's argument is the event's ok reply or an error reply.
      const alternatives = (reply?.payload()?.json() as { items: { anyOf: { $ref?: string; properties?: { ok?: { const?: boolean } } }[] }[] }).items[0]!.anyOf;
      expect(alternatives.map((a) => a.properties?.ok?.const), event).toEqual([true, false]);
    }
  });

  it("has a send operation for every server event; publications carry the payload and meta", () => {
    const document = parsed.document!;
    const sent = document.operations().all().filter((o) => o.action() === "send").map((o) => o.title());
    expect(sent).toEqual(serverEvents);
    const quote = document.messages().all().find((m) => m.name() === "quote:update")!;
    const [payload, meta] = (quote.payload()!.json() as { items: { title?: string; required?: string[] }[] }).items;
    expect(payload!.required).toEqual(["symbol", "price"]);
    expect(meta!.required).toEqual(["channel", "offset", "epoch", "ts"]);
  });

  it("describes every event a namespace of the catalogue emits", () => {
    const emitted = protocol.DEFAULT_NAMESPACES.flatMap((ns) => [ns.event, ...(ns.allowedEvents ?? [])]).filter((e) => !e.startsWith("admin:"));
    expect(Object.keys(protocol.PUBLICATION_EVENT_SCHEMAS).sort()).toEqual([...new Set(emitted)].sort());
  });

  it("changes when an event map changes", () => {
    const changed = { ...protocol, PUBLICATION_EVENT_SCHEMAS: { ...protocol.PUBLICATION_EVENT_SCHEMAS, "trade:settled": protocol.TradeSchema } };
    const document = (asyncApiDocument as (p: unknown) => { operations: Record<string, unknown> })(changed);
    expect(Object.keys(document.operations)).toContain("trade.settled");
    expect((asyncApiText as (p: unknown) => string)(changed)).not.toBe(committed);
  });
});
