// The shared vectors, through the ESM entry point.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'

import {
  AccessPolicy,
  ClickSigner,
  AsnTable,
  ClickVerifier,
  CrawlerVerifier,
  GeoIp,
  IpSet,
  RateLimiter,
  ReplayGuard,
  Scorer,
  VelocityCounter,
  WebhookSigner,
  WebhookVerifier,
  appProxySignature,
  clientIp,
  clientKey,
  fraudRate,
  hostingAsn,
  sharedRateKey,
  verifyAppProxy,
} from '../index.mjs'

const dir = new URL('../../tests/vectors/', import.meta.url)
const load = (name) => JSON.parse(readFileSync(new URL(name, dir), 'utf8'))

test('click sign vectors', () => {
  for (const c of load('click.json').sign) {
    assert.equal(new ClickSigner(c.secret).sign(c.url, { expires: c.expires, millis: c.millis }), c.signed, c.name)
  }
})

test('click sign errors carry codes', () => {
  for (const c of load('click.json').sign_errors) {
    assert.throws(() => new ClickSigner('k').sign(c.url, { expires: 1 }), (e) => e.code === c.code && e.message.length > 0, c.name)
  }
})

test('click verify vectors', () => {
  for (const c of load('click.json').verify) {
    const v = new ClickVerifier({ mode: c.mode })
    for (const k of c.keys) v.addKey(k.id, k.secret, k.expires_at, { now: 0 })
    for (const app of c.excluded_apps) v.excludeApp(app)
    const verdict = v.verify(c.url, { now: c.now })
    assert.deepEqual([verdict.outcome, verdict.accepted, verdict.keyId ?? null], [c.outcome, c.accepted, c.key_id], c.name)
  }
})

test('webhook vectors', () => {
  const w = load('webhook.json')
  for (const c of w.sign) {
    assert.equal(new WebhookSigner(c.secret).sign(c.timestamp, Buffer.from(c.body_hex, 'hex')), c.signature, c.name)
  }
  for (const c of w.verify) {
    const v = new WebhookVerifier(c.secrets, { tolerance: c.tolerance })
    const headers = {}
    for (const [name, value] of c.headers) {
      const key = name.toLowerCase()
      headers[key] = key in headers ? [].concat(headers[key], value) : value // Node's repeated-header shape
    }
    const body = Buffer.from(c.body_hex, 'hex')
    // main.cjs reads plain req.headers itself; the addon's general path
    // (which it falls back to) must answer the same.
    const general = (h, b, o) => Object.getPrototypeOf(WebhookVerifier.prototype).verify.call(v, h, b, o)
    if (c.code === null) {
      assert.equal(v.verify(headers, body, { now: c.now }), c.secret_index, c.name)
      assert.equal(general(headers, body, { now: c.now }), c.secret_index, c.name)
    } else {
      assert.throws(() => v.verify(headers, body, { now: c.now }), (e) => e.code === c.code, c.name)
      assert.throws(() => general(headers, body, { now: c.now }), (e) => e.code === c.code, c.name)
    }
  }
})

test('ip policy vectors', () => {
  const ip = load('ip.json')
  for (const p of ip.policies) {
    const s = p.sources
    const sources = {}
    if (s.geoip) sources.geoip = new GeoIp(new URL(s.geoip, dir).pathname)
    if (s.anonymous_ip) sources.anonymousIp = new GeoIp(new URL(s.anonymous_ip, dir).pathname)
    for (const k of ['tor', 'vpn', 'datacenter']) if (s[k]) sources[k] = new IpSet(s[k])
    sources.blocks = p.blocks.map((b) => ({ ip: b.ip, expiresAt: b.expires_at ?? undefined }))
    const policy = new AccessPolicy(p.config, sources)
    for (const c of p.checks) {
      const got = policy.check(c.ip, { country: c.country ?? undefined, now: c.now })
      assert.deepEqual(got, c.expect, `${p.name}: ${c.ip}`)
      assert.equal(JSON.stringify(got), JSON.stringify(c.expect), 'key order is the spec\'s')
    }
  }
  for (const e of ip.config_errors) {
    assert.throws(() => new AccessPolicy(e.config), (err) => err.code === 'invalid_config' && err.message.includes(e.field), e.field)
  }
})

test('app proxy vectors', () => {
  const all = load('app_proxy.json')
  assert.ok(all.cases.length >= 15)
  for (const c of all.cases) {
    if (c.error) {
      assert.throws(() => verifyAppProxy(c.query, c.secret, { now: c.now }), (e) => e.code === c.error, c.name)
    } else {
      const r = verifyAppProxy(c.query, c.secret, { now: c.now })
      assert.deepEqual(
        { shop: r.shop, timestamp: r.timestamp, logged_in_customer_id: r.loggedInCustomerId ?? null, path_prefix: r.pathPrefix ?? null },
        c.ok,
        c.name,
      )
    }
    if (c.signature) assert.equal(appProxySignature(c.query, Buffer.from(c.secret)), c.signature, c.name)
  }
})

