// Everything of the protocol: the schema-free part (./core.ts) and the TypeBox schemas.
export * from "./core.js";
export * from "./payloads.js";
export * from "./messages.js";
export * from "./event-schemas.js";
