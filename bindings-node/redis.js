// Rate windows, velocity counters and a replay guard shared by many
// processes through Redis, with your own client: ioredis or node-redis (v4+).
//
// Each check runs the core's own script atomically inside Redis (called by
// SHA, sent once more in full if Redis has not seen it), and the reply is
// decoded by the core: the decisions, `remaining`, `resetAfter`,
// `retryAfter` and headers are exactly those of the in-process
// `RateLimiter` and `VelocityCounter`, with Redis's clock. Nothing of the
// window arithmetic lives here.
'use strict'

const { createHash } = require('node:crypto')
const binding = require('./main.cjs')
const { invalid, options } = require('./options.cjs')

const {
  RATE_SCRIPT,
  VELOCITY_SCRIPT,
  rateScriptArgs,
  decodeRateReply,
  decodeVelocityReply,
  sharedRateKey,
  sharedReplayOutcome,
} = binding

const sha1 = (text) => createHash('sha1').update(text).digest('hex')
const RATE_SHA = sha1(RATE_SCRIPT)
const VELOCITY_SHA = sha1(VELOCITY_SCRIPT)


// The two clients' spellings of EVALSHA / EVAL / SET NX EX.
function adapter(client) {
  if (client && typeof client.evalSha === 'function') {
    return {
      evalsha: (sha, key, args) => client.evalSha(sha, { keys: [key], arguments: args }),
      eval: (script, key, args) => client.eval(script, { keys: [key], arguments: args }),
      setNx: async (key, ttl) => (await client.set(key, '1', { NX: true, EX: ttl })) !== null,
      setNxGet: (key, value, ttl) => client.set(key, value, { NX: true, GET: true, EX: ttl }),
    }
  }
  if (client && typeof client.evalsha === 'function') {
    return {
      evalsha: (sha, key, args) => client.evalsha(sha, 1, key, ...args),
      eval: (script, key, args) => client.eval(script, 1, key, ...args),
      setNx: async (key, ttl) => (await client.set(key, '1', 'EX', ttl, 'NX')) !== null,
      setNxGet: (key, value, ttl) => client.call('SET', key, value, 'NX', 'GET', 'EX', ttl),
    }
  }
  throw invalid('client must be an ioredis or node-redis (v4+) client')
}

async function run(redis, script, sha, key, args) {
  try {
    return await redis.evalsha(sha, key, args)
  } catch (err) {
    if (!String(err && err.message).startsWith('NOSCRIPT')) throw err
    return redis.eval(script, key, args)
  }
}

// The core bounds the key as the in-process limiter does (rate_key_too_long).
function fullKey(prefix, key) {
  if (typeof key !== 'string' && !Buffer.isBuffer(key)) throw invalid('key must be a string or a Buffer')
  const full = sharedRateKey(prefix, key)
  return typeof key === 'string' ? full.toString() : full
}

function integers(reply) {
  if (!Array.isArray(reply)) return reply
  return reply.map((v) => (typeof v === 'number' ? v : Number(v)))
}


// A test-only fixed time, else Redis's clock (the scripts' last argument).
function withNow(args, now) {
  if (now === undefined) return args
  if (typeof now !== 'number' || !Number.isFinite(now) || now < 0) {
    throw invalid('now must be a non-negative number of unix seconds')
  }
  return [...args, String(Math.floor(now))]
}

/** At most `limit` units per key in any `window` seconds, across every
 * process using the same Redis. */
class RedisRateLimiter {
  constructor(client, opts) {
    const o = options(opts, ['limit', 'window', 'prefix'], 'RedisRateLimiter options') || {}
    this._redis = adapter(client)
    this._quota = { limit: o.limit ?? 60, window: o.window ?? 60 }
    this._prefix = o.prefix ?? 'clickfence:rate:'
    // The core validates the quota; a cost of 1's arguments are kept.
    this._one = rateScriptArgs(this._quota, 1)
  }

