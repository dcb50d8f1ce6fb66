// Builds the tables of docs/errors.md and docs/protocol.md from packages/protocol, and
// those of docs/configuration.md from the server's option table, so the docs cannot drift
// from the code: `npm run docs` rewrites them, and tests (packages/protocol/test/docs.test.ts,
// packages/server/test/core/option-table.test.ts) fail when a table is out of date.

const esc = (s) => String(s).replace(/\|/g, "\\|");

/** The error registry as a Markdown table. */
export function errorsTable(protocol) {
  const rows = Object.values(protocol.ERRORS).map(
    (e) => `| \`${e.code}\` | ${e.wire} | ${e.status} | ${e.retryable ? "yes" : "no"} | ${esc(e.message)} |`,
  );
  return ["| code | wire | HTTP | retry | default message |", "|---|---|---|---|---|", ...rows].join("\n");
}

/** The namespace catalogue as a Markdown table. */
export function namespacesTable(protocol) {
  const who = (ns) => (ns.access === "owner" ? "the owner" : ns.access === "public" ? "every viewer" : ns.roles?.length ? `any user; also the role ${ns.roles.map((r) => `\`${r}\``).join(", ")}` : "any user");
  const channel = (ns) =>
    ({ required: `\`${ns.name}:{key}\``, optional: `\`${ns.name}\`, \`${ns.name}:{key}\``, none: `\`${ns.name}\``, owner: `\`${ns.name}\` = \`${ns.name}:{userId}\`` })[ns.key];
  const events = (ns) => [ns.event, ...(ns.allowedEvents ?? [])].map((e) => `\`${e}\``).join(", ") + (ns.eventPrefix ? ` (any \`${ns.eventPrefix}*\`)` : "");
  const history = (ns) => (ns.history.size > 0 ? `${ns.history.size} items, ${Math.round(ns.history.ttlMs / 3_600_000)} h` : "—");
  const rows = protocol.DEFAULT_NAMESPACES.map(
    (ns) => `| ${channel(ns)} | ${who(ns)} | ${ns.access === "public" ? "—" : ns.minTier} | ${ns.kind} | ${events(ns)} | ${history(ns)} | ${esc(ns.description)} |`,
  );
  return ["| channel | who may subscribe | min tier | kind | events | history | what |", "|---|---|---|---|---|---|---|", ...rows].join("\n");
}

/** The client events as a Markdown table: name and the properties of its payload. */
export function clientEventsTable(protocol) {
  const props = (schema) =>
    Object.entries(schema.properties ?? {})
      .map(([k]) => `\`${k}${(schema.required ?? []).includes(k) ? "" : "?"}\``)
      .join(", ") || "—";
  const rows = Object.entries(protocol.CLIENT_EVENT_SCHEMAS).map(([name, schema]) => `| \`${name}\` | ${props(schema)} |`);
  return ["| event | payload properties (`?` optional) |", "|---|---|", ...rows].join("\n");
}

/** Replaces the text between `<!-- generated:NAME -->` and `<!-- /generated:NAME -->`. */
export function replaceBlock(text, name, content) {
  const start = `<!-- generated:${name} -->`;
  const end = `<!-- /generated:${name} -->`;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i === -1 || j === -1) throw new Error(`missing ${start} … ${end}`);
  return `${text.slice(0, i + start.length)}\n${content}\n${text.slice(j)}`;
}

/** Reads the block between the markers. */
export function readBlock(text, name) {
  const start = `<!-- generated:${name} -->`;
  const end = `<!-- /generated:${name} -->`;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i === -1 || j === -1) return undefined;
  return text.slice(i + start.length, j).trim();
}

/** Every generated block, by file; with `optionDocs` (the server's config/option-docs module) the configuration tables too. */
export function blocks(protocol, optionDocs) {
  return {
    "docs/errors.md": { errors: errorsTable(protocol) },
    "docs/protocol.md": { namespaces: namespacesTable(protocol), "client-events": clientEventsTable(protocol) },
    ...(optionDocs ? { "docs/configuration.md": { variables: optionDocs.variablesTable(), "code-options": optionDocs.codeOnlyTable() } } : {}),
  };
}

// `node scripts/docs-tables.mjs`: rewrite the blocks from the built protocol and server packages.
if (import.meta.url === `file://${process.argv[1]}`) {
  const { readFileSync, writeFileSync } = await import("node:fs");
  const protocol = await import("../packages/protocol/dist/index.js");
  const optionDocs = await import("../packages/server/dist/config/option-docs.js");
  for (const [file, named] of Object.entries(blocks(protocol, optionDocs))) {
    let text = readFileSync(file, "utf8");
    for (const [name, content] of Object.entries(named)) text = replaceBlock(text, name, content);
    writeFileSync(file, text);
    process.stdout.write(`updated ${file}\n`);
  }
}
