/** Protocol version advertised in `connected.api_version`. */
export const API_VERSION = "1";
