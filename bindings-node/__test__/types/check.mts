// Type-checked by tsc --strict in the test command, never run (ESM, through
// the package's own exports). Each @ts-expect-error marks a mistake the
// types must catch; tsc fails if one stops being an error.
import { ClickVerifier, ClickfenceError, RateLimiter, VelocityCounter, WebhookVerifier, clientIp, IpSet } from 'clickfence'
import cf from 'clickfence'
import { RedisRateLimiter, RedisReplayGuard } from 'clickfence/redis'
import type { ClickfenceErrorCode, RateDecision, VelocityCounts, ClientIp, WebhookScheme } from 'clickfence'

const webhook = new WebhookVerifier(['whsec_new', 'whsec_old'], { tolerance: 300 })
const index: number = webhook.verify({ 'x-myclickshield-timestamp': '1' }, Buffer.from('{}'))
const click = new cf.ClickVerifier({ mode: 'report-only', circuitBreaker: false })
const decision: RateDecision = new RateLimiter({ limit: 60, window: 60 }).check('token')
const allowed: boolean = decision.allowed
const counts: VelocityCounts = new VelocityCounter().record('203.0.113.9')
const minute: number = counts.lastMinute
const found: ClientIp = clientIp('10.0.0.1', { trusted: new IpSet(['10.0.0.0/8']), forwardedFor: ['203.0.113.9'] })
const source: 'peer' | 'forwarded_for' | 'cf_connecting_ip' = found.source

declare const redis: { evalsha(...a: any[]): Promise<unknown>; eval(...a: any[]): Promise<unknown>; set(...a: any[]): Promise<unknown> }
const shared: Promise<RateDecision> = new RedisRateLimiter(redis, { limit: 60, window: 60 }).check('token')
const replay: Promise<number> = new RedisReplayGuard(redis, webhook).verify({}, '{}')

// @ts-expect-error a click verifier's option given to the webhook verifier
new WebhookVerifier('s', { mode: 'enabled' })
// @ts-expect-error scheme names are lower-case
new WebhookVerifier('s', { scheme: 'Stripe' })
const scheme: WebhookScheme = new WebhookVerifier('s', { scheme: 'github' }).scheme
// @ts-expect-error a webhook verifier's option given to the click verifier
new ClickVerifier({ tolerance: 300 })
// @ts-expect-error snake_case option names are not the Node spelling
new ClickVerifier({ circuit_breaker: false })
// @ts-expect-error clientIp needs the trusted proxies
clientIp('10.0.0.1', {})
// @ts-expect-error a Redis limiter option that does not exist
new RedisRateLimiter(redis, { limt: 60 })
// @ts-expect-error the result is a promise
const notAwaited: RateDecision = new RedisRateLimiter(redis).check('token')

let caught: ClickfenceErrorCode | undefined
try {
  webhook.verify({}, '{}')
} catch (err) {
  if (err instanceof ClickfenceError) caught = err.code
  // @ts-expect-error an unknown error's code is not typed
  caught = err.code
}

export { caught, index, click, allowed, minute, source, shared, replay, notAwaited }
