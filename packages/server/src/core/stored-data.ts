import { exceedsDepth, MAX_INPUT_DEPTH_CEILING } from "./input-bounds.js";

/** Why a stored publication is left out of a read: it is not JSON any more, or too deep to encode for a socket. */
export type SkipReason = "unreadable" | "too_deep";

/** Told about each stored publication a read leaves out (counted in `tickwire_skipped_stored_publications_total`). */
export type SkipListener = (skipped: { readonly channel: string; readonly offset: number; readonly reason: SkipReason }) => void;

/**
 * Decodes the JSON of a stored publication. One that cannot be read back, or
 * that nests deeper than any configuration accepts (stored before the input
 * bounds existed), is skipped by reads: history and recovery serve the rest of
 * the range instead of failing for all of it.
 * @example readStoredData('{"price":1}') // { data: { price: 1 } }
 */
export function readStoredData(json: string): { readonly data: unknown } | { readonly skip: SkipReason } {
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch {
    return { skip: "unreadable" };
  }
  return exceedsDepth(data, MAX_INPUT_DEPTH_CEILING) ? { skip: "too_deep" } : { data };
}
