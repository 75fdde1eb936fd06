// CommonJS entry, Headers input, the spec receiver as an oracle, isbot as an
// oracle, and bad input of every type.
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const { readFileSync } = require('node:fs')
const path = require('node:path')
const { test } = require('node:test')
const { isbot } = require('isbot')

const cf = require('../main.cjs')

const NOW = 1777896000

function specReceiver(secret, headers, raw, now) {
  // The spec's Express sample, line for line (Date.now() replaced by `now`).
  const ts = headers['x-myclickshield-timestamp']
  const sig = headers['x-myclickshield-signature']
  const body = raw.toString()
  const expected = crypto.createHmac('sha256', secret).update(ts + '.' + body).digest('hex')
  return !(sig.length !== expected.length || !crypto.timingSafeEqual(Buffer.from(expected), Buffer.from(sig)) || Math.abs(now - Number(ts)) > 300)
}

test('agrees with the spec receiver on well-formed deliveries', () => {
  const signer = new cf.WebhookSigner('whsec')
  const verifier = new cf.WebhookVerifier('whsec')
  let checked = 0
  for (let i = 0; i < 300; i++) {
    const body = Buffer.from(JSON.stringify({ event: 'ip.blocked', data: { n: i, s: 'é☕'.repeat(i % 4) } }))
    const ts = NOW + ((i * 7) % 700) - 350
    let sig = signer.sign(ts, body)
    if (i % 3 === 0) sig = sig.slice(0, 63) + (sig[63] === '0' ? '1' : '0')
    const headers = { 'x-myclickshield-timestamp': String(ts), 'x-myclickshield-signature': sig }
    let ours = true
    try {
      verifier.verify(headers, body, { now: NOW })
    } catch {
      ours = false
    }
    assert.equal(ours, specReceiver('whsec', headers, body, NOW), `delivery ${i}`)
    checked++
  }
  assert.equal(checked, 300)
})

test('WHATWG Headers and Express objects both work', () => {
  const body = '{"event":"ip.blocked"}'
  const h = new cf.WebhookSigner('s').headers('ip.blocked', body, { deliveryId: '1', timestamp: NOW })
  assert.equal(new cf.WebhookVerifier(['old', 's']).verify(new Headers(h), body, { now: NOW }), 1)
  const lower = Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]))
  assert.equal(new cf.WebhookVerifier('s').verify(lower, Buffer.from(body), { now: NOW }), 0)
  assert.throws(() => new cf.WebhookVerifier('s').verify(new Headers(), body, { now: NOW }), { code: 'missing_header' })
})

test('a parsed body is refused with a pointer to express.raw', () => {
  assert.throws(() => new cf.WebhookVerifier('s').verify({}, { event: 'x' }), (e) => e.code === 'invalid_body' && /express\.raw/.test(e.message))
})

test('bad input of every type throws an Error with a code, never crashes', () => {
  const cases = [
    () => new cf.ClickSigner(42),
    () => new cf.ClickSigner(''),
    () => new cf.ClickSigner('k').sign(5),
    () => new cf.ClickSigner('k').sign('https://a/', { expires: -1 }),
    () => new cf.ClickVerifier({ mode: 'on' }),
    () => new cf.ClickVerifier().verify(null),
    () => new cf.ClickVerifier().report({ start: '2024-01-01T00' }),
    () => new cf.WebhookVerifier([]),
    () => new cf.WebhookVerifier('s', { tolerance: 0 }),
    () => new cf.WebhookVerifier('s').verify(null, 'x'),
    () => new cf.WebhookSigner('s').headers('ip.blocked', 'x', {}),
    () => new cf.GeoIp('/nonexistent.mmdb'),
    () => new cf.IpSet(['nope']),
    () => cf.IpSet.fromLines('1.2.3.4\nbad'),
    () => new cf.IpSet([]).has('010.0.0.1'),
    () => new cf.AccessPolicy({ enabled: 'yes' }),
    () => new cf.AccessPolicy('{not json'),
    () => new cf.AccessPolicy({ enabled: true }).check('1.2.3', { country: 'US' }),
    () => new cf.AccessPolicy({ enabled: true }, { geoip: 'not a GeoIp' }),
    () => new cf.RateLimiter({ limit: 0 }),
    () => new cf.RateLimiter().check('k', { cost: 61 }),
    () => new cf.RateLimiter().check(Buffer.alloc(2000)),
    () => new cf.Scorer({ blockThreshold: 10, flagThreshold: 20 }),
    () => new cf.Scorer({ rules: { version: 'v', rules: { nope: 1 } } }),
    () => new cf.Scorer().score([1, 2]),
    () => new cf.Scorer().score('not an object'),
  ]
  for (const [i, fn] of cases.entries()) {
    assert.throws(fn, (e) => e instanceof Error && typeof e.code === 'string' && e.code.length > 0, `case ${i}`)
  }
})