test('key vectors', () => {
  const k = load('keys.json')
  assert.ok(k.client_keys.length >= 10)
  for (const c of k.client_keys) assert.equal(clientKey(c.text), c.expected, c.text.slice(0, 40))
  for (const c of k.shared_keys) {
    if (c.error) {
      assert.throws(() => sharedRateKey(c.prefix, c.key), (e) => e.code === c.error)
    } else {
      assert.deepEqual(sharedRateKey(c.prefix, c.key), Buffer.from(c.expected))
      assert.deepEqual(sharedRateKey(c.prefix, Buffer.from(c.key)), Buffer.from(c.expected))
    }
  }
})

test('rate vectors', () => {
  const r = load('rate.json')
  for (const sc of r.scenarios) {
    const rl = new RateLimiter({ limit: sc.limit, window: sc.window })
    for (const st of sc.steps) {
      const d = rl.check(st.key, { cost: st.cost, now: st.now })
      assert.deepEqual([d.allowed, d.remaining, d.retryAfter ?? null, d.resetAfter], [st.allowed, st.remaining, st.retry_after, st.reset_after])
    }
  }
  const ex = r.headers_example
  const rl = new RateLimiter({ limit: ex.limit, window: ex.window })
  for (let i = 0; i < ex.requests_before; i++) rl.check('tok', { now: ex.now })
  const d = rl.check('tok', { now: ex.now })
  assert.deepEqual(d.headers, Object.fromEntries(ex.headers))
  assert.deepEqual(JSON.parse(JSON.stringify(d)), { allowed: false, limit: 60, remaining: 0, retryAfter: 60, resetAfter: 60, headers: Object.fromEntries(ex.headers) })
})

test('score vectors', () => {
  const s = load('score.json')
  for (const c of s.cases) {
    const a = new Scorer({ blockThreshold: c.block_threshold, flagThreshold: c.flag_threshold }).score(c.signals)
    assert.deepEqual([a.score, a.status, a.classification, a.category], [c.score, c.status, c.classification, c.category], c.name)
    assert.deepEqual(a.reasons.map((r) => r.code), c.reasons, c.name)
    assert.equal(a.rules_version, s.rules_version)
  }
  for (const c of s.signal_ignored) {
    const a = new Scorer().score(c.signals)
    assert.equal(a.status, 'blocked', c.path)
    assert.ok(a.ignored_signals.some((i) => i.startsWith(c.path)), c.path)
  }
  assert.equal(new Scorer().score(s.signal_floored.signals).ignored_signals, undefined)
  for (const e of s.signal_errors) {
    let value
    try {
      value = JSON.parse(e.text)
    } catch {
      continue // not JSON at all: JavaScript callers cannot pass it
    }
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) continue // JSON.parse already merged it
    assert.throws(() => new Scorer().score(value), (err) => err.code === 'invalid_signals', e.text)
  }
  assert.equal(fraudRate(s.fraud_rate.total_clicks, s.fraud_rate.blocked_clicks), s.fraud_rate.fraud_rate)
})

test('circuit breaker scenarios', () => {
  const all = load('breaker.json')
  const source = (i) => `100.${64 + Math.floor(i / 256)}.${i % 256}.9`
  assert.ok(all.scenarios.length >= 9)
  const signer = new ClickSigner(all.key.secret)
  for (const s of all.scenarios) {
    const v = new ClickVerifier({ mode: all.start_mode, circuitBreaker: true })
    v.addKey(all.key.id, all.key.secret, all.key.expires_at, { now: 0 })
    let trips = 0
    let counter = 0
    for (const step of s.steps) {
      if (step.set_mode) {
        v.setMode(step.set_mode, { now: step.now })
        continue
      }
      for (let j = 0; j < step.n; j++) {
        // A fresh genuine click for each `valid`: a signature is valid once.
        const url =
          step.kind === 'valid'
            ? signer.sign(`${all.urls.valid_base}&n=${counter++}`, { expires: all.urls.valid_expires })
            : all.urls[step.kind]
        const src = step.net === null ? undefined : source(step.net + (j % step.nets))
        if (v.verify(url, { now: step.now, source: src, asn: step.asn }).tripped) trips++
      }
    }
    assert.equal(v.mode, s.mode, s.name)
    assert.equal(trips, s.trips, s.name)
  }
  const v = new ClickVerifier()
  assert.throws(() => v.verify(all.urls.unsigned, { now: 1, source: '300.1.1.1' }), (e) => e.code === 'invalid_ip')
})

