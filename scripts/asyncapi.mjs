// Builds docs/asyncapi.json, the AsyncAPI 3 document of the Socket.IO events, from
// packages/protocol: its event maps (CLIENT_EVENT_SCHEMAS with CLIENT_EVENT_REPLY_SCHEMAS,
// SERVER_EVENT_SCHEMAS, PUBLICATION_EVENT_SCHEMAS), their TypeBox schemas and the namespace
// catalogue. `npm run docs` rewrites it; packages/protocol/test/asyncapi.test.ts fails
// when the committed document differs from what the protocol makes.

/** One line per event, what it is for. An event of the maps without one is an error. */
const SUMMARIES = {
  subscribe: "Subscribe to channels, each on its own; with `since`, recover what was missed first.",
  unsubscribe: "Unsubscribe from channels.",
  ping: "Measure the round trip; the reply carries the server's time.",
  "auth:refresh": "Replace the connection's token without reconnecting.",
  "notifications:list": "List the user's notifications, newest first.",
  "notifications:ack": "Mark notifications read.",
  "notification:test": "Send the caller a notification of type `test` (operators only).",
  rpc: "Call a method of the platform's backend through the RPC proxy; the reply carries its `result`.",
  presence: "Who is subscribed to a channel across all nodes: users with their connection counts (namespaces with presence, from its tier).",
  "presence:stats": "How many users and connections are subscribed to a channel across all nodes (namespaces with presence, from its stats tier).",
  connected: "The first event of an accepted connection: who the user is, what it may do.",
  error: "A refused request sent without an acknowledgement, or a subscription the server ended.",
  resync: "The channel's history could not be repaired: refetch its state.",
  "presence:join": "A user appeared on a channel whose namespace sends presence events: its first subscribed connection on any node (further connections of the user send nothing).",
  "presence:leave": "A user disappeared from a channel whose namespace sends presence events: its last subscribed connection unsubscribed or closed, or the node holding it died (announced within the presence TTL).",
  "server:shutdown": "The server is shutting down: reconnect after `reconnectAfterMs`.",
  "server:subscribed": "The server subscribed this connection: the token's `channels` claim at connect, or the platform through `POST /api/v1/users/{userId}/subscribe`.",
  "server:unsubscribed": "The platform ended these subscriptions through `POST /api/v1/users/{userId}/unsubscribe`.",
};

const ref = (path) => ({ $ref: path });
/** A message's payload: the Socket.IO event's arguments, in order. */
const args = (...items) => ({ type: "array", items, minItems: items.length, maxItems: items.length, additionalItems: false });
/** The trailing argument of publications to resumable connections (docs/protocol.md, "Resuming a session"). */
const RESUME_TOKEN = { type: "string", pattern: "^[0-9a-z]{1,16}\\.[0-9a-z]{1,11}$", description: "Resumption token: socket.io-client keeps it as its `offset` and sends it back with `pid` when it reconnects." };
/** Socket.IO event names hold colons, which component keys may not. */
const key = (event) => event.replaceAll(":", ".");

