import type { Pool } from "pg";
import type { ChannelPosition, Publication } from "../../core/publication.js";
import type { HistoryAppend, HistoryLimits, HistoryStore } from "../../core/store.js";
import { toPublications, type PublicationRow } from "../publication-row.js";
import type { SkipReason } from "../../core/stored-data.js";
import { inTransaction } from "./transaction.js";

/** Event-channel history in PostgreSQL: the same contract as the SQLite history. */
export class PostgresHistoryStore implements HistoryStore {
  /** @internal The driver's types stay out of the published declarations. */
  constructor(private readonly pool: Pool) {}

  async loadPosition(channel: string): Promise<ChannelPosition | undefined> {
    const { rows } = await this.pool.query<{ epoch: string; top: number }>("SELECT epoch, top FROM tw_channels WHERE channel = $1", [channel]);
    const row = rows[0];
    return row === undefined ? undefined : { epoch: row.epoch, offset: row.top };
  }

  async append(publication: Publication, limits: HistoryLimits): Promise<void> {
    await this.appendMany([{ publication, limits }]);
  }

  async appendMany(entries: readonly HistoryAppend[]): Promise<void> {
    if (entries.length === 0) return;
    await inTransaction(this.pool, async (client) => {
      for (const { publication: p, limits } of entries) {
        // A first offset starts a new epoch: what is left of the old one can never be read again.
        if (p.offset === 1) await client.query("DELETE FROM tw_publications WHERE channel = $1 AND epoch <> $2", [p.channel, p.epoch]);
        await client.query(
          "INSERT INTO tw_channels (channel, epoch, top) VALUES ($1, $2, $3) ON CONFLICT (channel) DO UPDATE SET epoch = EXCLUDED.epoch, top = EXCLUDED.top",
          [p.channel, p.epoch, p.offset],
        );
        if (limits.size <= 0) continue;
        await client.query(
          `INSERT INTO tw_publications (channel, "offset", epoch, ts, event, data, trace_id, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT (channel, "offset") DO UPDATE SET epoch = EXCLUDED.epoch, ts = EXCLUDED.ts, event = EXCLUDED.event,
             data = EXCLUDED.data, trace_id = EXCLUDED.trace_id, expires_at = EXCLUDED.expires_at`,
          [p.channel, p.offset, p.epoch, p.ts, p.event, JSON.stringify(p.data) ?? "null", p.traceId, p.ts + limits.ttlMs],
        );
        if (p.offset > limits.size) await client.query(`DELETE FROM tw_publications WHERE channel = $1 AND "offset" <= $2`, [p.channel, p.offset - limits.size]);
      }
    });
  }

  async read(channel: string, epoch: string, afterOffset: number, limit: number, minTs: number, onSkipped?: (offset: number, reason: SkipReason) => void): Promise<Publication[]> {
    const { rows } = await this.pool.query<PublicationRow>(
      `SELECT channel, "offset", epoch, ts, event, data, trace_id FROM tw_publications
       WHERE channel = $1 AND epoch = $2 AND "offset" > $3 AND ts >= $4 ORDER BY "offset" LIMIT $5`,
      [channel, epoch, afterOffset, minTs, limit],
    );
    return toPublications(rows, onSkipped);
  }
}
