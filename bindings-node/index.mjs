// ESM entry: the addon is loaded once through the CommonJS binding.
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const binding = require('./index.js')

export const {
  AccessPolicy,
  ClickSigner,
  ClickVerifier,
  GeoIp,
  IpSet,
  RateLimiter,
  Scorer,
  WebhookSigner,
  WebhookVerifier,
  fraudRate,
  generateSecretKey,
} = binding
export default binding
