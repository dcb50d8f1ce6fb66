import { createElement, useEffect, useRef, useState, type ReactNode } from "react";
import type { ClientOptions } from "../client-options.js";
import { createClient } from "../create-client.js";
import type { TickwireClient } from "../tickwire-client.js";
import { TickwireContext } from "./tickwire-context.js";

/**
 * Props of {@link TickwireProvider}: an existing `client` (the app owns and
 * closes it), or client options (`url` with `token`/`getToken`) from which the
 * provider creates a client, and closes it on unmount.
 */
export type TickwireProviderProps = { children?: ReactNode } & (
  | { client: TickwireClient }
  | ({ client?: undefined } & ClientOptions)
);

/**
 * Makes a Tickwire client available to the hooks below it.
 * @example
 * <TickwireProvider url="https://rt.example.com" getToken={fetchToken}><App /></TickwireProvider>
 */
export function TickwireProvider(props: TickwireProviderProps): ReactNode {
  const { children, client: given, ...rest } = props;
  const options = rest as Partial<ClientOptions>;
  const latest = useRef(options);
  latest.current = options;
  const [owned, setOwned] = useState<TickwireClient | null>(null);
  const url = given ? undefined : options.url;
  const token = given ? undefined : options.token;
  const hasGetToken = !given && options.getToken !== undefined;

  useEffect(() => {
    if (given || url === undefined) return;
    // Created in an effect (not during render) so StrictMode's double mount closes what it opens.
    const { getToken: _g, ...initial } = latest.current;
    const client = createClient({
      ...initial,
      url,
      ...(hasGetToken ? { getToken: () => latest.current.getToken!() } : {}),
    });
    setOwned(client);
    return () => {
      client.close();
      setOwned((current) => (current === client ? null : current));
    };
  }, [given, url, token, hasGetToken]);

  return createElement(TickwireContext.Provider, { value: given ?? owned }, children);
}
