// The parts a browser test needs: the reference server on a free loopback
// port (SQLite file, or the PostgreSQL database CLICKFENCE_BROWSER_DB
// names), its command line, a webhook receiver, JSON calls to the APIs,
// and Debian's Chromium driven by playwright-core.
import { spawn, execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const ADMIN_TOKEN = 'browser-admin-token-Lx4vB8nQ2zK7tP5wM9rC3y';
export const API_SECRET = 'browser-api-secret-Dj6pW3sN9xF2hT8kV5mR7q';

const bin = process.env.CLICKFENCE_SERVER_BIN ?? 'target/debug/clickfence-server';

/** A loopback port no one listens on now. */
export async function freePort() {
  const probe = createServer();
  await new Promise((r) => probe.listen(0, '127.0.0.1', r));
  const { port } = probe.address();
  await new Promise((r) => probe.close(r));
  return port;
}

/**
 * Starts the server over a fresh database; resolves once it listens and
 * answers as itself (a port taken by someone else in between is retried).
 */
export async function startServer({ demo = false } = {}) {
  // A database given from outside (PostgreSQL) outlives an attempt: the demo
  // token its first start printed is the one to use on a retry.
  let token;
  for (let attempt = 0; ; attempt += 1) {
    const server = await startOnce(token, demo);
    token = server.token;
    const health = await fetch(`${server.url}/healthz`).then((r) => r.json()).catch(() => null);
    if (health?.status === 'ok') return server;
    await server.stop();
    if (attempt === 2) throw new Error(`the server at ${server.url} does not answer as itself`);
  }
}

async function startOnce(earlierToken, demo) {
  const dir = mkdtempSync(join(tmpdir(), 'clickfence-browser-'));
  const db = process.env.CLICKFENCE_BROWSER_DB ?? join(dir, 'dashboard.db');
  // A fixed port rather than 0: signed click links are verified against
  // the public base URL, which defaults to http://LISTEN.
  const port = await freePort();
  const args = [
    '--db', db, '--listen', `127.0.0.1:${port}`, '--trust-cf-headers', '--allow-private-webhooks',
    // The tests seed their own clicks; the demo day would only add to them.
    ...(demo ? [] : ['--no-demo']),
  ];
  const env = {
    ...process.env,
    CLICKFENCE_ADMIN_TOKEN: ADMIN_TOKEN,
    CLICKFENCE_API_SECRET: API_SECRET,
    RUST_LOG: process.env.RUST_LOG ?? 'warn',
  };
  const child = spawn(bin, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const ready = new Promise((resolve, reject) => {
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      const url = /Listening on (http:\/\/[0-9.:]+)/.exec(stderr);
      if (url) resolve(url[1]);
    });
    child.on('exit', (code) => reject(new Error(`server exited ${code}: ${stderr}`)));
  });
  const url = await ready;
  const token = /(mcs_live_[A-Za-z0-9]+)/.exec(stderr)?.[1] ?? earlierToken;
  if (!token) throw new Error(`no demo token printed: ${stderr}`);
  return {
    url,
    token,
    db,
    cli: (...more) => execFileSync(bin, ['--db', db, '--allow-private-webhooks', ...more], { env, encoding: 'utf8' }),
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A JSON call; resolves to { status, headers, json, text }. */
export async function api(server, path, { method = 'GET', token, body, headers = {} } = {}) {
  const h = { ...headers };
  if (token) h.authorization = `Bearer ${token}`;
  if (body !== undefined) h['content-type'] = 'application/json';
  const r = await fetch(server.url + path, {
    method, headers: h, body: body === undefined ? undefined : JSON.stringify(body), redirect: 'manual',
  });
  const text = await r.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: r.status, headers: r.headers, json, text };
}

/** A webhook receiver on a free port that answers `status()` and keeps what it got. */
export async function receiver() {
  const got = [];
  const state = { status: 500 };
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      got.push({ headers: req.headers, body });
      res.writeHead(state.status).end();
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}/hook`,
    got,
    answer(status) { state.status = status; },
    close: () => new Promise((r) => server.close(r)),
  };
}

/** Polls `check` until it returns a truthy value (or fails after `ms`). */
export async function until(check, what, ms = 20000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Debian's Chromium, headless. */
export function launch() {
  const executablePath = process.env.CHROMIUM
    ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => {
      try { execFileSync(p, ['--version'], { stdio: 'ignore' }); return true; } catch { return false; }
    });
  if (!executablePath) throw new Error('no Chromium: run scripts/test-dashboard.sh, which installs it');
  return chromium.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
      '--no-first-run', '--disable-extensions'],
  });
}

/** Signs in through the form in a new page; returns the page. */
export async function signIn(context, server, credential) {
  const page = await context.newPage();
  await page.goto(`${server.url}/dashboard/`);
  await page.getByLabel('API token, admin token or API secret').fill(credential);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForLoadState();
  return page;
}
