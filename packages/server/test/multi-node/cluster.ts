import type { Socket } from "socket.io-client";
import type { Gateway, GatewayOptions } from "@tickwire/server";
import type { Cluster as RedisCluster, Redis } from "ioredis";
import { record, type TestBed } from "../helpers.js";
import { SINGLE_REDIS, type RedisBackend } from "../redis-backends.js";
import { deleteKeys, testPrefix } from "./redis-test-keys.js";

/** Gateways of one test sharing Redis (one instance or a cluster) under a prefix of their own, each with its own data folder. */
export class Cluster {
  readonly prefix = testPrefix();

  constructor(
    private readonly bed: TestBed,
    readonly backend: RedisBackend = SINGLE_REDIS,
  ) {}

  /** Starts `count` gateways on the shared Redis. */
  async nodes(count: number, options: Partial<GatewayOptions> = {}): Promise<Gateway[]> {
    const nodes: Gateway[] = [];
    for (let i = 0; i < count; i++) nodes.push(await this.bed.gateway({ ...this.backend.gateway, redisPrefix: this.prefix, dataDir: this.bed.tempDir(), ...options }));
    return nodes;
  }

  /** An admin client of the backend, for assertions and fault injection; disconnect it after use. */
  admin(): Redis | RedisCluster {
    return this.backend.admin();
  }

  /** Deletes the test's keys; call after the bed's cleanup. */
  cleanup(): Promise<void> {
    return deleteKeys(this.prefix);
  }
}

/** A socket subscribed to one channel, recording one event. */
export async function subscriber(bed: TestBed, gw: Gateway, user: string, tier: string, item: unknown, event: string) {
  const socket: Socket = await bed.connectAs(gw, user, tier);
  const seen = record(socket, event);
  const reply = await socket.emitWithAck("subscribe", { channels: [item] });
  return { socket, seen, reply, subscribed: reply.subscribed[0] as { channel: string; offset: number; epoch: string; recovered?: boolean; replayed?: number } };
}

/** `from..to` as a list. */
export const range = (from: number, to: number): number[] => Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);

/** Offsets of recorded emissions. */
export const offsets = (seen: Array<{ meta: Record<string, unknown> }>): unknown[] => seen.map((e) => e.meta.offset);
