import { useEffect, useState } from "react";
import { useTickwireClient } from "./tickwire";

/** Why the gateway refused or ended the connection, as the dashboard explains it. */
export interface ConnectionProblem {
  code: string;
  message: string;
  /** One line for a person: what happened and what to do. */
  summary: string;
}

/** Codes that end a session until something changes (a new token, an operator); transport blips are not listed. */
const SUMMARIES: Record<string, string> = {
  UNAUTHORIZED: "The gateway refused the token",
  TOKEN_EXPIRED: "The token expired",
  FORBIDDEN: "This token may not connect",
  KICKED: "An operator closed this connection",
  LIMIT_EXCEEDED: "Too many connections for this user",
  SLOW_CONSUMER: "The connection could not keep up and was closed",
};

/**
 * The last refusal or forced disconnect of the provider's client, cleared when
 * a connection opens again: the status pill says why it is disconnected.
 */
export function useConnectionProblem(): ConnectionProblem | undefined {
  const client = useTickwireClient();
  const [problem, setProblem] = useState<ConnectionProblem | undefined>();
  useEffect(() => {
    if (!client) return;
    const offError = client.on("error", (err) => {
      const summary = SUMMARIES[err.code];
      if (summary !== undefined) setProblem({ code: err.code, message: err.message, summary });
    });
    const offConnected = client.on("connected", () => setProblem(undefined));
    return () => {
      offError();
      offConnected();
    };
  }, [client]);
  return problem;
}