  /** Checks and counts `cost` units of `key` (0 only reads). */
  async check(key, opts) {
    const o = options(opts, ['cost', 'now'], 'check options') || {}
    const cost = o.cost ?? 1
    const args = withNow(cost === 1 ? this._one : rateScriptArgs(this._quota, cost), o.now)
    const reply = await run(this._redis, RATE_SCRIPT, RATE_SHA, fullKey(this._prefix, key), args)
    return decodeRateReply(integers(reply), this._quota)
  }
}

/** Sliding minute / hour event counts per key, across every process using
 * the same Redis. */
class RedisVelocityCounter {
  constructor(client, opts) {
    const o = options(opts, ['prefix'], 'RedisVelocityCounter options') || {}
    this._redis = adapter(client)
    this._prefix = o.prefix ?? 'clickfence:velocity:'
  }

  /** Records one event; resolves to the counts including it. */
  async record(key, opts) {
    return this._call(key, opts, '1')
  }

  /** The counts of `key` without recording an event. */
  async peek(key, opts) {
    return this._call(key, opts, '0')
  }

  async _call(key, opts, count) {
    const o = options(opts, ['now'], 'options') || {}
    const args = withNow([count], o.now)
    const reply = await run(this._redis, VELOCITY_SCRIPT, VELOCITY_SHA, fullKey(this._prefix, key), args)
    return decodeVelocityReply(integers(reply))
  }
}

/** Verifies webhook deliveries and refuses a replay seen by any process
 * sharing the Redis (`replayed_delivery`), within the verifier's tolerance. */
class RedisReplayGuard {
  constructor(client, verifier, opts) {
    const o = options(opts, ['prefix'], 'RedisReplayGuard options') || {}
    if (!verifier || typeof verifier.sharedReplayKey !== 'function') {
      throw invalid('verifier must be a WebhookVerifier')
    }
    this._redis = adapter(client)
    this._verifier = verifier
    this._prefix = o.prefix ?? 'clickfence:replay:'
  }

  /** Verifies, then claims the delivery; resolves to the secret's index. */
  async verify(headers, body, opts) {
    const o = options(opts, ['now'], 'verify options') || {}
    const claim = this._verifier.sharedReplayKey(headers, body, { prefix: this._prefix, now: o.now })
    sharedReplayOutcome(await this._redis.setNx(claim.key, claim.ttl))
    return claim.secretIndex
  }
}

// Signed clicks whose one-time tickets are shared by every process using
// the Redis (`SET key value NX GET EX ttl`, Redis 7 or later): a signature
// consumed anywhere is `replayed` (or a `duplicate` double click) anywhere.
// A Redis error rejects: whether to refuse the click or fall back to
// `verifier.verify` (tickets then per process) is the caller's choice.
class RedisClickTickets {
  constructor(client, verifier, opts) {
    const o = options(opts, ['prefix'], 'RedisClickTickets options') || {}
    if (!verifier || typeof verifier.inspect !== 'function' || typeof verifier.conclude !== 'function') {
      throw invalid('verifier must be a ClickVerifier')
    }
    this._redis = adapter(client)
    this._verifier = verifier
    this._prefix = o.prefix ?? 'clickfence:ticket:'
  }

  /** `ClickVerifier.verify`, with the ticket claimed in Redis. */
  async verify(url, opts) {
    const o = options(opts, ['now', 'source', 'asn', 'userAgent', 'purpose'], 'verify options') || {}
    const inspection = this._verifier.inspect(url, { ...o, prefix: this._prefix })
    let previous = null
    if (inspection.key !== null && inspection.key !== undefined) {
      previous = await this._redis.setNxGet(inspection.key, inspection.value, inspection.ttl)
    }
    return this._verifier.conclude(inspection, previous ?? undefined, { now: o.now })
  }
}

module.exports = {
  RedisRateLimiter,
  RedisVelocityCounter,
  RedisReplayGuard,
  RedisClickTickets,
  RATE_SCRIPT,
  VELOCITY_SCRIPT,
}
