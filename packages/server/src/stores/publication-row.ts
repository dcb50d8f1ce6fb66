import type { Publication } from "../core/publication.js";
import { readStoredData, type SkipReason } from "../core/stored-data.js";

/** A stored publication as both SQL stores select it. */
export interface PublicationRow {
  channel: string;
  offset: number;
  epoch: string;
  ts: number;
  event: string;
  data: string;
  trace_id: string;
}

/** Turns a selected row into a publication; undefined, reported to `onSkipped`, when its data cannot be read back or delivered. */
export function toPublication(row: PublicationRow, onSkipped?: (offset: number, reason: SkipReason) => void): Publication | undefined {
  const offset = Number(row.offset);
  const stored = readStoredData(row.data);
  if ("skip" in stored) {
    onSkipped?.(offset, stored.skip);
    return undefined;
  }
  return { channel: row.channel, offset, epoch: row.epoch, ts: Number(row.ts), event: row.event, data: stored.data, traceId: row.trace_id };
}

/** The readable publications of selected rows, in order. */
export function toPublications(rows: readonly PublicationRow[], onSkipped?: (offset: number, reason: SkipReason) => void): Publication[] {
  const out: Publication[] = [];
  for (const row of rows) {
    const publication = toPublication(row, onSkipped);
    if (publication) out.push(publication);
  }
  return out;
}
