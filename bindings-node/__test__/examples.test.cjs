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
