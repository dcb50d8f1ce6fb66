// Everything of the protocol, schemas included. `./core.ts` is the same without the schemas.
export * from "./errors.js";
export * from "./tiers.js";
export * from "./namespaces.js";
export * from "./channels.js";
export * from "./version.js";
export * from "./notification-types.js";
export * from "./payloads.js";
export * from "./messages.js";
export * from "./event-schemas.js";
