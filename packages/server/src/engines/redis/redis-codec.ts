import { exceedsDepth, MAX_INPUT_DEPTH_CEILING } from "../../core/input-bounds.js";
import type { Publication, PublishInput } from "../../core/publication.js";
import type { SkipReason } from "../../core/stored-data.js";

/** What a stream entry and a pub/sub message carry besides offset and epoch. */
interface Body {
  readonly ts: number;
  readonly event: string;
  readonly data: unknown;
  readonly traceId: string;
}

/** The JSON body stored in the stream and sent on pub/sub. */
export function encodeBody(input: PublishInput): string {
  const body: Body = { ts: input.ts, event: input.event, data: input.data, traceId: input.traceId };
  return JSON.stringify(body);
}

function fromBody(channel: string, offset: number, epoch: string, json: string): Publication {
  const body = JSON.parse(json) as Body;
  return { channel, offset, epoch, ts: body.ts, event: body.event, data: body.data, traceId: body.traceId };
}

/** Marks a pub/sub message as a fan-out: numbered by its channel's source, never stored in Redis. */
export const FAN_OUT_MARK = "r:";

/** A fanned-out publication as a pub/sub message: `r:offset:epoch|body`. */
export function encodeFanOut(publication: Publication): string {
  return `${FAN_OUT_MARK}${publication.offset}:${publication.epoch}|${encodeBody(publication)}`;
}

/** Decodes a pub/sub message `offset:epoch|body` (the publish script writes it); undefined when malformed. */
export function decodeMessage(channel: string, message: string): Publication | undefined {
  const colon = message.indexOf(":");
  const bar = message.indexOf("|", colon + 1);
  if (colon <= 0 || bar <= colon) return undefined;
  const offset = Number(message.slice(0, colon));
  if (!Number.isInteger(offset) || offset < 1) return undefined;
  try {
    return fromBody(channel, offset, message.slice(colon + 1, bar), message.slice(bar + 1));
  } catch {
    return undefined;
  }
}

/** A stream entry as XRANGE returns it: `[id, [field, value, …]]`. */
export type StreamEntry = [id: string, fields: string[]];

/**
 * Decodes stream entries of one epoch. An entry it cannot read, or too deep to
 * deliver (stored before the input bounds existed), is left out and reported to
 * `onSkipped`: for a live feed it is a hole, as if it had been trimmed.
 */
export function decodeEntries(channel: string, epoch: string, entries: readonly StreamEntry[], onSkipped?: (offset: number, reason: SkipReason) => void): Publication[] {
  const out: Publication[] = [];
  for (const [id, fields] of entries) {
    const offset = Number(id.slice(0, id.indexOf("-")));
    let body: string | undefined;
    for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === "b") body = fields[i + 1];
    if (!Number.isInteger(offset)) continue;
    let publication: Publication | undefined;
    try {
      if (body !== undefined) publication = fromBody(channel, offset, epoch, body);
    } catch {
      publication = undefined;
    }
    if (publication === undefined || typeof publication.event !== "string") onSkipped?.(offset, "unreadable");
    else if (exceedsDepth(publication.data, MAX_INPUT_DEPTH_CEILING)) onSkipped?.(offset, "too_deep");
    else out.push(publication);
  }
  return out;
}
