// Receivers for Standard Webhooks, Stripe, GitHub and Shopify in Express, each
// verified with clickfence.
//
//   STRIPE_WEBHOOK_SECRET=whsec_... GITHUB_WEBHOOK_SECRET=... node examples/node/providers-receiver.js
//
// Every provider signs the raw bytes it sent: express.raw() keeps them, and
// req.body (a Buffer) goes to the verifier before anything parses it. The
// scheme reads that provider's headers and derives its key its way.
const express = require('express')
const { ClickfenceError, ReplayGuard, WebhookVerifier } = require('clickfence')

/** @param {Record<'standard' | 'stripe' | 'github' | 'shopify', string>} secrets */
function createApp(secrets) {
  /** @type {Map<string, ReplayGuard>} */
  const guards = new Map()
  for (const [scheme, secret] of Object.entries(secrets)) {
    // A replay is refused; GitHub and Shopify (no signed time) are
    // remembered by delivery id for six hours.
    guards.set(scheme, new ReplayGuard(new WebhookVerifier(secret, { scheme: /** @type {any} */ (scheme) })))
  }
  const app = express()
  app.post('/webhooks/:provider', express.raw({ type: () => true }), (req, res) => {
    const guard = guards.get(req.params.provider)
    if (!guard) return res.status(404).json({ error: 'unknown_provider' })
    try {
      guard.verify(req.headers, req.body)
    } catch (err) {
      if (!(err instanceof ClickfenceError)) throw err
      // Already received: 200 so the provider stops retrying; not processed twice.
      if (err.code === 'replayed_delivery') return res.json({ duplicate: req.params.provider })
      return res.status(400).json({ error: err.code })
    }
    // ... handle JSON.parse(req.body.toString()) ...
    res.json({ received: req.params.provider })
  })
  return app
}

module.exports = { createApp }

if (require.main === module) {
  const env = process.env
  const port = Number(env.PORT || 3000)
  createApp({
    standard: env.STANDARD_WEBHOOK_SECRET || 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    stripe: env.STRIPE_WEBHOOK_SECRET || 'whsec_test_secret',
    github: env.GITHUB_WEBHOOK_SECRET || "It's a Secret to Everybody",
    shopify: env.SHOPIFY_CLIENT_SECRET || 'shopify-client-secret',
  }).listen(port, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${port}/webhooks/{standard,stripe,github,shopify}`))
}
