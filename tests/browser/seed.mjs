// Demo data made the way real traffic makes it, over HTTP and the command
// line only: clicks from many addresses and countries (some bots), a
// disabled webhook endpoint with its failed attempts, blocks from the API,
// a signing key and signed, unsigned and forged attribution clicks, and a
// shop's pixel events.
import { createHmac } from 'node:crypto';
import { api, until, ADMIN_TOKEN, API_SECRET } from './harness.mjs';

export const SHOP = 'demo-shop.myshopify.com';
const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const COUNTRIES = ['US', 'DE', 'FR', 'GB', 'IN', 'BR', 'JP', 'NL'];

/** One click on site 1 from `ip`. */
function click(server, ip, { agent = CHROME, country = 'US', referer = 'https://www.google.com/' } = {}) {
  const headers = { 'cf-connecting-ip': ip, 'cf-ipcountry': country, 'user-agent': agent };
  if (referer) headers.referer = referer;
  return fetch(`${server.url}/c/1?to=https://acme-coffee.com/offer`, { headers, redirect: 'manual' });
}

/** Signs `url` the way the click-signing spec's sample does. */
function sign(url, key, expires) {
  const unsigned = `${url}&expires=${expires}`;
  const tag = createHmac('sha256', key).update(unsigned).digest('base64url');
  return `${unsigned}&signature=${tag}`;
}

/**
 * Seeds `server`; `hook` is a receiver answering 500, so the endpoint is
 * auto-disabled after 20 failed attempts. Resolves to what was made.
 */
export async function seed(server, hook) {
  // 60 clicks: genuine visitors, a crawler, a script without a User-Agent.
  for (let i = 0; i < 60; i += 1) {
    const ip = `203.0.113.${10 + i}`;
    const country = COUNTRIES[i % COUNTRIES.length];
    if (i % 10 === 3) await click(server, ip, { agent: 'Googlebot/2.1 (+http://www.google.com/bot.html)', country });
    else if (i % 10 === 7) await click(server, ip, { agent: '', referer: null, country });
    else await click(server, ip, { country });
  }
  // One address clicking fast: velocity, then blocked.
  for (let i = 0; i < 8; i += 1) await click(server, '198.51.100.200', { country: 'RU' });

  // A webhook endpoint whose receiver fails: 20 new blocks, 20 failed
  // attempts, and the delivery policy disables it.
  server.cli('webhook', 'add', '--account', '1', '--url', hook.url, '--events', 'ip.blocked,ip.unblocked');
  const line = server.cli('webhook', 'list', '--account', '1').split('\n').find((l) => l.includes(hook.url));
  const endpoint = Number(line.split('\t')[0]);
  for (let i = 0; i < 20; i += 1) {
    const r = await api(server, '/api/v1/sites/1/blocked-ips', {
      method: 'POST', token: server.token, body: { ip_address: `192.0.2.${i + 1}`, reason: `Seeded block ${i + 1}` },
    });
    if (r.status !== 201) throw new Error(`block ${i}: ${r.status} ${r.text}`);
  }
  const disabled = () => server.cli('webhook', 'list', '--account', '1').split('\n')
    .some((l) => l.startsWith(`${endpoint}\t`) && l.includes('\tdisabled\t'));
  await until(() => disabled() && hook.got.length >= 20, 'the endpoint to be disabled');

  // Click signing: a key, report-only mode, signed, unsigned and forged clicks.
  const admin = { token: ADMIN_TOKEN };
  const key = await api(server, '/api/p360-click-signing/secret?ttlHours=36', { method: 'POST', ...admin });
  if (key.status !== 200) throw new Error(`key: ${key.status} ${key.text}`);
  await api(server, '/api/p360-click-signing/config/mode/report-only', { method: 'POST', ...admin });
  const secret = key.json['secret-key'] ?? key.json['secret key'] ?? key.json.secret;
  const expires = Math.floor(Date.now() / 1000) + 3600;
  for (let i = 0; i < 6; i += 1) {
    const path = `/com.acme.coffee?pid=demo_network&c=winter&clickid=seed${i}&site_id=1`;
    const headers = { 'cf-connecting-ip': `198.18.0.${i + 1}`, 'user-agent': CHROME, referer: 'https://news.example/' };
    const signed = sign(`${server.url}${path}`, secret, expires).slice(server.url.length);
    await fetch(server.url + signed, { headers, redirect: 'manual' });
    await fetch(server.url + path, { headers, redirect: 'manual' });
    if (i % 2 === 0) await fetch(`${server.url}${path}&expires=${expires}&signature=forged${i}`, { headers, redirect: 'manual' });
  }

  // A shop's storefront events, once its owner enrolled it.
  const enrolled = await api(server, '/api/shops', { method: 'POST', token: API_SECRET, body: { shop: SHOP } });
  if (enrolled.status !== 200) throw new Error(`enrol: ${enrolled.status} ${enrolled.text}`);
  const pixel = async (body, ip, country) => {
    const r = await fetch(`${server.url}/api/pixels`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'cf-connecting-ip': ip, 'cf-ipcountry': country },
      body: JSON.stringify({ shop: SHOP, timestamp: Date.now(), userAgent: CHROME, ...body }),
    });
    if (r.status !== 200) throw new Error(`pixel: ${r.status} ${await r.text()}`);
  };
  for (let v = 0; v < 12; v += 1) {
    const ip = `100.64.${v}.9`;
    const country = COUNTRIES[v % COUNTRIES.length];
    const base = { sessionId: `s${v}`, visitorId: `v${v}`, page: v % 3 ? '/products/espresso' : '/cart' };
    await pixel({ ...base, type: 'session_init', fingerprint: `fp${v}`, deviceInfo: { w: 1280 } }, ip, country);
    if (v % 3 === 0) await pixel({ ...base, type: 'bot_detection', signalType: 'webdriver', confidence: 0.9, details: {} }, ip, country);
    if (v % 4 === 1) await pixel({ ...base, type: 'spy_detection', toolName: 'Koala Inspector', detectionMethod: 'dom' }, ip, country);
    if (v % 5 === 2) await pixel({ ...base, type: 'ip_blocking', reason: 'blocked_country' }, ip, country);
    if (v % 2 === 0) await pixel({ ...base, type: 'basic_security', event: 'right_click_blocked' }, ip, country);
  }
  return { endpoint, secret };
}
