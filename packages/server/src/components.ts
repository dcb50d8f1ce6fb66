import type { GatewayOptions } from "./config/options.js";
import type { GatewayComponent } from "./core/component.js";

/** The components the options turn on (simulator, ingest, feed, notifications). */
export function defaultComponents(options: GatewayOptions): GatewayComponent[] {
  const components: GatewayComponent[] = [];
  void options;
  return components;
}
