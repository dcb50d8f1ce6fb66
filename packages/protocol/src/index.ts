export * from "./errors.js";
export * from "./tiers.js";
export * from "./namespaces.js";
export * from "./channels.js";
export * from "./payloads.js";
export * from "./messages.js";
