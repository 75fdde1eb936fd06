// Rate decisions shared through Redis: clickfence/redis beside the
// in-process limiter and beside rate-limiter-flexible's RateLimiterRedis,
// on one throwaway redis-server, in one run.
//   npm ci && npm run build && node bench-redis.mjs
import { spawn, execFileSync } from 'node:child_process'
import { connect, createServer } from 'node:net'

import IORedis from 'ioredis'
import { RateLimiterRedis } from 'rate-limiter-flexible'

import { RateLimiter } from './index.mjs'
import { RedisRateLimiter } from './redis.mjs'

const KEYS = 10_000
const LIMIT = 1_000_000 // never refuses: every call is a counted decision
const key = (i) => `k${i % KEYS}`

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })
const answers = (port) =>
  new Promise((resolve) => {
    const c = connect(port, '127.0.0.1', () => (c.destroy(), resolve(true)))
    c.once('error', () => resolve(false))
  })

async function startRedis() {
  const bin = execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim()
  const port = await freePort()
  const child = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  })
  for (let i = 0; i < 100 && !(await answers(port)); i++) await new Promise((r) => setTimeout(r, 50))
  return { child, port }
}

// Microseconds per decision, awaiting each before the next (latency).
async function sequential(fn, n = 20_000) {
  for (let i = 0; i < 2_000; i++) await fn(i)
  let best = Infinity
  for (let r = 0; r < 3; r++) {
    const t = process.hrtime.bigint()
    for (let i = 0; i < n; i++) await fn(i)
    best = Math.min(best, Number(process.hrtime.bigint() - t) / n / 1000)
  }
  return best
}

// Decisions per second with `inFlight` calls outstanding (ioredis
// auto-pipelining batches them into one write per tick).
async function concurrent(fn, inFlight = 128, n = 100_000) {
  let best = 0
  for (let r = 0; r < 3; r++) {
    let next = 0
    const t = process.hrtime.bigint()
    const worker = async () => {
      while (next < n) await fn(next++)
    }
    await Promise.all(Array.from({ length: inFlight }, worker))
    best = Math.max(best, n / (Number(process.hrtime.bigint() - t) / 1e9))
  }
  return best
}

const { child, port } = await startRedis()
try {
  const url = `redis://127.0.0.1:${port}`
  const plain = new IORedis(url)
  const piped = new IORedis(url, { enableAutoPipelining: true })
  const local = new RateLimiter({ limit: LIMIT, window: 60 })
  const ours = (client) => new RedisRateLimiter(client, { limit: LIMIT, window: 60, prefix: `cf${Math.random()}:` })
  const theirs = (client) =>
    new RateLimiterRedis({ storeClient: client, points: LIMIT, duration: 60, keyPrefix: `rlf${Math.random()}` })

  const cfSeq = ours(plain)
  const rlfSeq = theirs(plain)
  const cfPipe = ours(piped)
  const rlfPipe = theirs(piped)
  const rows = [
    ['in-process RateLimiter.check', await sequential(async (i) => local.check(key(i))), null],
    ['clickfence/redis, one at a time', await sequential((i) => cfSeq.check(key(i))), null],
    ['rate-limiter-flexible RateLimiterRedis, one at a time', await sequential((i) => rlfSeq.consume(key(i))), null],
    ['clickfence/redis, 128 in flight (auto-pipelined)', null, await concurrent((i) => cfPipe.check(key(i)))],
    ['rate-limiter-flexible, 128 in flight (auto-pipelined)', null, await concurrent((i) => rlfPipe.consume(key(i)))],
  ]
  console.log('| decision | µs each (one at a time) | decisions/s (128 in flight) |')
  console.log('|---|---|---|')
  for (const [name, us, rate] of rows) {
    console.log(`| ${name} | ${us === null ? '' : us.toFixed(2)} | ${rate === null ? '' : Math.round(rate).toLocaleString('en')} |`)
  }
  await plain.quit()
  await piped.quit()
} finally {
  child.kill('SIGKILL')
}
