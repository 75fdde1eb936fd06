// Every webhook scheme against tests/vectors/webhook_schemes.json, then
// against the providers' own npm libraries: Stripe's test-header helper,
// GitHub's @octokit/webhooks-methods and Standard Webhooks' reference library
// sign deliveries that verify here, and theirs verify ours.
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { test } from 'node:test'

import { sign as octokitSign, verify as octokitVerify } from '@octokit/webhooks-methods'
import Stripe from 'stripe'

import { ReplayGuard, WebhookSigner, WebhookVerifier } from '../index.mjs'

const require = createRequire(import.meta.url)
const { Webhook: StandardWebhook } = require('standardwebhooks')
const V = JSON.parse(readFileSync(new URL('../../tests/vectors/webhook_schemes.json', import.meta.url), 'utf8'))
const body = (hex) => Buffer.from(hex, 'hex')

// A WHATWG Headers cannot hold one name twice, and a plain object holds its
// own spellings: duplicates go in as differently cased keys.
function headerObject(pairs) {
  const out = {}
  for (const [name, value] of pairs) {
    const key = name in out ? name.toUpperCase() : name
    out[key] = value
  }
  return out
}

test('scheme vectors', () => {
  for (const c of V.cases) {
    const v = new WebhookVerifier(c.secrets, { scheme: c.scheme, tolerance: c.tolerance })
    assert.equal(v.scheme, c.scheme)
    const run = () => v.verify(headerObject(c.headers), body(c.body_hex), { now: c.now })
    if (c.code === null) assert.equal(run(), c.secret_index, c.name)
    else assert.throws(run, (e) => e.code === c.code, c.name)
  }
})

test('scheme vectors through WHATWG Headers', () => {
  for (const c of V.cases.filter((c) => c.code === null)) {
    const v = new WebhookVerifier(c.secrets, { scheme: c.scheme, tolerance: c.tolerance })
    assert.equal(v.verify(new Headers(c.headers), body(c.body_hex), { now: c.now }), c.secret_index, c.name)
  }
})

test('bad settings carry codes', () => {
  for (const c of V.construct) {
    assert.throws(() => new WebhookVerifier(c.secrets, { scheme: c.scheme }), (e) => e.code === c.code, c.name)
  }
  assert.throws(() => new WebhookVerifier('k', { schema: 'stripe' }), (e) => e.code === 'invalid_argument')
  assert.throws(() => new WebhookSigner('k', { scheme: 'github' }), (e) => e.code === 'unsupported_scheme')
  assert.throws(() => new WebhookSigner('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', { scheme: 'standard', previousSecret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }),
    (e) => e.code === 'invalid_argument')
})

test('replay guards per scheme', () => {
  for (const run of V.replay) {
    const guard = new ReplayGuard(new WebhookVerifier(run.secrets, { scheme: run.scheme }))
    for (const [i, s] of run.steps.entries()) {
      const call = () => guard.verify(headerObject(s.headers), body(s.body_hex), { now: s.now })
      if (s.code === null) call()
      else assert.throws(call, (e) => e.code === s.code, `${run.scheme} step ${i}`)
    }
  }
})

test('standard signing vectors', () => {
  for (const c of V.sign) {
    const opts = { scheme: c.scheme }
    if (c.previous_secret) Object.assign(opts, { previousSecret: c.previous_secret, previousUntil: c.previous_until })
    const headers = new WebhookSigner(c.secret, opts).headers(c.event, body(c.body_hex), {
      deliveryId: c.delivery_id,
      timestamp: c.timestamp,
    })
    assert.deepEqual(headers, Object.fromEntries(c.headers), c.name)
  }
})

test("Stripe's test-header helper: its deliveries verify here", () => {
  const stripe = new Stripe('sk_test_not_used')
  const secret = 'whsec_' + 'ab12'.repeat(8)
  const payload = JSON.stringify({ id: 'evt_1', object: 'event', type: 'charge.succeeded' })
  const now = Math.floor(Date.now() / 1000)
  for (let n = 0; n < 20; n++) {
    const header = stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp: now - n })
    const v = new WebhookVerifier([secret], { scheme: 'stripe' })
    assert.equal(v.verify({ 'stripe-signature': header }, payload, { now }), 0)
    assert.throws(() => v.verify({ 'stripe-signature': header }, payload + ' ', { now }), (e) => e.code === 'signature_mismatch')
    // Stripe's own check agrees.
    assert.equal(stripe.webhooks.constructEvent(payload, header, secret).id, 'evt_1')
  }
  const stale = stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp: now - 301 })
  assert.throws(() => new WebhookVerifier([secret], { scheme: 'stripe' }).verify({ 'stripe-signature': stale }, payload, { now }),
    (e) => e.code === 'timestamp_too_old')
})

test("Stripe's library agrees with the Stripe vectors", () => {
  const stripe = new Stripe('sk_test_not_used')
  for (const c of V.cases.filter((c) => c.scheme === 'stripe' && c.code !== 'duplicate_parameter')) {
    const header = c.headers.find(([n]) => n.toLowerCase() === 'stripe-signature')[1]
    const verdicts = c.secrets.map((secret) => {
      try {
        // Stripe's clock is passed in so the vector's "now" applies.
        stripe.webhooks.signature.verifyHeader(body(c.body_hex).toString(), header, secret, 300, undefined, c.now * 1000)
        return true
      } catch {
        return false
      }
    })
    if (c.code === null) assert.equal(verdicts.indexOf(true), c.secret_index, c.name)
    // Stripe bounds the age only; ours also refuses a timestamp further ahead than the tolerance.
    else if (c.code === 'timestamp_in_future') assert.ok(verdicts.every(Boolean), c.name)
    else assert.ok(!verdicts.some(Boolean), c.name)
  }
})

