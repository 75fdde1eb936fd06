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
  ReplayGuard,
  Scorer,
  VelocityCounter,
  WebhookSigner,
  WebhookVerifier,
  RATE_SCRIPT,
  VELOCITY_SCRIPT,
  clientIp,
  decodeRateReply,
  decodeVelocityReply,
  fraudRate,
  generateSecretKey,
  rateScriptArgs,
  sharedReplayOutcome,
} = binding
export default binding
