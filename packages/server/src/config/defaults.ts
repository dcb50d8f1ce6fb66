import { OPTION_TABLE } from "./option-table.js";
import type { GatewayOptions } from "./options.js";

/** Defaults of every option (the rows' defaults); merged with what is given, validated and frozen at start. */
export const DEFAULT_OPTIONS: GatewayOptions = Object.freeze(Object.fromEntries(Object.entries(OPTION_TABLE).map(([key, row]) => [key, row.default])) as unknown as GatewayOptions);
