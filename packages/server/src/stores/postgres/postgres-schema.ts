/**
 * Tables of the PostgreSQL store, prefixed `tw_` so that Tickwire can share a
 * database (and a schema) with other applications. The same shapes as the
 * SQLite store; times are epoch milliseconds in BIGINT columns.
 */
export const POSTGRES_SCHEMA = `
CREATE TABLE IF NOT EXISTS tw_channels (
  channel TEXT PRIMARY KEY,
  epoch   TEXT NOT NULL,
  top     BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS tw_publications (
  channel    TEXT NOT NULL,
  "offset"   BIGINT NOT NULL,
  epoch      TEXT NOT NULL,
  ts         BIGINT NOT NULL,
  event      TEXT NOT NULL,
  data       TEXT NOT NULL,
  trace_id   TEXT NOT NULL,
  expires_at BIGINT NOT NULL,
  PRIMARY KEY (channel, "offset")
);
CREATE INDEX IF NOT EXISTS tw_publications_expiry ON tw_publications (expires_at);
CREATE TABLE IF NOT EXISTS tw_idempotency (
  key        TEXT PRIMARY KEY,
  result     TEXT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS tw_idempotency_expiry ON tw_idempotency (expires_at);
CREATE TABLE IF NOT EXISTS tw_inbox_meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tw_inbox_users (
  user_id TEXT PRIMARY KEY,
  seq     BIGINT NOT NULL,
  total   INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS tw_inbox_contents (
  content_id BIGSERIAL PRIMARY KEY,
  type       TEXT NOT NULL,
  title      TEXT,
  message    TEXT NOT NULL,
  data       TEXT,
  action_url TEXT
);
CREATE TABLE IF NOT EXISTS tw_inbox_items (
  id         TEXT PRIMARY KEY,
  user_id    TEXT NOT NULL,
  seq        BIGINT NOT NULL,
  content_id BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  read_at    BIGINT,
  UNIQUE (user_id, seq)
);
CREATE INDEX IF NOT EXISTS tw_inbox_items_unread ON tw_inbox_items (user_id, seq) WHERE read_at IS NULL;
CREATE INDEX IF NOT EXISTS tw_inbox_items_created ON tw_inbox_items (created_at);
CREATE INDEX IF NOT EXISTS tw_inbox_items_content ON tw_inbox_items (content_id);
CREATE TABLE IF NOT EXISTS tw_inbox_dedup (
  user_id    TEXT NOT NULL,
  hash       TEXT NOT NULL,
  expires_at BIGINT NOT NULL,
  item_id    TEXT NOT NULL,
  PRIMARY KEY (user_id, hash)
);
CREATE INDEX IF NOT EXISTS tw_inbox_dedup_expiry ON tw_inbox_dedup (expires_at);
CREATE TABLE IF NOT EXISTS tw_inbox_delivered (
  user_id TEXT PRIMARY KEY,
  seq     BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS tw_resume_sessions (
  pid        TEXT PRIMARY KEY,
  record     TEXT NOT NULL,
  closed     BOOLEAN NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS tw_resume_sessions_expiry ON tw_resume_sessions (expires_at);
`;

/** Tables of the rooms API. */
export const POSTGRES_ROOM_SCHEMA = `
CREATE TABLE IF NOT EXISTS tw_rooms (
  id         TEXT PRIMARY KEY,
  type       TEXT NOT NULL,
  capacity   INTEGER NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS tw_room_members (
  room_id   TEXT NOT NULL,
  user_id   TEXT NOT NULL,
  role      TEXT NOT NULL,
  joined_at BIGINT NOT NULL,
  PRIMARY KEY (room_id, user_id)
);
`;
