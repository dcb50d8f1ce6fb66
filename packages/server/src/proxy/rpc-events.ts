import type { EventRouter } from "../core/event-router.js";
import { newTraceId } from "../core/publisher.js";
import type { RpcProxy } from "./rpc-proxy.js";

/** Registers the protocol's `rpc { method, params }`: the backend's result is the ack's `result`, its error the ack's error. */
export function registerRpcEvents(router: EventRouter, proxy: RpcProxy): void {
  router.register("rpc", async (session, request) => {
    const outcome = await proxy.call(session, request.method, request.params, newTraceId(), "rpc");
    if ("error" in outcome) throw outcome.error;
    return { result: outcome.result };
  });
}