test("GitHub's @octokit/webhooks-methods: both ways", async () => {
  const secret = "It's a Secret to Everybody"
  const v = new WebhookVerifier(secret, { scheme: 'github' })
  for (let n = 0; n < 20; n++) {
    const payload = JSON.stringify({ action: 'opened', number: n })
    const signature = await octokitSign(secret, payload)
    assert.equal(v.verify({ 'x-hub-signature-256': signature, 'x-github-delivery': `d-${n}` }, payload), 0)
    assert.equal(await octokitVerify(secret, payload, signature), true)
  }
  for (const c of V.cases.filter((c) => c.scheme === 'github' && c.code === null)) {
    const sig = c.headers.find(([n]) => n.toLowerCase() === 'x-hub-signature-256')[1]
    assert.equal(await octokitVerify(c.secrets[c.secret_index], body(c.body_hex).toString(), sig), true, c.name)
  }
})

test("Shopify's documented computation (node:crypto) verifies here", () => {
  const secret = 'shpss_0123456789abcdef'
  const v = new WebhookVerifier(secret, { scheme: 'shopify' })
  const payload = Buffer.from(JSON.stringify({ id: 820982911946154500, email: 'jon@example.com' }))
  const hmac = createHmac('sha256', secret).update(payload).digest('base64')
  assert.equal(v.verify({ 'x-shopify-hmac-sha256': hmac, 'x-shopify-webhook-id': 'b54557e4' }, payload), 0)
  assert.throws(() => v.verify({ 'x-shopify-hmac-sha256': hmac }, Buffer.concat([payload, Buffer.from('\n')])),
    (e) => e.code === 'signature_mismatch')
})

test('standardwebhooks: theirs verify here, ours verify there, rotation included', () => {
  const secret = WebhookSigner.generateSecret('standard')
  assert.match(secret, /^whsec_[A-Za-z0-9+/]{32}$/)
  const theirs = new StandardWebhook(secret)
  const payload = JSON.stringify({ type: 'ip.blocked', data: { ip: '203.0.113.42' } })
  const now = Math.floor(Date.now() / 1000)
  for (let n = 0; n < 20; n++) {
    const signature = theirs.sign(`msg_${n}`, new Date(now * 1000), payload)
    const headers = { 'webhook-id': `msg_${n}`, 'webhook-timestamp': String(now), 'webhook-signature': signature }
    assert.equal(new WebhookVerifier(secret, { scheme: 'standard' }).verify(headers, payload), 0)
  }
  const next = WebhookSigner.generateSecret('standard')
  const signer = new WebhookSigner(next, { scheme: 'standard', previousSecret: secret, previousUntil: now + 60 })
  const headers = signer.headers('ip.blocked', payload, { deliveryId: 'msg_rot', timestamp: now })
  assert.deepEqual(new StandardWebhook(secret).verify(payload, headers), JSON.parse(payload))
  assert.deepEqual(new StandardWebhook(next).verify(payload, headers), JSON.parse(payload))
  const later = signer.headers('ip.blocked', payload, { deliveryId: 'msg_rot2', timestamp: now + 61 })
  assert.throws(() => new StandardWebhook(secret).verify(payload, later))
})

test("v1a (experimental) both ways against node:crypto's Ed25519", async () => {
  const { generateKeyPairSync, sign, verify } = await import('node:crypto')
  const scheme = 'standard-v1a-experimental'
  const b64url = (s) => Buffer.from(s, 'base64url').toString('base64')
  const payload = Buffer.from('{"type":"ip.blocked"}')
  for (let n = 0; n < 20; n++) {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519')
    const jwk = privateKey.export({ format: 'jwk' })
    const pub = `whpk_${b64url(jwk.x)}`
    const ts = 1_777_896_000 + n
    const signed = Buffer.concat([Buffer.from(`msg_${n}.${ts}.`), payload])
    const headers = { 'webhook-id': `msg_${n}`, 'webhook-timestamp': String(ts), 'webhook-signature': `v1a,${sign(null, signed, privateKey).toString('base64')}` }
    assert.equal(new WebhookVerifier(pub, { scheme }).verify(headers, payload, { now: ts }), 0)
    assert.throws(() => new WebhookVerifier(pub, { scheme }).verify(headers, Buffer.concat([payload, Buffer.from(' ')]), { now: ts }),
      (e) => e.code === 'signature_mismatch')
    const ours = new WebhookSigner(`whsk_${b64url(jwk.d)}`, { scheme })
    assert.equal(ours.publicKey, pub)
    const out = ours.headers('ip.blocked', payload, { deliveryId: `msg_${n}`, timestamp: ts })
    const [version, sig] = out['webhook-signature'].split(',')
    assert.equal(version, 'v1a')
    assert.equal(verify(null, signed, publicKey, Buffer.from(sig, 'base64')), true)
    assert.equal(verify(null, Buffer.concat([signed, Buffer.from(' ')]), publicKey, Buffer.from(sig, 'base64')), false)
  }
})

test('standard vectors carry a public key for v1a', () => {
  for (const c of V.sign.filter((c) => c.public_key)) {
    assert.equal(new WebhookSigner(c.secret, { scheme: c.scheme }).publicKey, c.public_key, c.name)
  }
  assert.equal(new WebhookSigner('k').publicKey, null)
})
