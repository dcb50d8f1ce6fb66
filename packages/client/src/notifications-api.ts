import type {
  NotificationsAckReply,
  NotificationsAckRequest,
  NotificationsListReply,
  NotificationsListRequest,
} from "@tickwire/protocol/core";

/** `client.notifications`: the durable inbox of the connected user. */
export interface NotificationsApi {
  /**
   * Lists notifications, newest first.
   * @example const { items, unread } = await client.notifications.list({ unreadOnly: true, limit: 20 });
   */
  list(options?: NotificationsListRequest): Promise<Omit<NotificationsListReply, "ok">>;
  /**
   * Marks notifications read; resolves to how many were acknowledged.
   * @example await client.notifications.ack(["n_1", "n_2"]);
   */
  ack(ids: readonly string[]): Promise<Omit<NotificationsAckReply, "ok">>;
}

/** Builds `client.notifications` over the client's request function. */
export function createNotificationsApi(request: {
  list(req: NotificationsListRequest): Promise<NotificationsListReply>;
  ack(req: NotificationsAckRequest): Promise<NotificationsAckReply>;
}): NotificationsApi {
  return {
    async list(options = {}) {
      const { ok: _ok, ...rest } = await request.list(options);
      return rest;
    },
    async ack(ids) {
      const { ok: _ok, ...rest } = await request.ack({ ids: [...ids] });
      return rest;
    },
  };
}
