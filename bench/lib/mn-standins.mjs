// Stand-ins for more subscribed nodes than this machine can run: each is one
// cluster client that SSUBSCRIBEs the sharded pub/sub channels a node would, and
// reads and drops every message. To a Redis master a subscribed node is exactly
// that (one more connection to write each publication to), so adding stand-ins
// measures what one more node costs the master with far more signal than the
// step from one real node to three.
import { createCluster } from "redis";

/** `count` stand-in subscribed nodes on `names` (sharded pub/sub channels); `messages()` counts what they read. */
export async function startStandIns(clusterNodes, names, count) {
  const clients = [];
  let messages = 0;
  const onMessage = () => {
    messages++;
  };
  try {
    for (let i = 0; i < count; i++) {
      const client = createCluster({ rootNodes: clusterNodes.map((n) => ({ url: `redis://${n}` })) });
      client.on("error", () => undefined);
      clients.push(client);
      await client.connect();
      // One channel per call: the channels sit in different slots, a call subscribes in one.
      for (const name of names) await client.sSubscribe(name, onMessage);
    }
  } catch (err) {
    await Promise.allSettled(clients.map((c) => c.destroy()));
    throw err;
  }
  return {
    count,
    messages: () => messages,
    async close() {
      await Promise.allSettled(clients.map((c) => c.destroy()));
    },
  };
}
