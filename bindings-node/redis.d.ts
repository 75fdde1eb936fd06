/* clickfence/redis: the core's rate, velocity and replay rules shared through Redis. */
import type { ClickVerdict, ClickVerifier, RateDecision, VelocityCounts, WebhookVerifier } from './index'

/** An ioredis client (`new Redis()`) or a connected node-redis v4+ client (`createClient()`). */
export type RedisClient =
  | { evalsha(...args: any[]): Promise<unknown>; eval(...args: any[]): Promise<unknown>; set(...args: any[]): Promise<unknown> }
  | { evalSha(...args: any[]): Promise<unknown>; eval(...args: any[]): Promise<unknown>; set(...args: any[]): Promise<unknown> }

/** Options of `new RedisRateLimiter`. Unknown keys throw `invalid_argument`. */
export interface RedisRateLimiterOptions {
  /** Units per window (default 60). */
  limit?: number
  /** Window in seconds (default 60). */
  window?: number
  /** Prefix of every key written (default `clickfence:rate:`). */
  prefix?: string
}

/** Options of a check: `now` is for tests only (default: Redis's clock). */
export interface RedisCheckOptions {
  /** Units this request costs (default 1; 0 only reads). */
  cost?: number
  /** A fixed unix time instead of Redis's clock (tests). */
  now?: number
}

/** A fixed unix time instead of Redis's clock (tests). */
export interface RedisNowOptions {
  now?: number
}

/** At most `limit` units per key in any `window` seconds, across every process using the same Redis. */
export declare class RedisRateLimiter {
  constructor(client: RedisClient, options?: RedisRateLimiterOptions)
  /** Checks and counts `cost` units of `key`: the decision `RateLimiter.check` would make. */
  check(key: string | Buffer, options?: RedisCheckOptions): Promise<RateDecision>
}

/** Sliding minute / hour event counts per key, across every process using the same Redis. */
export declare class RedisVelocityCounter {
  constructor(client: RedisClient, options?: { prefix?: string })
  /** Records one event; resolves to the counts including it. */
  record(key: string | Buffer, options?: RedisNowOptions): Promise<VelocityCounts>
  /** The counts of `key` without recording an event. */
  peek(key: string | Buffer, options?: RedisNowOptions): Promise<VelocityCounts>
}

/** Verifies webhook deliveries and refuses a replay seen by any process sharing the Redis. */
export declare class RedisReplayGuard {
  constructor(client: RedisClient, verifier: WebhookVerifier, options?: { prefix?: string })
  /** Verifies, then claims the delivery (`SET NX EX`); resolves to the index of the secret that matched. Rejects with `err.code` (`replayed_delivery`, `signature_mismatch`, ...). */
  verify(
    headers: Record<string, string | string[] | undefined> | Headers,
    body: Buffer | string,
    options?: RedisNowOptions,
  ): Promise<number>
}

/** Verifies signed clicks with one-time tickets shared by every process using the Redis (server 7.0 or later). */
export declare class RedisClickTickets {
  constructor(client: RedisClient, verifier: ClickVerifier, options?: { prefix?: string })
  /** `ClickVerifier.verify`, with the ticket claimed in Redis (`SET key value NX GET EX ttl`). Rejects when Redis fails. */
  verify(
    url: string,
    options?: { now?: number; source?: string; asn?: number; userAgent?: string; purpose?: string },
  ): Promise<ClickVerdict>
}

/** The core's sliding-window script. */
export declare const RATE_SCRIPT: string
/** The core's minute / hour velocity script. */
export declare const VELOCITY_SCRIPT: string
