// Every ```js sample in the README and the guide (docs/src), run as a
// CommonJS script with `clickfence` resolved to this package: a sample that
// stops working fails here. Samples that talk to Redis get a throwaway
// redis-server (REDIS_URL).
const assert = require('node:assert/strict')
const { execFileSync, spawn, spawnSync } = require('node:child_process')
const fs = require('node:fs')
const net = require('node:net')
const os = require('node:os')
const path = require('node:path')
const { after, before, test } = require('node:test')

const root = path.join(__dirname, '../..')
function pages(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? pages(path.join(dir, e.name)) : e.name.endsWith('.md') ? [path.join(dir, e.name)] : [],
  )
}
const samples = [path.join(root, 'README.md'), ...pages(path.join(root, 'docs/src')).sort()].flatMap((page) => {
  const text = fs.readFileSync(page, 'utf8')
  return [...text.matchAll(/^```js\n([\s\S]*?)^```/gm)].map((m) => ({
    name: `${path.relative(root, page)}:${text.slice(0, m.index).split('\n').length}`,
    code: m[1],
  }))
})

// `require('clickfence')` and its dependencies, from this package.
const hook = path.join(os.tmpdir(), `clickfence-docs-hook-${process.pid}.cjs`)
fs.writeFileSync(
  hook,
  `const Module = require('node:module')
const own = ${JSON.stringify({
    clickfence: require.resolve('../main.cjs'),
    'clickfence/redis': require.resolve('../redis.js'),
    ioredis: require.resolve('ioredis'),
    express: require.resolve('express'),
  })}
const resolve = Module._resolveFilename
Module._resolveFilename = function (request, ...rest) { return own[request] ?? resolve.call(this, request, ...rest) }
`,
)

let server
let url
before(async () => {
  const bin = execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim()
  assert.ok(bin, 'redis-server is needed: run scripts/setup.sh')
  const port = await new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })
  server = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
  for (let i = 0; i < 100; i++) {
    const up = await new Promise((resolve) => {
      const c = net.connect(port, '127.0.0.1', () => resolve(c.destroy() || true))
      c.once('error', () => resolve(false))
    })
    if (up) break
    await new Promise((r) => setTimeout(r, 50))
  }
  url = `redis://127.0.0.1:${port}`
})
after(() => {
  server?.kill('SIGKILL')
  fs.rmSync(hook, { force: true })
})

test('there are samples', () => assert.ok(samples.length >= 3, `${samples.length} samples`))

for (const s of samples) {
  test(`sample ${s.name} runs`, () => {
    const file = path.join(os.tmpdir(), `clickfence-docs-${process.pid}-${samples.indexOf(s)}.cjs`)
    fs.writeFileSync(file, s.code)
    try {
      const run = spawnSync(process.execPath, ['-r', hook, file], { env: { ...process.env, REDIS_URL: url }, encoding: 'utf8', timeout: 60_000 })
      assert.equal(run.status, 0, run.stderr)
    } finally {
      fs.rmSync(file, { force: true })
    }
  })
}
