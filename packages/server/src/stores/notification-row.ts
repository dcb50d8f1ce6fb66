import type { StoredNotification } from "../core/store.js";
import { readStoredData } from "../core/stored-data.js";

/** A stored notification as both SQL stores select it (`ITEM_COLUMNS` over items joined to contents). */
export interface NotificationRow {
  id: string;
  user_id: string;
  seq: number;
  created_at: number;
  read_at: number | null;
  type: string;
  title: string | null;
  message: string;
  data: string | null;
  action_url: string | null;
}

/** The columns of a NotificationRow, with `i` the items table and `c` the contents table. */
export const NOTIFICATION_COLUMNS = "i.id, i.user_id, i.seq, i.created_at, i.read_at, c.type, c.title, c.message, c.data, c.action_url";

/** Turns a selected row into the store's notification. */
export function toNotification(row: NotificationRow): StoredNotification {
  return {
    id: row.id,
    userId: row.user_id,
    seq: Number(row.seq),
    createdAt: Number(row.created_at),
    readAt: row.read_at === null ? null : Number(row.read_at),
    type: row.type,
    title: row.title,
    message: row.message,
    data: dataOf(row.data),
    actionUrl: row.action_url,
  };
}

/** The notification's data; a damaged one reads as none, so the notification itself (its message) is still served. */
function dataOf(json: string | null): Record<string, unknown> | null {
  if (json === null) return null;
  const stored = readStoredData(json);
  return "data" in stored ? (stored.data as Record<string, unknown>) : null;
}
