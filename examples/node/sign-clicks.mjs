// Signs a click URL as an ad network does and verifies it as the receiving
// side does:  node examples/node/sign-clicks.mjs "https://app.appsflyer.com/com.app.id?pid=net"
import { ClickSigner, ClickVerifier, ClickfenceError } from 'clickfence'

const url = process.argv[2] ?? 'https://app.appsflyer.com/com.app.id?pid=adnetwork_int&c=my_campaign'
const verifier = new ClickVerifier({ mode: 'enabled' })
const key = verifier.generateKey({ ttlHours: 36 })
const signed = new ClickSigner(key.secret).sign(url, { ttl: 300 })
console.log(signed)
const verdict = verifier.verify(signed)
console.log(`${verdict.outcome} (accepted=${verdict.accepted}, key=${verdict.keyId})`)

try {
  new ClickSigner(key.secret).sign('https://app.appsflyer.com/com.app.id?c=my campaign')
} catch (err) {
  if (!(err instanceof ClickfenceError)) throw err
  console.log(`refused: ${err.code}: ${err.message}`)
}
