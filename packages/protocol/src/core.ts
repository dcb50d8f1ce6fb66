/*
 * `@tickwire/protocol/core`: the protocol without its TypeBox schemas. It holds
 * what code in a browser needs at run time (the error registry, tiers, the
 * namespace catalogue, channel names) and every type of the protocol, so that
 * importing it never loads TypeBox. The SDK imports only this entry; servers
 * that validate with the schemas import `@tickwire/protocol`.
 */
export * from "./errors.js";
export * from "./tiers.js";
export * from "./namespaces.js";
export * from "./channels.js";
export * from "./version.js";
export * from "./notification-types.js";
export type * from "./payloads.js";
export type * from "./messages.js";
