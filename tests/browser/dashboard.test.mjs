// The dashboard in a real Chromium: sign in, walk every page, add and
// remove a block, create and revoke a token, re-enable a disabled webhook
// endpoint, and check what each page shows against the APIs' answers.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_TOKEN, API_SECRET, api, launch, receiver, signIn, startServer, until } from './harness.mjs';
import { seed, SHOP } from './seed.mjs';

let server;
let hook;
let browser;
let seeded;

before(async () => {
  hook = await receiver();
  server = await startServer();
  seeded = await seed(server, hook);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await hook?.close();
});

/** The text of every cell of the table rows matching `selector` in `scope` (a page or locator). */
function rows(scope, selector) {
  return scope.locator(selector)
    .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('th, td')].map((c) => c.textContent.trim())));
}

test('sign-in refuses a wrong token, then opens the sites page with an HttpOnly, SameSite=Strict cookie', async () => {
  const context = await browser.newContext();
  const page = await signIn(context, server, 'mcs_live_wrong');
  assert.equal(await page.getByRole('alert').textContent(), 'Invalid, expired or revoked token.');
  await page.getByLabel('API token, admin token or API secret').fill(server.token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL('**/dashboard/sites');
  const cookie = (await context.cookies()).find((c) => c.name === 'cf_session');
  assert.ok(cookie.httpOnly);
  assert.equal(cookie.sameSite, 'Strict');
  assert.equal(cookie.path, '/dashboard');
  assert.equal(await page.evaluate(() => document.cookie), '', 'no cookie is readable by scripts');
  await context.close();
});

test('the sites page shows the stats of 1, 7, 30 and 90 days exactly as the API does', async () => {
  const context = await browser.newContext();
  const page = await signIn(context, server, server.token);
  await page.waitForURL('**/dashboard/sites');
  assert.match(await page.locator('h2').first().textContent(), /Acme Coffee/);
  for (const days of [1, 7, 30, 90]) {
    const stats = (await api(server, `/api/v1/sites/1/stats?days=${days}`, { token: server.token })).json.data;
    const row = page.locator(`#stats-1 tr[data-days="${days}"]`);
    assert.equal(await row.locator('td.total').textContent(), String(stats.total_clicks));
    assert.equal(await row.locator('td.blocked').textContent(), String(stats.blocked_clicks));
    assert.equal(await row.locator('td.flagged').textContent(), String(stats.flagged_clicks));
    assert.equal(await row.locator('td.valid').textContent(),
      String(stats.total_clicks - stats.blocked_clicks - stats.flagged_clicks));
    assert.equal(await row.locator('td.rate').textContent(), `${stats.fraud_rate.toFixed(2)} %`);
    assert.equal(await row.locator('td.givt').textContent(), String(stats.givt_clicks));
    assert.equal(await row.locator('td.sivt').textContent(), String(stats.sivt_clicks));
    assert.ok(stats.total_clicks >= 68, 'the seeded clicks are counted');
  }

  assert.equal(await page.locator('#daily-1-title').textContent(), 'Clicks per day by status, last 30 days');

  // One site: the chart's numbers add up to the API's total.
  await page.getByRole('link', { name: 'Acme Coffee' }).click();
  await page.waitForURL('**/dashboard/sites/1');
  assert.equal(await page.locator('svg[role=img] title').first().textContent(), 'Clicks per day by status, last 30 days');
  const numbers = await rows(page, 'details.chart-data tbody tr');
  assert.equal(numbers.length, 30, 'a row per day');
  const total = numbers.reduce((sum, r) => sum + Number(r[1]) + Number(r[2]) + Number(r[3]), 0);
  const stats = (await api(server, '/api/v1/sites/1/stats?days=30', { token: server.token })).json.data;
  assert.equal(total, stats.total_clicks);
  const site = (await api(server, '/api/v1/sites/1', { token: server.token })).json.data;
  assert.equal(await page.getByText('Grace mode').count(), site.grace_mode ? 1 : 0);
  assert.equal(await page.getByText('Ad spend paused until').count(), site.paused_until ? 1 : 0);
  await page.getByRole('link', { name: '7 d' }).click();
  assert.equal(await page.locator('details.chart-data tbody tr').count(), 7);
  await context.close();
});

test('the clicks page pages and filters exactly as the API does, with reasons in words', async () => {
  const context = await browser.newContext();
  const page = await signIn(context, server, server.token);
  await page.goto(`${server.url}/dashboard/sites/1/clicks`);
  const first = (await api(server, '/api/v1/sites/1/clicks?per_page=50', { token: server.token })).json;
  const shown = await page.$$eval('table.clicks tbody tr', (trs) => trs.map((tr) => Number(tr.dataset.id)));
  assert.deepEqual(shown, first.data.map((c) => c.id));
  const cells = await rows(page, 'table.clicks tbody tr');
  first.data.forEach((c, i) => {
    assert.equal(cells[i][1], c.ip);
    assert.equal(cells[i][3], String(c.fraud_score));
    assert.equal(cells[i][4], c.status);
  });
  assert.ok(cells.some((r) => r[2] === 'DE'), 'countries from CF-IPCountry are shown');
  assert.ok(cells.some((r) => r[5].includes('The User-Agent declares a crawler, monitor or HTTP library')), 'reasons in words');

  await page.getByRole('link', { name: 'Older clicks →' }).click();
  const next = (await api(server, `/api/v1/sites/1/clicks?per_page=50&cursor=${first.meta?.next_cursor ?? first.next_cursor}`, { token: server.token })).json;
  const second = await page.$$eval('table.clicks tbody tr', (trs) => trs.map((tr) => Number(tr.dataset.id)));
  assert.deepEqual(second, next.data.map((c) => c.id));

  await page.goto(`${server.url}/dashboard/sites/1/clicks`);
  await page.getByLabel('Status').selectOption('blocked');
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.waitForURL('**/clicks?status=blocked');
  const blocked = (await api(server, '/api/v1/sites/1/clicks?status=blocked&per_page=50', { token: server.token })).json;
  const statuses = await page.$$eval('table.clicks tbody tr', (trs) => trs.map((tr) => tr.children[4].textContent.trim()));
  assert.equal(statuses.length, blocked.data.length);
  assert.ok(statuses.length > 0 && statuses.every((s) => s === 'blocked'));
  await context.close();
});

test('a block added and removed in the dashboard is the API\'s', async () => {
  const context = await browser.newContext();
  const page = await signIn(context, server, server.token);
  await page.goto(`${server.url}/dashboard/sites/1/blocked-ips`);
  const listed = async () => (await api(server, '/api/v1/sites/1/blocked-ips?per_page=100', { token: server.token })).json.data;
  assert.equal(await page.locator('table.blocks tbody tr').count(), (await listed()).length);

  // Refused like the API refuses it; nothing is added.
  await page.getByLabel('IPv4 or IPv6 address').fill('300.1.2.3');
  await page.getByRole('button', { name: 'Block', exact: true }).click();
  assert.match(await page.getByRole('alert').textContent(), /valid IPv4 or IPv6 address/);
  assert.equal(await page.getByLabel('IPv4 or IPv6 address').inputValue(), '300.1.2.3', 'the form keeps what was typed');
  assert.ok(!(await listed()).some((b) => b.ip_address === '300.1.2.3'));

  await page.getByLabel('IPv4 or IPv6 address').fill('2001:db8::bad');
  await page.getByLabel('Reason (optional, at most 500 characters)').fill('Scraping the menu');
  await page.getByLabel('Type').selectOption('temporary');
  const expires = new Date(Date.now() + 86400e3).toISOString().replace(/\.\d+Z$/, 'Z');
  await page.getByLabel(/Expires at/).fill(expires);
  await page.getByRole('button', { name: 'Block', exact: true }).click();
  await page.waitForURL('**/blocked-ips?done=added');
  const block = (await listed()).find((b) => b.ip_address === '2001:db8::bad');
  assert.equal(block.source, 'manual');
  assert.equal(block.type, 'temporary');
  assert.equal(block.reason, 'Scraping the menu');
  assert.equal(Date.parse(block.expires_at), Date.parse(expires));
  assert.equal(await page.locator('tr[data-ip="2001:db8::bad"] td').nth(2).textContent(), 'manual');

  await page.getByRole('button', { name: 'Unblock 2001:db8::bad' }).click();
  await page.waitForURL('**/blocked-ips?done=removed');
  assert.ok(!(await listed()).some((b) => b.ip_address === '2001:db8::bad'));
  assert.equal(await page.locator('tr[data-ip="2001:db8::bad"]').count(), 0);
  await context.close();
});

test('the disabled webhook endpoint shows its failed attempts and is re-enabled from the dashboard', async () => {
  const context = await browser.newContext();
  const page = await signIn(context, server, server.token);
  await page.goto(`${server.url}/dashboard/webhooks`);
  const card = page.locator(`section[data-endpoint="${seeded.endpoint}"]`);
  assert.match(await card.locator('.badge').first().textContent(), /Disabled after 20 consecutive failures/);
  const attempts = await rows(card, 'table.attempts tbody tr');
  assert.equal(attempts.length, 10);
  assert.ok(attempts.every((a) => a[4] === '500' && a[6] === 'HTTP 500 Internal Server Error'), JSON.stringify(attempts[0]));

  hook.answer(200);
  const before = hook.got.length;
  await card.getByRole('button', { name: 'Re-enable' }).click();
  await page.waitForURL('**/webhooks?done=enabled');
  const line = server.cli('webhook', 'list', '--account', '1').split('\n').find((l) => l.startsWith(`${seeded.endpoint}\t`));
  assert.match(line, /^\d+\tenabled\t.*\tfailures=0\t/);
  assert.equal(await card.getByRole('button', { name: 'Re-enable' }).count(), 0);
  // The deliveries held back go out again, and succeed.
  await until(() => hook.got.length > before, 'a delivery after re-enabling');
  await until(async () => {
    await page.reload();
    const latest = await rows(card, 'table.attempts tbody tr');
    return latest[0]?.[4] === '200';
  }, 'a 200 attempt in the list');
  // Events of blocks made in the dashboard now reach it, as `manual`.
  await page.goto(`${server.url}/dashboard/sites/1/blocked-ips`);
  await page.getByLabel('IPv4 or IPv6 address').fill('198.51.100.99');
  await page.getByRole('button', { name: 'Block', exact: true }).click();
  await page.getByRole('button', { name: 'Unblock 198.51.100.99' }).click();
  await page.waitForURL('**/blocked-ips?done=removed');
  const events = () => hook.got.map((g) => JSON.parse(g.body)).filter((e) => e.data?.ip_address === '198.51.100.99');
  await until(() => events().length === 2, 'the manual block\'s two events');
  assert.deepEqual(events().map((e) => [e.event ?? e.type, e.data.source]),
    [['ip.blocked', 'manual'], ['ip.unblocked', 'manual']]);
  await context.close();
});

test('a token created in the dashboard works in the API with exactly its abilities, and revoking it ends it everywhere', async () => {
  const context = await browser.newContext();
  const page = await signIn(context, server, server.token);
  await page.goto(`${server.url}/dashboard/tokens`);
  await page.getByLabel('sites:read').check();
  await page.getByLabel('Expires in').selectOption('30');
  await page.getByRole('button', { name: 'Create token' }).click();
  const text = (await page.locator('#new-token').textContent()).trim();
  assert.match(text, /^mcs_live_[A-Za-z0-9]{40}$/);
  await page.goto(`${server.url}/dashboard/tokens`);
  assert.equal(await page.locator('#new-token').count(), 0, 'shown once');

  assert.equal((await api(server, '/api/v1/sites', { token: text })).status, 200);
  assert.equal((await api(server, '/api/v1/sites/1/stats', { token: text })).status, 403);

  // Signed in with it: no stats, no blocks, no token management.
  const narrow = await browser.newContext();
  const reader = await signIn(narrow, server, text);
  await reader.waitForURL('**/dashboard/sites');
  assert.equal(await reader.locator('#stats-1').count(), 0);
  assert.equal(await reader.getByRole('link', { name: 'Tokens' }).count(), 0);
  const refused = await reader.goto(`${server.url}/dashboard/sites/1/blocked-ips`);
  assert.equal(refused.status(), 403);

  const id = (await page.$$eval('table.tokens tbody tr', (trs) => trs.map((tr) => Number(tr.dataset.id)))).at(-1);
  await page.getByRole('button', { name: `Revoke token ${id}` }).click();
  assert.equal(await page.getByRole('status').textContent(), 'The token was revoked.');
  assert.equal((await api(server, '/api/v1/sites', { token: text })).status, 401);
  await reader.reload();
  assert.match(reader.url(), /\/dashboard\/login$/, 'its session ended with it');
  await narrow.close();
  await context.close();
});

test('the click-signing page shows the API\'s configuration and report', async () => {
  const context = await browser.newContext();
  const page = await signIn(context, server, ADMIN_TOKEN);
  await page.waitForURL('**/dashboard/signing');
  const config = (await api(server, '/api/p360-click-signing/config', { token: ADMIN_TOKEN })).json;
  assert.equal(await page.locator('#mode').textContent(), config.mode);
  assert.equal(await page.locator('#breaker').textContent(), config['circuit-breaker-config'].status);
  const keys = await page.$$eval('table.keys tbody tr td:first-child', (tds) => tds.map((t) => t.textContent.trim()));
  assert.deepEqual(keys, config['active-key-ids'].map((k) => k['secret-key-id']));

  const csv = (await api(server, '/api/p360-click-signing/report', { token: ADMIN_TOKEN })).text.trim().split('\n');
  const head = csv[0].split(',');
  const sum = (name) => csv.slice(1).reduce((s, line) => s + Number(line.split(',')[head.indexOf(name)] ?? 0), 0);
  const numbers = await rows(page, 'details.chart-data tbody tr');
  assert.equal(numbers.length, 24);
  const col = (i) => numbers.reduce((s, r) => s + Number(r[i]), 0);
  assert.ok(col(1) > 0 && col(2) > 0 && col(4) > 0, `valid, missing and invalid clicks were seeded: ${JSON.stringify(numbers.filter((r) => r.slice(1).some((v) => v !== '0')))}`);
  assert.equal(col(1) + col(2) + col(3) + col(4) + col(5), sum(head.find((h) => /total/i.test(h))));
  await context.close();
});

test('the shops page shows the edge API\'s analytics for the shop', async () => {
  const context = await browser.newContext();
  const page = await signIn(context, server, API_SECRET);
  await page.waitForURL('**/dashboard/shops');
  const today = new Date().toISOString().slice(0, 10);
  const start = new Date(Date.now() - 29 * 86400e3).toISOString().slice(0, 10);
  const q = `shop=${SHOP}&start=${start}&end=${today}`;
  const summary = (await api(server, `/api/analytics/summary?${q}`, { token: API_SECRET })).json.totals;
  for (const [key, value] of Object.entries(summary)) {
    assert.equal(await page.locator(`#totals [data-key="${key}"] dd`).textContent(), String(value), key);
  }
  assert.equal(await page.locator('figure.chart svg[role=img]').count(), 6, 'a trend chart per metric');
  const top = (await api(server, `/api/analytics/top-ips?${q}`, { token: API_SECRET })).json.data;
  const shownIps = await page.$$eval('section:has(> h2:text("Top IPs")) tbody tr td:first-child', (tds) => tds.map((t) => t.textContent.trim()));
  assert.deepEqual(shownIps, top.map((t) => t.ip));
  const bots = (await api(server, `/api/bot-activity?shop=${SHOP}`, { token: API_SECRET })).json;
  assert.ok(bots.total > 0);
  assert.match(await page.locator('h2:text("Bot activity") + p').textContent(), new RegExp(`of ${bots.total}$`));
  await context.close();
});

test('every page is readable on a phone and every field has a label', async () => {
  const credentials = [
    [server.token, ['/dashboard/sites', '/dashboard/sites/1', '/dashboard/sites/1/clicks', '/dashboard/sites/1/blocked-ips', '/dashboard/tokens', '/dashboard/webhooks']],
    [ADMIN_TOKEN, ['/dashboard/signing']],
    [API_SECRET, ['/dashboard/shops']],
  ];
  for (const [credential, paths] of credentials) {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
    const page = await signIn(context, server, credential);
    for (const path of [...paths, '/dashboard/login']) {
      const r = await page.goto(server.url + path);
      assert.equal(r.status(), 200, path);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `${path} is ${overflow}px wider than the phone`);
      const unlabelled = await page.$$eval('input:not([type=hidden]), select', (els) => els.filter((e) => e.labels.length === 0).map((e) => e.name));
      assert.deepEqual(unlabelled, [], path);
      assert.equal(await page.locator('h1').count(), 1, path);
    }
    await context.close();
  }
});

test('signing out ends the session on the server', async () => {
  const context = await browser.newContext();
  const page = await signIn(context, server, server.token);
  await page.waitForURL('**/dashboard/sites');
  const session = (await context.cookies()).find((c) => c.name === 'cf_session').value;
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL('**/dashboard/login');
  const replay = await fetch(`${server.url}/dashboard/sites`, { headers: { cookie: `cf_session=${session}` }, redirect: 'manual' });
  assert.equal(replay.status, 303, 'the old cookie opens nothing');
  await context.close();
});
