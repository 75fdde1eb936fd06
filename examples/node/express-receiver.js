// The spec's Express webhook receiver, with clickfence doing the checking.
//
//   MCS_WEBHOOK_SECRET=whsec_... node examples/node/express-receiver.js
//
// The signature covers the raw body, so the route uses express.raw() and
// hands req.body (a Buffer) to the verifier before parsing it.
const express = require('express')
const { ClickfenceError, WebhookVerifier } = require('clickfence')

/** @param {string[]} secrets the current secret first, then any being retired */
function createApp(secrets) {
  const verifier = new WebhookVerifier(secrets) // several secrets during a rotation
  const app = express()
  app.post('/webhooks/myclickshield', express.raw({ type: 'application/json' }), (req, res) => {
    try {
      verifier.verify(req.headers, req.body)
    } catch (err) {
      if (!(err instanceof ClickfenceError)) throw err
      return res.status(400).send(`invalid signature: ${err.code}`)
    }
    const payload = JSON.parse(req.body.toString())
    // ... handle payload.event, idempotently by the X-MyClickShield-Delivery header ...
    res.json({ received: payload.event })
  })
  return app
}

module.exports = { createApp }

if (require.main === module) {
  const secrets = [process.env.MCS_WEBHOOK_SECRET, process.env.MCS_WEBHOOK_SECRET_OLD].filter(
    /** @returns {s is string} */ (s) => typeof s === 'string' && s !== '',
  )
  const port = Number(process.env.PORT || 3000)
  createApp(secrets.length ? secrets : ['whsec_example']).listen(port, '127.0.0.1', () =>
    console.log(`listening on http://127.0.0.1:${port}/webhooks/myclickshield`),
  )
}
