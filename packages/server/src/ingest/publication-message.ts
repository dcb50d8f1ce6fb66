import type { PublishRequest } from "../core/publisher.js";
import { isRetryable as isRetryableError } from "../core/rules.js";

/** A feed message or stream entry that is not a publication; it is logged, counted and skipped. */
export class BadMessageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BadMessageError";
  }
}

function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string" || value === "") throw new BadMessageError(`\`${field}\` must be a non-empty string.`);
  return value;
}

/**
 * Reads a publication from a decoded JSON message `{ channel, data, event?, idempotencyKey? }`
 * (the upstream feed's frames). The publisher checks the channel, event and data afterwards.
 * @throws BadMessageError when the shape is wrong
 */
export function publicationFromJson(value: unknown): PublishRequest {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new BadMessageError("A message is a JSON object { channel, data, event? }.");
  const message = value as Record<string, unknown>;
  if (typeof message.channel !== "string") throw new BadMessageError("A message needs a `channel` string.");
  if (message.data === undefined) throw new BadMessageError("A message needs `data`.");
  return {
    channel: message.channel,
    data: message.data,
    event: optionalString(message.event, "event"),
    idempotencyKey: optionalString(message.idempotencyKey, "idempotencyKey"),
  };
}

/**
 * Reads a publication from the flat field list of a Redis stream entry:
 * `channel`, `data` (JSON text), optional `event` and `idempotencyKey`.
 * @throws BadMessageError when a field is missing, the entry is larger than `maxBytes` or `data` is not JSON
 * @example publicationFromStreamFields(["channel", "quotes:AAPL", "data", '{"symbol":"AAPL","price":1}'])
 */
export function publicationFromStreamFields(fields: readonly string[] | null, maxBytes = Number.MAX_SAFE_INTEGER): PublishRequest {
  if (fields === null) throw new BadMessageError("The entry was deleted from the stream before it was read.");
  const map = new Map<string, string>();
  let size = 0;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    size += fields[i]!.length + fields[i + 1]!.length;
    map.set(fields[i]!, fields[i + 1]!);
  }
  // Refused before parsing: what it costs stays proportional to the bound, not to the entry.
  if (size > maxBytes) throw new BadMessageError(`The entry is larger than ${maxBytes} bytes.`);
  const text = map.get("data");
  if (text === undefined) throw new BadMessageError("An entry needs a `data` field (JSON).");
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new BadMessageError("The `data` field is not JSON.");
  }
  return publicationFromJson({ channel: map.get("channel"), data, event: map.get("event"), idempotencyKey: map.get("idempotencyKey") });
}

/**
 * Whether a failed publish of a feed message may succeed later unchanged: never for a message
 * that is not a publication, else as the error registry says (core/rules.ts).
 */
export function isRetryable(err: unknown): boolean {
  return !(err instanceof BadMessageError) && isRetryableError(err);
}
