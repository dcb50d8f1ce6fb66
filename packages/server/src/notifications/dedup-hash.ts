import { createHash } from "node:crypto";
import type { NotificationContent } from "../core/store.js";

/** JSON with object keys sorted, so `{a,b}` and `{b,a}` hash alike. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/**
 * What identifies "the same notification" for one user inside the dedup window:
 * its type and `dedupKey` when one is given, else its type and whole content.
 * @example dedupHash({ type: "info", title: null, message: "hi", data: null, actionUrl: null }, "k1")
 */
export function dedupHash(content: NotificationContent, dedupKey: string | undefined): string {
  const basis = dedupKey !== undefined ? ["key", content.type, dedupKey] : ["content", content.type, content.title, content.message, content.data, content.actionUrl];
  return createHash("sha256").update(canonical(basis)).digest("base64url");
}
