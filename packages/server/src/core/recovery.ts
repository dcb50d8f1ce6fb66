import type { Publication } from "./publication.js";
import type { Position } from "./session-journal.js";

/**
 * One subscriber's place in its channel's history, and the live publications
 * that reach it while that history is being read (docs/protocol.md, "Recovery").
 * No gap and no duplicate is kept here and nowhere else: the hub buffers through
 * it and asks it before every write, the subscription manager starts and merges
 * it, resumption reads its position. Nothing else writes its fields.
 */
export class SubscriptionRecovery {
  /** Live publications that arrived while history was being read; undefined once live. */
  private buffered: Publication[] | undefined = [];
  /** Epoch of the last publication sent; undefined until the subscriber has a position. */
  private epoch: string | undefined;
  /** Offset of the last publication sent (0 before the first). */
  private last = 0;
  /** Where the subscriber started before anything was sent: a recovery's `since`, a rewind's start. */
  private origin: Position | undefined;

  /** True once the merge ended the recovery: live publications go straight to the subscriber. */
  get live(): boolean {
    return this.buffered === undefined;
  }

  /** Offset of the last publication sent to the subscriber (0 before the first). */
  get offset(): number {
    return this.last;
  }

  /** Keeps a live publication for the merge; false once live (the caller delivers it instead). */
  buffer(publication: Publication): boolean {
    if (this.buffered === undefined) return false;
    this.buffered.push(publication);
    return true;
  }

  /** Names where the subscriber starts, before its replays: a resumed session's journal undoes them back to here. */
  start(origin: Position): void {
    if (!this.live) this.origin = { epoch: origin.epoch, offset: origin.offset };
  }

  /** True when the subscriber already has `publication`: same history, offset not above its last one. */
  has(publication: { offset: number; epoch: string }): boolean {
    return publication.epoch === this.epoch && publication.offset <= this.last;
  }

  /** Records `publication` as the last one sent; true when it starts another epoch than the subscriber had (it must resync). */
  advance(publication: { offset: number; epoch: string }): boolean {
    const newEpoch = this.epoch !== undefined && this.epoch !== publication.epoch;
    this.epoch = publication.epoch;
    this.last = publication.offset;
    return newEpoch;
  }

  /** The last position sent, or where the subscriber started; undefined when it has none. */
  position(): Position | undefined {
    return this.epoch === undefined ? this.origin : { epoch: this.epoch, offset: this.last };
  }

  /**
   * Ends the recovery at `floor` of `epoch` (what the history read or the
   * snapshot covered) and returns the buffered publications still owed, in
   * order, for the caller to send through `has`/`advance` like any other. Left
   * out: what is at or below the floor or already sent, and publications of
   * another epoch that arrived before the last one of `epoch` (the feed is in
   * order, so theirs is a history older than the one read). One of another epoch
   * after it is kept, and its `advance` reports the change: epochs have no order
   * of their own, and a newer history's publications must not be lost. Once live,
   * it returns nothing and changes nothing.
   */
  merge(floor: number, epoch: string): Publication[] {
    // Once live, a floor would skip what the subscriber has not been sent.
    if (this.buffered === undefined) return [];
    if (this.epoch !== epoch) {
      this.epoch = epoch;
      this.last = floor;
    } else if (this.last < floor) {
      this.last = floor;
    }
    const buffered = this.buffered;
    this.buffered = undefined;
    let newest = buffered.length - 1;
    while (newest >= 0 && buffered[newest]!.epoch !== epoch) newest--;
    const owed: Publication[] = [];
    let at: { epoch: string; offset: number } = { epoch, offset: this.last };
    for (let i = 0; i < buffered.length; i++) {
      const publication = buffered[i]!;
      if (publication.epoch !== epoch && i < newest) continue;
      if (publication.epoch === at.epoch && publication.offset <= at.offset) continue;
      owed.push(publication);
      at = publication;
    }
    return owed;
  }
}
