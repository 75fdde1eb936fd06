// ESM entry of clickfence/redis: the CommonJS module, loaded once.
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const redis = require('./redis.js')

export const { RedisRateLimiter, RedisVelocityCounter, RedisReplayGuard, RedisClickTickets, RATE_SCRIPT, VELOCITY_SCRIPT } =
  redis
export default redis