test('the scorer agrees with isbot on real user agents', () => {
  const corpus = JSON.parse(readFileSync(path.join(__dirname, '../../tests/vectors/user-agents.json'), 'utf8'))
  const scorer = new cf.Scorer()
  const disagreements = []
  for (const ua of [...corpus.browsers, ...corpus.current_browsers, ...corpus.bots, ...corpus.crawlers]) {
    if (scorer.isBotUserAgent(ua) !== isbot(ua)) disagreements.push(ua)
  }
  // Documented in the README: the isbot crate's pattern list differs from the
  // npm package's, so some agents disagree. None of them may be a browser we
  // call a bot, and every crawler must be caught by both.
  // Except the documented ones the crawler-user-agents list rightly calls bots.
  const browsers = new Set([...corpus.browsers, ...corpus.current_browsers])
  const documented = (ua) => corpus.isbot_browsers_we_call_bots.some((d) => ua.includes(d.contains))
  for (const ua of disagreements) assert.ok(documented(ua) || !(browsers.has(ua) && scorer.isBotUserAgent(ua)), ua)
  for (const ua of corpus.crawlers) assert.ok(scorer.isBotUserAgent(ua) && isbot(ua), ua)
  console.log(`isbot disagreements: ${disagreements.length} of ${corpus.browsers.length + corpus.current_browsers.length + corpus.bots.length + corpus.crawlers.length}`)
})

test('key ring, config, report and GeoIP through Node', () => {
  const v = new cf.ClickVerifier({ mode: 'report-only', circuitBreaker: false })
  const key = v.generateKey({ ttlHours: 36, now: 1700000000 })
  assert.equal(key.id.length, 36)
  assert.equal(key.expiresAt, 1700000000 + 36 * 3600)
  const url = new cf.ClickSigner(key.secret).sign('https://app.example/com.app?pid=x', { expires: 1700000100 })
  assert.equal(v.verify(url, { now: 1700000000 }).keyId, key.id)
  const cfg = v.config({ now: 1700000000 })
  assert.deepEqual(Object.keys(cfg), ['mode', 'circuit-breaker-config', 'active-key-ids', 'excluded-app-ids'])
  assert.equal(v.reportCsv({ start: '2023-11-14T22', end: '2023-11-14T22' }).split('\n')[1], '2023-11-14T22,1,1,0,0,0,0,0')
  const geo = new cf.GeoIp(path.join(__dirname, '../../tests/vectors/geoip/country.mmdb'))
  assert.equal(geo.country('81.2.69.142'), 'DE')
  assert.equal(geo.country('8.8.8.8'), null)
  assert.equal(geo.databaseType, 'GeoIP2-Country')
})

