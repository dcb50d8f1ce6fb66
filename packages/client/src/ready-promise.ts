import type { SubscribedChannel } from "@tickwire/protocol/core";
import type { LocalSubscriber } from "./channel-entry.js";

/**
 * The `ready` promise of a subscription and the function that settles it
 * (once; later calls are ignored). Awaiting `ready` is optional, so a
 * rejection nobody awaits is not reported as unhandled: the refusal also
 * reaches `onError` and the client's `error` event.
 */
export function createReadyPromise(): { ready: Promise<SubscribedChannel>; settle: LocalSubscriber["settle"] } {
  let settled = false;
  let settle: LocalSubscriber["settle"] = () => {};
  const ready = new Promise<SubscribedChannel>((resolve, reject) => {
    settle = (result) => {
      if (settled) return;
      settled = true;
      if (result.ok) resolve(result.info);
      else reject(result.error);
    };
  });
  ready.catch(() => {});
  return { ready, settle };
}
