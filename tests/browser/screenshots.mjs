// Screenshots of every dashboard page at desktop and phone widths, from what
// a new user sees: a new database with its demo day (people, crawlers, a
// link preview, a bot farm, forged and replayed signed clicks, judged by
// the real pipeline), plus the browser tests' seed for blocks, tokens and a
// webhook endpoint.
//   node tests/browser/screenshots.mjs [out-dir]   (scripts/dashboard-screenshots.sh)
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ADMIN_TOKEN, API_SECRET, launch, receiver, signIn, startServer } from './harness.mjs';
import { seed } from './seed.mjs';

const out = process.argv[2] ?? 'target/screenshots';
mkdirSync(out, { recursive: true });

const hook = await receiver();
const server = await startServer({ demo: true });
try {
  await seed(server, hook);
  const pages = [
    [server.token, [['sites', '/dashboard/sites'], ['site', '/dashboard/sites/1'], ['clicks', '/dashboard/sites/1/clicks'],
      ['blocked-ips', '/dashboard/sites/1/blocked-ips'], ['tokens', '/dashboard/tokens'], ['webhooks', '/dashboard/webhooks']]],
    [ADMIN_TOKEN, [['signing', '/dashboard/signing']]],
    [API_SECRET, [['shops', '/dashboard/shops']]],
  ];
  const browser = await launch();
  for (const [width, height, suffix] of [[1280, 900, 'desktop'], [390, 844, 'phone']]) {
    for (const [credential, list] of pages) {
      const context = await browser.newContext({ viewport: { width, height }, deviceScaleFactor: 1, isMobile: suffix === 'phone' });
      const page = await signIn(context, server, credential);
      for (const [name, path] of list) {
        await page.goto(server.url + path);
        const file = join(out, `${name}-${suffix}.png`);
        await page.screenshot({ path: file, fullPage: true });
        console.log(`dashboard-screenshots: wrote ${file}`);
      }
      await context.close();
    }
    const context = await browser.newContext({ viewport: { width, height } });
    const page = await context.newPage();
    await page.goto(`${server.url}/dashboard/login`);
    await page.screenshot({ path: join(out, `login-${suffix}.png`), fullPage: true });
    await context.close();
  }
  await browser.close();
} finally {
  await server.stop();
  await hook.close();
}
