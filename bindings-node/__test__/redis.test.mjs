// clickfence/redis against a real redis-server (a throwaway one on a free
// port), with both clients it supports (ioredis, node-redis), differentially
// against the in-process RateLimiter, VelocityCounter and ReplayGuard: same
// decisions, headers and counts for random traffic.
import assert from 'node:assert/strict'
import { spawn, execFileSync } from 'node:child_process'
import { createServer, connect } from 'node:net'
import { readFileSync } from 'node:fs'
import { after, before, test } from 'node:test'

import IORedis from 'ioredis'
import { createClient } from 'redis'

import {
  ClickVerifier,
  RateLimiter,
  ReplayGuard,
  VelocityCounter,
  WebhookSigner,
  WebhookVerifier,
  decodeRateReply,
} from '../index.mjs'
import { RedisClickTickets, RedisRateLimiter, RedisReplayGuard, RedisVelocityCounter } from '../redis.mjs'

let server
let url
const clients = []

const freePort = () =>
  new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })

const answers = (port) =>
  new Promise((resolve) => {
    const c = connect(port, '127.0.0.1', () => {
      c.destroy()
      resolve(true)
    })
    c.once('error', () => resolve(false))
  })

before(async () => {
  const bin = execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim()
  assert.ok(bin, 'redis-server is needed: run scripts/setup.sh')
  const port = await freePort()
  server = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  })
  for (let i = 0; i < 100 && !(await answers(port)); i++) await new Promise((r) => setTimeout(r, 50))
  url = `redis://127.0.0.1:${port}`
})

after(async () => {
  for (const c of clients) await c.quit().catch(() => {})
  server?.kill('SIGKILL')
})

async function both() {
  const io = new IORedis(url)
  const nr = createClient({ url })
  await nr.connect()
  clients.push(io, nr)
  return { ioredis: io, 'node-redis': nr }
}

// A small seeded generator, so a failure replays.
function rng(seed) {
  let s = seed >>> 0
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32)
  return { below: (n) => Math.floor(next() * n), pick: (xs) => xs[Math.floor(next() * xs.length)] }
}

const seen = (d) => [d.allowed, d.remaining, d.resetAfter, d.retryAfter ?? null, d.headers]

test('rate limiter decides as the core, with either client', async () => {
  for (const [name, client] of Object.entries(await both())) {
    const r = rng(7)
    let now = 1_700_000_000
    const pairs = []
    for (let k = 0; k < 5; k++) {
      const limit = 1 + r.below(15)
      const window = 1 + r.below(90)
      pairs.push([
        new RedisRateLimiter(client, { limit, window, prefix: `${name}${k}:` }),
        new RateLimiter({ limit, window }),
      ])
    }
    let refused = 0
    for (let step = 0; step < 800; step++) {
      now += r.pick([0, 0, 0, 1, 1, 2, 45, -3])
      const [shared, local] = r.pick(pairs)
      const key = `k${r.below(3)}`
      const cost = r.below(4)
      let expected
      try {
        expected = local.check(key, { cost, now })
      } catch (e) {
        await assert.rejects(shared.check(key, { cost, now }), (got) => got.code === e.code, `${name} ${step}`)
        continue
      }
      const got = await shared.check(key, { cost, now })
      assert.deepEqual(seen(got), seen(expected), `${name} step ${step}`)
      if (!got.allowed) refused++
    }
    assert.ok(refused > 30, `${name}: ${refused} refusals`)
  }
})

test('velocity counts as the core', async () => {
  for (const [name, client] of Object.entries(await both())) {
    const shared = new RedisVelocityCounter(client, { prefix: `${name}v:` })
    const local = new VelocityCounter()
    const r = rng(11)
    let now = 1_700_000_000
    for (let step = 0; step < 800; step++) {
      now += r.pick([0, 0, 1, 2, 30, 700, -10])
      const key = `ip${r.below(4)}`
      assert.deepEqual(await shared.record(key, { now }), local.record(key, { now }), `${name} ${step}`)
    }
    assert.deepEqual(await shared.peek('ip0', { now }), local.peek('ip0', { now }))
  }
})

