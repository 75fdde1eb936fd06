// Hosting networks from the whole ip-location-db ASN data (the npm package
// @ip-location-db/asn, CC BY 4.0), checked against data nobody here wrote:
// each cloud provider's own published ranges (fixtures in their formats)
// must fall in a listed hosting network, and Apple's Private Relay egress
// and residential ISPs must not.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { AccessPolicy, AsnTable, IpSet } from '../index.mjs'

const modules = new URL('../node_modules/@ip-location-db/asn/', import.meta.url)
const vectors = new URL('../../tests/vectors/', import.meta.url)

const table = new AsnTable()
for (const f of ['asn-ipv4.csv', 'asn-ipv6.csv']) table.loadCsv(readFileSync(new URL(f, modules), 'utf8'))
const relays = IpSet.fromPublished('apple-private-relay', readFileSync(new URL('ranges/apple-egress-ip-ranges.csv', vectors), 'utf8'))
const policy = new AccessPolicy({ enabled: true, blockDatacenter: true }, { asnTable: table, privacyRelays: [relays] })
const verdict = (ip) => policy.check(ip).reason ?? 'allowed'

test('the whole ASN data loads', () => {
  assert.ok(table.length > 500000, `${table.length} rows`)
})

test("addresses from each provider's own published ranges are hosting", () => {
  // One address inside a prefix of each provider's published file.
  for (const [provider, ip] of [
    ['AWS ip-ranges.json', '52.95.0.1'],
    ['AWS ip-ranges.json (IPv6)', '2600:1f14::1'],
    ['Google Cloud cloud.json', '34.1.208.1'],
    ['Google Cloud cloud.json', '35.185.130.2'],
    ['Azure Service Tags', '13.69.0.1'],
    ['Oracle public_ip_ranges.json', '129.146.0.1'],
    ['DigitalOcean geofeed', '5.101.96.1']
  ]) {
    const row = table.lookup(ip)
    assert.equal(verdict(ip), 'blocked_datacenter', `${provider} ${ip}: AS${row?.asn} ${row?.organization}`)
  }
})

test('relay egresses and residential networks are people', () => {
  for (const ip of ['172.224.226.1', '172.224.226.40', '2a02:26f7:b3c0:4000::1', '73.0.0.1', '2.58.100.1', '2001:558::1']) {
    const row = table.lookup(ip)
    assert.equal(verdict(ip), 'allowed', `${ip}: AS${row?.asn} ${row?.organization}`)
  }
})