test('an option given to the wrong verifier, or misspelt, is refused, not ignored', () => {
  const invalid = (e) => e.code === 'invalid_argument' && e.message.length > 0
  assert.throws(() => new cf.WebhookVerifier('s', { mode: 'enabled' }), invalid)
  assert.throws(() => new cf.ClickVerifier({ tolerance: 300 }), invalid)
  assert.throws(() => new cf.ClickVerifier({ circuit_breaker: false }), invalid)
  assert.throws(() => new cf.ClickVerifier({ mode: 5 }), invalid)
  assert.throws(() => new cf.WebhookVerifier('s', { tolerance: 'soon' }), invalid)
  assert.throws(() => new cf.ClickVerifier({ mode: 'on' }), (e) => e.code === 'invalid_mode')
  assert.equal(new cf.ClickVerifier({ mode: 'report-only', circuitBreaker: undefined }).config({ now: 0 }).mode, 'report-only')
  new cf.WebhookVerifier('s', {})
  new cf.ClickVerifier()
  // ClickSigner.sign reads its options on the JavaScript side: the same
  // answers as the addon's own reading, and the same refusals.
  const signer = new cf.ClickSigner('k'.repeat(32))
  const url = 'https://app.example/com.app.id?pid=n&clickid=1'
  assert.throws(() => signer.sign(url, { expire: 1 }), invalid)
  assert.throws(() => signer.sign(url, 5), invalid)
  assert.throws(() => signer.sign(url, { expires: 'soon' }), (e) => e.code && e.message.length > 0)
  assert.throws(() => signer.sign(5, { expires: 1 }), (e) => e.code && e.message.length > 0)
  const native = Object.getPrototypeOf(cf.ClickSigner.prototype).sign
  for (const o of [{ expires: 1700000000 }, { expires: 1700000000, millis: true }, { expires: 1700000000, ttl: 9 }]) {
    assert.equal(signer.sign(url, o), native.call(signer, url, o), JSON.stringify(o))
  }
  const t = Math.floor(Date.now() / 1000)
  const expires = Number(/expires=(\d+)/.exec(signer.sign(url, { ttl: 60 }))[1])
  assert.ok(expires >= t + 60 && expires <= t + 62, 'ttl counts from now')
  assert.ok(Number(/expires=(\d+)/.exec(signer.sign(url))[1]) >= t + 300, 'default ttl 300 s')
})

test('ClickfenceError: every thrown error is one, its code typed from the core list', () => {
  const { ClickfenceError, errorCodes } = cf
  const err = (() => {
    try {
      new cf.WebhookVerifier([])
    } catch (e) {
      return e
    }
  })()
  assert.ok(err instanceof ClickfenceError && err instanceof Error, String(err))
  assert.ok(!(new Error('other') instanceof ClickfenceError))
  assert.ok(!(Object.assign(new Error('x'), { code: 'ENOENT' }) instanceof ClickfenceError))
  assert.ok(!({ code: 'signature_mismatch' } instanceof ClickfenceError), 'only Errors')
  const dts = readFileSync(path.join(__dirname, '../index.d.ts'), 'utf8')
  const union = dts.split('export type ClickfenceErrorCode =')[1].split('\n\n')[0]
  const declared = [...union.matchAll(/'([a-z_]+)'/g)].map((m) => m[1])
  assert.deepEqual(declared.sort(), [...errorCodes()].sort(), 'the .d.ts union and errorCodes() agree')
})

test('RateLimiter (the JavaScript fast path) decides, renders and refuses as the core', () => {
  const l = new cf.RateLimiter({ limit: 2, window: 30 })
  const a = l.check('k', { now: 1000 })
  assert.ok(a instanceof cf.RateDecision)
  assert.deepEqual([a.allowed, a.limit, a.remaining, a.retryAfter, a.resetAfter], [true, 2, 1, undefined, 30])
  l.check('k', { now: 1000 })
  const c = l.check('k', { now: 1001 })
  assert.deepEqual([c.allowed, c.remaining, c.retryAfter, c.resetAfter], [false, 0, 29, 29])
  assert.equal(c.headers['Retry-After'], '29')
  assert.equal(c.headers['X-RateLimit-Reset'], String(1001 + 29))
  assert.deepEqual(Object.keys(JSON.parse(JSON.stringify(c))).sort(), ['allowed', 'headers', 'limit', 'remaining', 'resetAfter', 'retryAfter'].filter((k) => k !== 'retryAfter' || c.retryAfter !== undefined).sort())
  assert.equal(l.check('k', { cost: 0, now: 1031 }).remaining, 2, 'the window slid')
  const invalid = (e) => e.code === 'invalid_argument'
  assert.throws(() => l.check('k', { costs: 1 }), invalid)
  assert.throws(() => l.check('k', 5), invalid)
  assert.throws(() => new cf.RateLimiter({ limt: 5 }), invalid)
  assert.throws(() => new cf.RateLimiter({ limit: 0 }), (e) => e.code === 'invalid_quota')
  assert.throws(() => l.check('k', { cost: 3 }), (e) => e.code === 'cost_exceeds_limit')
  assert.throws(() => l.check('k', { now: -5 }), (e) => e.code === 'time_out_of_range')
  assert.throws(() => l.check(42), (e) => e instanceof cf.ClickfenceError && e.code === 'invalid_argument')
})