test('replay guard refuses a delivery seen by another process, as the in-process guard does', async () => {
  const { ioredis, 'node-redis': nr } = await both()
  const verifier = new WebhookVerifier('whsec_test', { tolerance: 300 })
  const signer = new WebhookSigner('whsec_test')
  const first = new RedisReplayGuard(ioredis, verifier)
  const second = new RedisReplayGuard(nr, verifier) // another "process"
  const local = new ReplayGuard(verifier)
  const now = Math.floor(Date.now() / 1000)
  for (let i = 0; i < 20; i++) {
    const body = `{"n":${i}}`
    const headers = signer.headers('click.created', body, { deliveryId: `d${i}`, timestamp: now - i })
    const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]))
    assert.equal(await first.verify(lower, body, { now }), local.verify(lower, body, { now }))
    await assert.rejects(second.verify(lower, body, { now }), (e) => e.code === 'replayed_delivery')
    assert.throws(() => local.verify(lower, body, { now }), (e) => e.code === 'replayed_delivery')
    const claim = verifier.sharedReplayKey(lower, body, { now })
    const ttl = await ioredis.ttl(claim.key)
    assert.ok(ttl > 0 && ttl <= claim.ttl, `ttl ${ttl} of ${claim.ttl}`)
  }
  const body = '{"n":1}'
  const bad = { 'x-myclickshield-timestamp': String(now), 'x-myclickshield-signature': 'ab'.repeat(32) }
  await assert.rejects(first.verify(bad, body, { now }), (e) => e.code === 'signature_mismatch')
})

test('click tickets are shared by every process, with either client', async () => {
  const { ioredis, 'node-redis': nr } = await both()
  const all = JSON.parse(readFileSync(new URL('../../tests/vectors/tickets.json', import.meta.url), 'utf8'))
  const now = all.added_at + 60
  const verifier = () => {
    const v = new ClickVerifier()
    v.addKey(all.key.id, all.key.secret, all.key.expires_at, { now: all.added_at })
    return v
  }
  const [a, b] = [verifier(), verifier()]
  const first = new RedisClickTickets(ioredis, a, { prefix: 'nodet:' })
  const second = new RedisClickTickets(nr, b, { prefix: 'nodet:' }) // another "process"
  const url = all.cases[0].url
  const person = { source: '198.51.100.7', userAgent: 'UA' }
  assert.equal((await first.verify(url, { now, ...person })).outcome, 'valid')
  assert.equal((await second.verify(url, { now: now + 1, ...person })).outcome, 'duplicate')
  const replay = await second.verify(url, { now: now + 2, source: '203.0.113.9' })
  assert.deepEqual([replay.outcome, replay.accepted], ['replayed', false])
  assert.equal((await first.verify(url, { now: now + 3, userAgent: 'WhatsApp/2.23' })).outcome, 'preview')
  const keys = await ioredis.keys('nodet:*')
  assert.equal(keys.length, 1)
  assert.equal(keys[0].length, 'nodet:'.length + 64)
  const ttl = await ioredis.ttl(keys[0])
  assert.ok(ttl > 0 && ttl <= 301, `ttl ${ttl}`)
  // The control: a per-process store lets the replay through.
  assert.equal(b.verify(url, { now: now + 4, source: '203.0.113.9' }).outcome, 'valid')
  // Garbage in Redis is a clear error, never a valid click.
  await ioredis.set(keys[0], 'garbage')
  await assert.rejects(first.verify(url, { now: now + 5 }), (e) => e.code === 'bad_ticket_reply')
  assert.throws(() => new RedisClickTickets(ioredis, {}), (e) => e.code === 'invalid_argument')
  await assert.rejects(first.verify(url, { bogus: 1 }), (e) => e.code === 'invalid_argument')
})

test('Redis time and bad input are clear errors', async () => {
  const { ioredis } = await both()
  const limiter = new RedisRateLimiter(ioredis, { limit: 2, window: 30, prefix: 'clock:' })
  const first = await limiter.check('t')
  assert.ok(first.allowed && first.remaining === 1)
  assert.ok((await limiter.check('t')).allowed)
  const third = await limiter.check('t')
  assert.ok(!third.allowed && third.retryAfter >= 1 && third.retryAfter <= 30)
  assert.throws(() => new RedisRateLimiter(ioredis, { limit: 0 }), (e) => e.code === 'invalid_quota')
  assert.throws(() => new RedisRateLimiter(ioredis, { limt: 5 }), (e) => e.code === 'invalid_argument')
  assert.throws(() => new RedisRateLimiter({}), (e) => e.code === 'invalid_argument')
  await assert.rejects(new RedisRateLimiter(ioredis, { limit: 5 }).check('k', { cost: 6 }), (e) => e.code === 'cost_exceeds_limit')
  await assert.rejects(limiter.check(42), (e) => e.code === 'invalid_argument')
  assert.throws(() => decodeRateReply([1, 2], { limit: 5, window: 60 }), (e) => e.code === 'rate_bad_reply')
})
