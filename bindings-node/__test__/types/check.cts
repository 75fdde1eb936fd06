// The same package through require (CommonJS types).
import cf = require('clickfence')
import redis = require('clickfence/redis')

const v = new cf.WebhookVerifier('s', { tolerance: 5 })
const g = new cf.ReplayGuard(v, { capacity: 10 })
const i: number = g.verify({}, Buffer.alloc(0))
const limiter: typeof redis.RedisRateLimiter = redis.RedisRateLimiter
// @ts-expect-error a ReplayGuard takes a verifier, not secrets
new cf.ReplayGuard('whsec_test')

export { i, limiter }