/** The AsyncAPI 3 document of a protocol module (`import * as protocol from "@tickwire/protocol"`). */
export function asyncApiDocument(protocol) {
  // Every exported `XxxSchema` becomes the component schema `Xxx` once an event uses it.
  const names = new Map(Object.entries(protocol).filter(([name, value]) => name.endsWith("Schema") && typeof value === "object").map(([name, value]) => [value, name.slice(0, -"Schema".length)]));
  const schemas = {};

  function named(schema) {
    const name = names.get(schema);
    if (name === undefined) throw new Error(`an event schema is not exported by the protocol: ${JSON.stringify(schema)}`);
    if (!(name in schemas)) {
      schemas[name] = null; // reserves the name first, so that the order follows first use
      schemas[name] = plain(schema, true);
    }
    return ref(`#/components/schemas/${name}`);
  }

  /** JSON of a TypeBox schema: other exported schemas inside it become references, TypeBox's $id goes. */
  function plain(node, top = false) {
    if (Array.isArray(node)) return node.map((n) => plain(n));
    if (node === null || typeof node !== "object") return node;
    if (!top && names.has(node)) return named(node);
    const out = {};
    for (const [k, v] of Object.entries(node)) if (k !== "$id") out[k] = plain(v);
    return out;
  }

  const namespacesOf = (event) =>
    protocol.DEFAULT_NAMESPACES.filter((ns) => ns.event === event || (ns.allowedEvents ?? []).includes(event)).map((ns) =>
      ns.key === "required" ? `\`${ns.name}:{key}\`` : ns.key === "owner" ? `\`${ns.name}:{userId}\`` : ns.key === "optional" ? `\`${ns.name}\`, \`${ns.name}:{key}\`` : `\`${ns.name}\``,
    );
  const summary = (event) => {
    if (!(event in SUMMARIES)) throw new Error(`no summary for the event "${event}" in scripts/asyncapi.mjs`);
    return SUMMARIES[event];
  };

  const messages = {};
  const operations = {};
  const channel = ref("#/channels/socket");
  const message = (id) => ref(`#/channels/socket/messages/${id}`);
  const add = (id, body) => {
    if (id in messages) throw new Error(`two messages named ${id}`);
    messages[id] = body;
  };

  for (const [event, request] of Object.entries(protocol.CLIENT_EVENT_SCHEMAS)) {
    const reply = protocol.CLIENT_EVENT_REPLY_SCHEMAS[event];
    const id = key(event);
    add(id, { name: event, title: event, summary: summary(event), payload: args(named(request)) });
    add(`${id}.reply`, {
      name: `${event} acknowledgement`,
      title: `${event} reply`,
      summary: `The acknowledgement of \`${event}\`: \`{ ok: true, … }\` or \`{ ok: false, error }\`.`,
      payload: args({ anyOf: [named(reply), named(protocol.ErrorReplySchema)] }),
    });
    operations[id] = {
      action: "receive",
      channel,
      title: event,
      summary: summary(event),
      description: `A client emits \`${event}\` with an acknowledgement callback; the gateway answers through it.`,
      messages: [message(id)],
      reply: { channel, messages: [message(`${id}.reply`)] },
    };
  }
  for (const [event, payload] of Object.entries(protocol.SERVER_EVENT_SCHEMAS)) {
    const id = key(event);
    add(id, { name: event, title: event, summary: summary(event), payload: args(named(payload)) });
    operations[id] = { action: "send", channel, title: event, summary: summary(event), messages: [message(id)] };
  }
  for (const [event, payload] of Object.entries(protocol.PUBLICATION_EVENT_SCHEMAS)) {
    const id = key(event);
    const where = namespacesOf(event);
    const text = `A publication on ${where.length > 0 ? where.join(" or ") : "a channel"}, to each subscriber: the publisher's \`data\` (after field filtering) and its \`meta\`; resumable connections also get a trailing resumption token.`;
    const meta = protocol.PUBLICATION_META_SCHEMAS[event] ?? protocol.PublicationMetaSchema;
    const withToken = { ...args(named(payload), named(meta), RESUME_TOKEN), minItems: 2 };
    add(id, { name: event, title: event, summary: text, payload: withToken });
    operations[id] = { action: "send", channel, title: event, summary: text, messages: [message(id)] };
  }

  return {
    asyncapi: "3.0.0",
    info: {
      title: "Tickwire real-time events",
      version: protocol.API_VERSION,
      description: [
        "The Socket.IO events between the Tickwire gateway and its clients (wire protocol version " + protocol.API_VERSION + ", docs/protocol.md).",
        "",
        "Operations are seen from the gateway: `receive` operations are events a client emits, each with an acknowledgement callback whose reply is the operation's `reply`; `send` operations are events the gateway emits.",
        "Every message's payload is the list of the Socket.IO event's arguments, in order: a client event carries its request, a publication event its payload and `meta` (`socket.on(\"quote:update\", (quote, meta) => …)`).",
        "A refused connection gets `connect_error` with `err.data` `{ code, message }` (UNAUTHORIZED, FORBIDDEN, LIMIT_EXCEEDED). Operator events (`admin:*`) carry publisher-defined payloads. With the legacy layer on (the default), every `ping` also gets a `pong` event; it and the other events of the platforms Tickwire replaces are in docs/legacy-clients.md.",
      ].join("\n"),
      license: { name: "MIT" },
    },
    defaultContentType: "application/json",
    servers: {
      gateway: {
        host: "localhost:8080",
        protocol: "ws",
        pathname: "/socket.io/",
        title: "A Tickwire gateway",
        description: "Socket.IO 4 (Engine.IO 4) over WebSocket, or HTTP long-polling upgraded to it: `io(\"http://localhost:8080\", { auth: { token } })`.",
        security: [ref("#/components/securitySchemes/token")],
      },
    },
    channels: {
      socket: {
        address: "/",
        title: "Socket.IO main namespace",
        description: "Every event travels on the main namespace of one connection; Tickwire's own channels (`quotes:AAPL`, `trades`, …) are named in `subscribe` and in each publication's `meta.channel`.",
        messages: Object.fromEntries(Object.keys(messages).map((id) => [id, ref(`#/components/messages/${id}`)])),
      },
    },
    operations,
    components: {
      schemas,
      messages,
      securitySchemes: {
        token: {
          type: "http",
          scheme: "bearer",
          bearerFormat: "JWT",
          description: "A JWT (`sub` the user id, `tier`, optional `roles`) in the Socket.IO handshake: `auth: { token }`. Backends with server-side sessions pass `auth: { sessionID }` instead.",
        },
      },
    },
  };
}

/** The document as committed: two-space JSON with a final newline. */
export function asyncApiText(protocol) {
  return `${JSON.stringify(asyncApiDocument(protocol), null, 2)}\n`;
}

// `node scripts/asyncapi.mjs`: rewrite docs/asyncapi.json from the built protocol package.
if (import.meta.url === `file://${process.argv[1]}`) {
  const { writeFileSync } = await import("node:fs");
  const protocol = await import("../packages/protocol/dist/index.js");
  writeFileSync("docs/asyncapi.json", asyncApiText(protocol));
  process.stdout.write("updated docs/asyncapi.json\n");
}
