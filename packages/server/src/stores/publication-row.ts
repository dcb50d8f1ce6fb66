import type { Publication } from "../core/publication.js";

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

/** Turns a selected row into a publication. */
export function toPublication(row: PublicationRow): Publication {
  return {
    channel: row.channel,
    offset: Number(row.offset),
    epoch: row.epoch,
    ts: Number(row.ts),
    event: row.event,
    data: JSON.parse(row.data) as unknown,
    traceId: row.trace_id,
  };
}
