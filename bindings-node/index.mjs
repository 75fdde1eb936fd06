// ESM entry: the addon is loaded once through the CommonJS entry.
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const binding = require('./main.cjs')

export const {
  AccessPolicy,
  ClickSigner,
  ClickVerifier,
  AsnTable,
  CrawlerVerifier,
  ClickfenceError,
  GeoIp,
  IpSet,
  RateLimiter,
  ReplayGuard,
  Scorer,
  VelocityCounter,
  WebhookSigner,
  WebhookVerifier,
  RATE_SCRIPT,
  appProxySignature,
  VELOCITY_SCRIPT,
  clientIp,
  clientKey,
  decodeRateReply,
  decodeVelocityReply,
  errorCodes,
  fraudRate,
  generateSecretKey,
  hostingAsn,
  rateScriptArgs,
  sharedRateKey,
  sharedReplayOutcome,
  verifyAppProxy,
} = binding
export default binding