test('one-time ticket vectors', () => {
  const all = load('tickets.json')
  assert.ok(all.cases.length >= 15)
  for (const c of all.cases) {
    const v = new ClickVerifier({ mode: c.mode })
    v.addKey(all.key.id, all.key.secret, all.key.expires_at, { now: all.added_at })
    c.steps.forEach((step, i) => {
      const url = step.url ? all[step.url] : c.url
      const request = {
        now: step.now,
        source: step.source ?? undefined,
        userAgent: step.user_agent ?? undefined,
        purpose: step.purpose ?? undefined,
      }
      if (step.op === 'check') {
        assert.equal(v.check(url, request), step.outcome, `${c.name}, step ${i}`)
        return
      }
      const verdict = v.verify(url, request)
      assert.deepEqual([verdict.outcome, verdict.accepted], [step.outcome, step.accepted], `${c.name}, step ${i}`)
    })
  }
  // Garbage is a clear error, and nothing is consumed by it.
  const c = all.cases[0]
  const v = new ClickVerifier()
  v.addKey(all.key.id, all.key.secret, all.key.expires_at, { now: all.added_at })
  assert.throws(() => v.verify(c.url, { now: all.added_at + 60, source: 'nope' }), (e) => e.code === 'invalid_ip')
  assert.equal(v.check(c.url, { now: all.added_at + 60 }), 'valid')
  v.setTicketLimits(0, 60)
  assert.equal(v.verify(c.url, { now: all.added_at + 60 }).outcome, 'ticket_store_full')
  assert.throws(() => v.setTicketLimits(-1, 60), (e) => e.code === 'invalid_argument')
})

test('times past year 9999 are refused everywhere', () => {
  for (const now of [253402300800, 1e19, -1, NaN]) {
    const calls = [
      () => new ClickVerifier().verify('https://a.example/x', { now }),
      () => new ClickVerifier().config({ now }),
      () => new RateLimiter({ limit: 60, window: 60 }).check('k', { now }),
      () => new WebhookVerifier('whsec').verify({}, '{}', { now }),
    ]
    for (const call of calls) assert.throws(call, (e) => e.code === 'time_out_of_range', String(now))
  }
  assert.ok(new RateLimiter({ limit: 1, window: 60 }).check('k', { now: 253402300799 }).allowed)
})

test('a malformed country hint never aborts the decision', () => {
  const policy = new AccessPolicy({ enabled: true, blockedIPs: ['1.2.3.4'], allowedIPs: ['5.6.7.8'] })
  assert.deepEqual(policy.check('1.2.3.4', { country: 'USA' }), { allowed: false, reason: 'blocked_ip', country: 'XX', countryHintIgnored: true })
  assert.deepEqual(policy.check('1.2.3.4', { country: 'DE' }), { allowed: false, reason: 'blocked_ip', country: 'DE' })
  assert.ok(policy.check('5.6.7.8', { country: 'USA' }).allowed)
})

test('velocity vectors', () => {
  for (const s of load('velocity.json').scenarios) {
    const counter = new VelocityCounter()
    s.steps.forEach((step, i) => {
      const got = step.op === 'record' ? counter.record(step.key, { now: step.now }) : counter.peek(step.key, { now: step.now })
      assert.deepEqual(got, { lastMinute: step.last_minute, lastHour: step.last_hour }, `${s.name} step ${i}`)
    })
  }
})

test('replay vectors', () => {
  const all = load('replay.json')
  for (const s of all.scenarios) {
    const guard = new ReplayGuard(new WebhookVerifier(all.secret, { tolerance: s.tolerance }), { capacity: s.capacity })
    s.steps.forEach((step, i) => {
      const headers = { 'x-myclickshield-timestamp': String(step.timestamp), 'x-myclickshield-signature': step.signature }
      let code = 'ok'
      try {
        guard.verify(headers, step.body, { now: step.now })
      } catch (e) {
        code = e.code
      }
      assert.equal(code, step.expect, `${s.name} step ${i}`)
    })
  }
})

test('client address vectors', () => {
  const all = load('client_ip.json')
  const trusted = new IpSet(all.proxies)
  const cloudflare = new IpSet(all.cloudflare)
  for (const c of all.cases) {
    const options = { trusted, cloudflare, forwardedFor: c.forwarded_for }
    if (c.cf_connecting_ip !== null) options.cfConnectingIp = c.cf_connecting_ip
    assert.deepEqual(clientIp(c.peer, options), { ip: c.ip, source: c.source }, c.name)
  }
  assert.throws(() => clientIp('10.0.0.1', { trusted, forwarded: [] }), (e) => e.code === 'invalid_argument')
  assert.throws(() => clientIp('10.0.0.1', {}), (e) => e.code === 'invalid_argument')
  assert.throws(() => clientIp('nope', { trusted }), (e) => e.code === 'invalid_ip')
})

