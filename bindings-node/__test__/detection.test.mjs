// Detection measured on data nobody here wrote, side by side with npm isbot
// in one run: the crawler-user-agents project's instances (recall) and
// real visitors' browser user agents from the user-agents package (false
// positives). `node __test__/detection.test.mjs` prints the figures that
// BENCHMARKS.md records.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'
import { isbot } from 'isbot'
import { Scorer } from '../index.mjs'

/** The crawler-user-agents list as npm ships it (the embedded snapshot's version). */
const modules = new URL('../node_modules/', import.meta.url)
const listPath = new URL('crawler-user-agents/crawler-user-agents.json', modules)
const crawlers = JSON.parse(readFileSync(listPath, 'utf8'))
const instances = [...new Set(crawlers.flatMap((c) => c.instances ?? []))]

/**
 * Real visitors' user agents: three releases of the user-agents package
 * (Intoli's data, collected from real page views), distinct strings.
 */
function browsers () {
  const all = new Set()
  for (const [name, file] of [
    ['user-agents-1-1-600', 'src/user-agents.json.gz'],
    ['user-agents-2-1-100', 'dist/user-agents.json'],
    ['user-agents-2-1-198', 'dist/user-agents.json']
  ]) {
    const raw = readFileSync(new URL(`${name}/${file}`, modules))
    const text = file.endsWith('.gz') ? gunzipSync(raw).toString('utf8') : raw.toString('utf8')
    for (const entry of JSON.parse(text)) all.add(entry.userAgent)
  }
  return [...all]
}

const scorer = new Scorer()
const ours = (ua) => scorer.isBotUserAgent(ua)

function measure () {
  const people = browsers()
  const count = (list, f) => list.filter(f).length
  return {
    instances: instances.length,
    people: people.length,
    ours: { caught: count(instances, ours), flagged: people.filter(ours) },
    isbot: { caught: count(instances, isbot), flagged: people.filter(isbot) },
    missed: instances.filter((ua) => !ours(ua))
  }
}

const m = measure()

test('the scorer catches at least as many listed crawlers as isbot', () => {
  assert.equal(m.instances, 2118, 'crawler-user-agents 1.60.0 lists 2,118 distinct instances')
  assert.ok(m.ours.caught >= m.isbot.caught, `ours ${m.ours.caught}, isbot ${m.isbot.caught}; missed: ${m.missed.join(' | ')}`)
})

test('no real browser of at least 10,000 is called a bot', () => {
  assert.ok(m.people >= 10000, `${m.people} distinct browser user agents`)
  assert.deepEqual(m.ours.flagged, [])
})

test('the figures fail when the crawler list is emptied (the test can fail)', () => {
  const bare = new Scorer({ crawlerList: '[]', crawlerListSource: 'empty' })
  assert.deepEqual(bare.crawlerList, { source: 'empty', patterns: 0 })
  const caught = instances.filter((ua) => bare.isBotUserAgent(ua)).length
  assert.ok(caught < m.isbot.caught, `without the list: ${caught}`)
})

test('a list loaded at run time replaces the embedded one, and bad lists are refused', () => {
  assert.match(new Scorer().crawlerList.source, /^crawler-user-agents 1\.60\.0/)
  assert.equal(new Scorer().crawlerList.patterns, crawlers.length)
  const own = new Scorer({ crawlerList: JSON.stringify([{ pattern: 'AcmeProbe', tags: ['monitoring'] }]), crawlerListSource: 'ours' })
  assert.equal(own.isBotUserAgent('AcmeProbe/1.0'), true)
  assert.equal(own.userAgentCategory('AcmeProbe/1.0'), 'givt')
  for (const bad of ['{', '[{"pattern": "a(?=b)"}]', '{"pattern": "x"}', '[{"pattern": 5}]']) {
    assert.throws(() => new Scorer({ crawlerList: bad }), (e) => e.code === 'invalid_crawler_list', bad)
  }
})

test('user agents alone: previews and crawlers are givt, automation sivt', () => {
  assert.equal(scorer.userAgentCategory('WhatsApp/2.23.20.0 A'), 'givt')
  assert.equal(scorer.userAgentCategory('Mozilla/5.0 (compatible; GoogleOther)'), 'givt')
  assert.equal(scorer.userAgentCategory('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36'), 'sivt')
  assert.equal(scorer.userAgentCategory(browsers()[0]), 'clean')
})

if (process.argv[1] === new URL(import.meta.url).pathname) {
  const pct = (n, d) => (100 * n / d).toFixed(1)
  console.log(`crawler-user-agents 1.60.0 instances: ${m.instances}; distinct real browser user agents: ${m.people}`)
  console.log(`| matcher | crawlers caught | browsers flagged |`)
  console.log(`|---|---|---|`)
  console.log(`| clickfence | ${m.ours.caught} (${pct(m.ours.caught, m.instances)} %) | ${m.ours.flagged.length} |`)
  console.log(`| isbot ${JSON.parse(readFileSync(new URL('isbot/package.json', modules))).version} | ${m.isbot.caught} (${pct(m.isbot.caught, m.instances)} %) | ${m.isbot.flagged.length} |`)
  console.log(`missed by clickfence: ${JSON.stringify(m.missed)}`)
  console.log(`browsers isbot flags: ${JSON.stringify(m.isbot.flagged.slice(0, 10))}`)
}
