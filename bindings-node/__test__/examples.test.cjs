// The examples in examples/node, run for real: the Express receiver on an
// ephemeral loopback port, and the click-signing script.
const assert = require('node:assert/strict')
const { execFileSync } = require('node:child_process')
const Module = require('node:module')
const path = require('node:path')
const { test } = require('node:test')

// Let the examples resolve `clickfence` to this package and their other
// dependencies (express) from this package's node_modules.
const examples = path.join(__dirname, '../../examples/node')
const own = {
  clickfence: require.resolve('../main.cjs'),
  express: require.resolve('express'),
}
const origResolve = Module._resolveFilename
Module._resolveFilename = function (request, ...rest) {
  return own[request] ?? origResolve.call(this, request, ...rest)
}

const { WebhookSigner } = require('../main.cjs')
const { createApp } = require(path.join(examples, 'express-receiver.js'))

test('the Express receiver accepts signed raw bodies and refuses the rest', async () => {
  const server = createApp(['whsec_example']).listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  const url = `http://127.0.0.1:${server.address().port}/webhooks/myclickshield`
  try {
    const body = '{"event":"ip.blocked","data":{"site_id":17}}'
    const headers = new WebhookSigner('whsec_example').headers('ip.blocked', body, { deliveryId: '5821' })
    let res = await fetch(url, { method: 'POST', headers, body })
    assert.equal(res.status, 200)
    assert.deepEqual(await res.json(), { received: 'ip.blocked' })
    res = await fetch(url, { method: 'POST', headers, body: body.replace('17', '18') })
    assert.equal(res.status, 400)
    assert.equal(await res.text(), 'invalid signature: signature_mismatch')
    res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
    assert.equal(await res.text(), 'invalid signature: missing_header')
  } finally {
    server.close()
  }
})

test('the click-signing script signs and verifies', () => {
  const loader = `data:text/javascript,${encodeURIComponent(`
    export async function resolve(specifier, context, next) {
      if (specifier === 'clickfence') return next(${JSON.stringify(require.resolve('../index.mjs'))}, context)
      return next(specifier, context)
    }`)}`
  const out = execFileSync(process.execPath, ['--no-warnings', '--experimental-loader', loader, path.join(examples, 'sign-clicks.mjs')], {
    encoding: 'utf8',
  })
  assert.match(out, /valid \(accepted=true/)
  assert.match(out, /refused: unencoded_character/)
})

test("the providers' receiver takes each provider's deliveries, made by their own libraries", async () => {
  const { createHmac } = require('node:crypto')
  const { Webhook } = require('standardwebhooks')
  const Stripe = require('stripe')
  const { createApp: providers } = require(path.join(examples, 'providers-receiver.js'))
  const secrets = {
    standard: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    stripe: 'whsec_test_secret',
    github: "It's a Secret to Everybody",
    shopify: 'shopify-client-secret',
  }
  const server = providers(secrets).listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  const base = `http://127.0.0.1:${server.address().port}/webhooks`
  const { sign: octokitSign } = await import('@octokit/webhooks-methods')
  const body = '{"id":"evt_1","type":"test"}'
  const now = Math.floor(Date.now() / 1000)
  const signed = {
    standard: {
      'webhook-id': 'msg_1',
      'webhook-timestamp': String(now),
      'webhook-signature': new Webhook(secrets.standard).sign('msg_1', new Date(now * 1000), body),
    },
    stripe: { 'stripe-signature': new Stripe('sk_test_x').webhooks.generateTestHeaderString({ payload: body, secret: secrets.stripe }) },
    github: { 'x-hub-signature-256': await octokitSign(secrets.github, body), 'x-github-delivery': '72d3162e' },
    shopify: {
      'x-shopify-hmac-sha256': createHmac('sha256', secrets.shopify).update(body).digest('base64'),
      'x-shopify-webhook-id': 'b54557e4',
    },
  }
  try {
    for (const [provider, headers] of Object.entries(signed)) {
      const post = (b) => fetch(`${base}/${provider}`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: b })
      let res = await post(body)
      assert.deepEqual([res.status, await res.json()], [200, { received: provider }], provider)
      res = await post(body)
      assert.deepEqual([res.status, await res.json()], [200, { duplicate: provider }], provider)
      res = await post(body + ' ')
      assert.deepEqual([res.status, await res.json()], [400, { error: 'signature_mismatch' }], provider)
    }
    assert.equal((await fetch(`${base}/paypal`, { method: 'POST', body })).status, 404)
  } finally {
    server.close()
  }
})
