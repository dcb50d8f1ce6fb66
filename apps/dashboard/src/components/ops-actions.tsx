import { useCallback, useEffect, useState, type FormEvent } from "react";
import { opsFetch, replyError, type ChannelFigures, type HistoryEntry, type OpsConnection } from "../lib/ops-api";
import { formatCount, formatTime } from "../lib/format";
import { EmptyState } from "./empty-state";
import { Panel } from "./panel";

/** Channels with the most local subscribers and the busiest ones; a click opens one in the channel panel. */
export function TopChannels({ token, onPick }: { token: string; onPick: (channel: string) => void }) {
  const [top, setTop] = useState<{ bySubscribers: ChannelFigures[]; byRate: ChannelFigures[] }>({ bySubscribers: [], byRate: [] });
  useEffect(() => {
    let alive = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async (): Promise<void> => {
      try {
        const reply = await opsFetch<typeof top>(token, "/api/v1/ops/channels?limit=8");
        if (alive && reply.status === 200 && "bySubscribers" in reply.body) setTop(reply.body);
      } catch {
        // Kept as they were; the stats line says the gateway is unreachable.
      }
      if (alive) timer = setTimeout(() => void poll(), 5000);
    };
    void poll();
    return () => {
      alive = false;
      if (timer) clearTimeout(timer);
    };
  }, [token]);
  const table = (title: string, rows: ChannelFigures[], testId: string) => (
    <div className="top-table" data-testid={testId}>
      <h3>{title}</h3>
      {rows.length === 0 ? (
        <EmptyState>Nothing yet.</EmptyState>
      ) : (
        <table className="grid-table">
          <thead>
            <tr>
              <th scope="col">Channel</th>
              <th scope="col" className="num">Subscribers</th>
              <th scope="col" className="num">Publications/s</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.channel}>
                <td>
                  <button type="button" className="link-button mono" onClick={() => onPick(r.channel)}>
                    {r.channel}
                  </button>
                </td>
                <td className="num">{formatCount(r.subscribers)}</td>
                <td className="num">{r.perSecond.toFixed(1)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
  return (
    <Panel title="Top channels" className="area-top" testId="top-channels">
      <div className="top-tables">
        {table("By subscribers", top.bySubscribers, "top-by-subscribers")}
        {table("By rate", top.byRate, "top-by-rate")}
      </div>
    </Panel>
  );
}

/** Looks up a user's connections on this node; each can be disconnected. */
export function UserConnections({ token }: { token: string }) {
  const [input, setInput] = useState("");
  const [userId, setUserId] = useState<string | undefined>();
  const [connections, setConnections] = useState<OpsConnection[] | undefined>();
  const [message, setMessage] = useState<{ tone: "ok" | "error"; text: string } | undefined>();

  const load = useCallback(
    async (user: string): Promise<void> => {
      const reply = await opsFetch<{ userId: string; connections: OpsConnection[] }>(token, `/api/v1/ops/users/${encodeURIComponent(user)}/connections`);
      const error = replyError(reply);
      if (error || !("connections" in reply.body)) {
        setConnections(undefined);
        setMessage({ tone: "error", text: error ?? "Unexpected answer." });
        return;
      }
      setConnections(reply.body.connections);
    },
    [token],
  );

  const submit = (e: FormEvent): void => {
    e.preventDefault();
    const user = input.trim();
    if (!user) return;
    setUserId(user);
    setMessage(undefined);
    void load(user);
  };

  const disconnect = async (path: string, what: string): Promise<void> => {
    const reply = await opsFetch<unknown>(token, path, { method: "POST" });
    const error = replyError(reply);
    setMessage(error ? { tone: "error", text: error } : { tone: "ok", text: `Disconnected ${what}.` });
    if (userId) await load(userId);
  };

  return (
    <Panel title="User connections" className="area-user" testId="user-connections">
      <form className="ops-form" onSubmit={submit}>
        <input aria-label="User id" placeholder="user id" value={input} onChange={(e) => setInput(e.target.value)} maxLength={128} />
        <button type="submit" className="button">Look up</button>
        {userId && connections && connections.length > 0 && (
          <button type="button" className="button button-danger" onClick={() => void disconnect(`/api/v1/users/${encodeURIComponent(userId)}/disconnect`, `every connection of ${userId}`)}>
            Disconnect all
          </button>
        )}
      </form>
      {message && (
        <p className={message.tone === "ok" ? "ops-message ok" : "ops-message error"} role="status" data-testid="user-message">
          {message.text}
        </p>
      )}
      {connections && connections.length === 0 && <EmptyState>{userId} has no connection on this node.</EmptyState>}
      {connections && connections.length > 0 && (
        <table className="grid-table" data-testid="user-connections-table">
          <thead>
            <tr>
              <th scope="col">Connection</th>
              <th scope="col">Tier</th>
              <th scope="col">Transport</th>
              <th scope="col">Address</th>
              <th scope="col">Subscriptions</th>
              <th scope="col" className="num">Queued</th>
              <th scope="col">Since</th>
              <th scope="col" />
            </tr>
          </thead>
          <tbody>
            {connections.map((c) => (
              <tr key={c.id} data-testid="connection-row" data-connection-id={c.id}>
                <td className="mono">{c.id}</td>
                <td>{c.tier}</td>
                <td>{c.transport}</td>
                <td className="mono">{c.address}</td>
                <td className="mono subs-cell">{c.subscriptions.length === 0 ? "—" : c.subscriptions.join(", ")}</td>
                <td className="num">{formatCount(c.queuedPackets)} pkt</td>
                <td>{formatTime(Date.parse(c.connectedAt))}</td>
                <td>
                  <button type="button" className="link-button danger" onClick={() => void disconnect(`/api/v1/ops/connections/${encodeURIComponent(c.id)}/disconnect`, `connection ${c.id}`)}>
                    Disconnect
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Panel>
  );
}

const HISTORY_SIZE = 20;
const MAX_OFFSET = Number.MAX_SAFE_INTEGER;

/** A channel's newest publications and a test publish. */
export function ChannelInspector({ token, channel: picked }: { token: string; channel: string | undefined }) {
  const [input, setInput] = useState("");
  const [channel, setChannel] = useState<string | undefined>();
  const [history, setHistory] = useState<HistoryEntry[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [event, setEvent] = useState("");
  const [data, setData] = useState('{\n  \n}');
  const [result, setResult] = useState<{ tone: "ok" | "error"; text: string } | undefined>();

  const load = useCallback(
    async (name: string): Promise<void> => {
      const path = (since: number, limit: number) => `/api/v1/channels/${encodeURIComponent(name)}/history?since=${since}&limit=${limit}`;
      const top = await opsFetch<{ offset: number; publications: HistoryEntry[] }>(token, path(MAX_OFFSET, 1));
      const topError = replyError(top);
      if (topError || !("offset" in top.body)) {
        setHistory(undefined);
        setError(topError ?? "Unexpected answer.");
        return;
      }
      const read = await opsFetch<{ publications: HistoryEntry[] }>(token, path(Math.max(0, top.body.offset - HISTORY_SIZE), HISTORY_SIZE));
      const readError = replyError(read);
      if (readError || !("publications" in read.body)) {
        setError(readError ?? "Unexpected answer.");
        return;
      }
      setError(undefined);
      setHistory([...read.body.publications].reverse());
    },
    [token],
  );

  useEffect(() => {
    if (picked === undefined) return;
    setInput(picked);
    setChannel(picked);
    setResult(undefined);
    void load(picked);
  }, [picked, load]);

  const open = (e: FormEvent): void => {
    e.preventDefault();
    const name = input.trim();
    if (!name) return;
    setChannel(name);
    setResult(undefined);
    void load(name);
  };

  const publish = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (!channel) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch (err) {
      setResult({ tone: "error", text: `The data is not JSON: ${err instanceof Error ? err.message : String(err)}` });
      return;
    }
    const body = { channel, data: parsed, ...(event.trim() ? { event: event.trim() } : {}) };
    const reply = await opsFetch<{ offset: number }>(token, "/api/v1/publish", { method: "POST", body });
    const failure = replyError(reply);
    if (failure || !("offset" in reply.body)) setResult({ tone: "error", text: failure ?? "Unexpected answer." });
    else setResult({ tone: "ok", text: `Published at offset ${reply.body.offset}.` });
    await load(channel);
  };

  return (
    <Panel title="Channel" className="area-channel" testId="channel-inspector">
      <form className="ops-form" onSubmit={open}>
        <input aria-label="Channel name" placeholder="channel, e.g. trades:alice" value={input} onChange={(e) => setInput(e.target.value)} maxLength={256} />
        <button type="submit" className="button">Open</button>
      </form>
      {error && (
        <p className="ops-message error" role="status" data-testid="channel-error">
          {error}
        </p>
      )}
      {channel && history && (
        <>
          <h3>
            Recent history of <span className="mono">{channel}</span>
          </h3>
          {history.length === 0 ? (
            <EmptyState>No publication in history.</EmptyState>
          ) : (
            <table className="grid-table" data-testid="channel-history">
              <thead>
                <tr>
                  <th scope="col" className="num">Offset</th>
                  <th scope="col">Time</th>
                  <th scope="col">Event</th>
                  <th scope="col">Data</th>
                </tr>
              </thead>
              <tbody>
                {history.map((p) => (
                  <tr key={p.offset} data-testid="history-row">
                    <td className="num">{p.offset}</td>
                    <td>{formatTime(p.ts)}</td>
                    <td className="mono">{p.event}</td>
                    <td className="mono data-cell">{JSON.stringify(p.data)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <form className="ops-publish" onSubmit={(e) => void publish(e)} data-testid="test-publish">
            <h3>Test publish</h3>
            <input aria-label="Event (optional)" placeholder="event (optional: the namespace's default)" value={event} onChange={(e) => setEvent(e.target.value)} maxLength={128} />
            <textarea aria-label="Data (JSON)" value={data} onChange={(e) => setData(e.target.value)} rows={4} spellCheck={false} />
            <button type="submit" className="button">Publish</button>
            {result && (
              <p className={result.tone === "ok" ? "ops-message ok" : "ops-message error"} role="status" data-testid="publish-result">
                {result.text}
              </p>
            )}
          </form>
        </>
      )}
    </Panel>
  );
}