test('GeoIP anonymous and ASN lookup vectors', () => {
  const all = load('geoip_lookups.json')
  const anon = new GeoIp(new URL(all.anonymous_db, dir).pathname)
  const asn = new GeoIp(new URL(all.asn_db, dir).pathname)
  for (const c of all.anonymous) assert.deepEqual({ ...anon.anonymous(c.ip) }, c.flags, c.ip)
  for (const c of all.asn) assert.deepEqual(asn.asn(c.ip) ?? null, c.asn, c.ip)
})

test('crawler check vectors', () => {
  const v = load('crawlers.json')
  const operators = ['google', 'bing', 'apple', 'yandex', 'baidu', 'duckduckgo', 'facebook']
  const verifier = (files) => {
    const cv = new CrawlerVerifier()
    for (const f of files) {
      const text = readFileSync(new URL(`../../tests/vectors/crawlers/${f}`, import.meta.url), 'utf8')
      cv.loadRanges(operators.find((o) => f.startsWith(o)), text)
    }
    return cv
  }
  for (const c of v.scenarios) {
    assert.deepEqual(verifier(c.ranges).check(c.user_agent, c.ip, c.answers), c.expect, c.name)
    assert.deepEqual(verifier(c.ranges).check(c.user_agent, c.ip, JSON.stringify(c.answers)), c.expect, c.name)
  }
  for (const c of v.errors) {
    assert.throws(() => verifier(c.ranges).check(c.user_agent, c.ip, c.answers), (e) => e.code === c.code, c.name)
  }
  for (const c of v.range_errors) {
    assert.throws(() => new CrawlerVerifier().loadRanges(c.operator, c.json), (e) => e.code === 'invalid_crawler_ranges' && e.message.includes(c.path))
  }
  assert.equal(verifier(['googlebot.json']).rangesDate('google'), '2026-11-30T23:00:17.000000')
  assert.equal(new CrawlerVerifier().rangesDate('google'), null)
  assert.throws(() => new CrawlerVerifier().check('Googlebot/2.1', 'not-an-ip'), (e) => typeof e.code === 'string')
})

test('published range files', () => {
  const v = load('ranges.json')
  for (const f of v.files) {
    const s = IpSet.fromPublished(f.format, readFileSync(new URL(`ranges/${f.file}`, dir), 'utf8'))
    assert.equal(s.date, f.date, f.file)
    for (const ip of f.inside) assert.equal(s.has(ip), true, `${ip} in ${f.file}`)
    for (const ip of f.outside) assert.equal(s.has(ip), false, `${ip} not in ${f.file}`)
  }
  for (const e of v.errors) {
    assert.throws(() => IpSet.fromPublished(e.format, e.text), (err) => err.code === 'invalid_ranges' && err.message.includes(e.path), e.path)
  }
  assert.throws(() => IpSet.fromPublished('gcp', '{}'), (err) => err.code === 'invalid_ranges')
  assert.equal(new IpSet(['192.0.2.1']).date, null)
})

test('hosting networks from free ASN data, relays never data centers', () => {
  const t = new AsnTable()
  for (const f of ['asn-ipv4.csv', 'asn-ipv6.csv']) t.loadCsv(readFileSync(new URL(`asn/${f}`, dir), 'utf8'))
  assert.deepEqual(t.lookup('5.9.10.10'), { asn: 24940, organization: 'Hetzner Online GmbH' })
  assert.equal(t.lookup('198.51.100.1'), null)
  const rows = t.length
  assert.throws(() => t.loadCsv('5.9.0.0,5.9.255.255,x,H\n'), (e) => e.code === 'invalid_ranges' && e.message.includes('line 1'))
  assert.equal(t.length, rows)
  assert.equal(hostingAsn(14061).operator, 'DigitalOcean')
  assert.equal(hostingAsn(13335), null)
  const relays = IpSet.fromPublished('apple-private-relay', readFileSync(new URL('ranges/apple-egress-ip-ranges.csv', dir), 'utf8'))
  const p = new AccessPolicy({ enabled: true, blockDatacenter: true }, { asnTable: t, privacyRelays: [relays] })
  assert.equal(p.check('1.44.96.7').reason, 'blocked_datacenter')
  for (const ip of ['172.224.226.1', '23.24.1.1', '2001:558::1']) assert.equal(p.check(ip).allowed, true, ip)
  const cases = load('hosting.json').cases
  assert.ok(new Set(cases.map((c) => c.operator).filter(Boolean)).size >= 10)
  for (const c of cases) assert.equal(p.check(c.ip).allowed, c.operator === null, `${c.ip}: ${c.why}`)
})
