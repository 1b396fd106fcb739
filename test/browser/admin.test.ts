// The admin console (public/admin/) in a real browser against `monolite serve`: a non-admin gets the "needs the admin
// scope" message; an admin signs in from the console's link, watches the charts move under a burst of requests, works
// through users, jobs (retries a dead job), logs, configuration (diffs two versions, rolls back after a confirmation)
// and backups (runs one, downloads it). Every view is free of console errors and CSP violations, fits 360 px, and is
// screenshotted. Also, without a browser: the event-stream parser and the reconnecting stream client.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { Browser, Page } from 'playwright-core';
import { EventStreamParser, followEventStream } from '../../public/admin/event-stream.js';
import { ROOT } from '../support/process.ts';
import { assertNoProblems, launchBrowser, type Problems, screenshot, settle, unlabelledFields, visit, watchedPage, type Watched } from '../support/browser.ts';
import { startMonolite, type RunningMonolite } from './fixture.ts';

const ADMIN = 'ada@example.com';
const ADMIN_PASSWORD = 'admin console password 1';
const CLERK = 'clerk@example.com';
const CLERK_PASSWORD = 'clerk console password 1';
const NEWCOMER = 'newcomer@example.com';
const ADMIN_DIR = join(ROOT, 'public/admin');

let browser: Browser | undefined;
let skip: string | undefined;
let server: RunningMonolite;
/** The admin's page, signed in by the first browser test and used by the next ones. */
let admin: Watched | undefined;

before(async () => {
  ({ browser, skip } = await launchBrowser());
  if (browser === undefined) return;
  server = await startMonolite({ logStore: true });
  server.cli(['users', 'create', ADMIN, '--password-stdin', '--verified', '--scopes', 'admin'], ADMIN_PASSWORD);
  server.cli(['users', 'create', CLERK, '--password-stdin', '--verified', '--scopes', 'read'], CLERK_PASSWORD);
  server.cli(['users', 'create', NEWCOMER, '--password-stdin'], 'newcomer password 1');
});

after(async () => {
  await admin?.context.close();
  await browser?.close();
  await server?.stop();
});

// ---------------------------------------------------------------------------------------------------------------
// Without a browser.

const STREAMS: { name: string; text: string; events: { type: string; data: string; id: string }[]; retry: number | null }[] = [
  { name: 'one event', text: 'event: stats\ndata: {"a":1}\nid: 7\n\n', events: [{ type: 'stats', data: '{"a":1}', id: '7' }], retry: null },
  { name: 'retry, comment, default type', text: 'retry: 3000\n\n: heartbeat\n\ndata: x\n\n', events: [{ type: 'message', data: 'x', id: '' }], retry: 3000 },
  { name: 'CRLF and CR line ends', text: 'event: a\r\ndata: 1\r\n\r\nevent: b\rdata: 2\r\r', events: [{ type: 'a', data: '1', id: '' }, { type: 'b', data: '2', id: '' }], retry: null },
  { name: 'multi-line data, no space after the colon', text: 'data:one\ndata: two\n\n', events: [{ type: 'message', data: 'one\ntwo', id: '' }], retry: null },
  { name: 'the id carries over; a field without a colon', text: 'id: 4\ndata: a\n\ndata\n\n', events: [{ type: 'message', data: 'a', id: '4' }, { type: 'message', data: '', id: '4' }], retry: null },
  { name: 'no data: nothing dispatched; a bad retry ignored', text: 'event: x\n\nretry: 1s\nretry: 50\n\n', events: [], retry: 50 },
  { name: 'an unfinished event waits', text: 'data: 1\n\ndata: 2\n', events: [{ type: 'message', data: '1', id: '' }], retry: null },
];

test('the event-stream parser reads the WHATWG format, whole or split at any point', () => {
  for (const { name, text, events, retry } of STREAMS) {
    for (let cut = 0; cut <= text.length; cut++) {
      const parser = new EventStreamParser();
      const got = [...parser.push(text.slice(0, cut)), ...parser.push(text.slice(cut))];
      assert.deepEqual(got, events, `${name}, cut at ${cut}`);
      assert.equal(parser.retry, retry, `${name}: retry`);
    }
    const parser = new EventStreamParser();
    assert.deepEqual([...text].flatMap((c) => parser.push(c)), events, `${name}, one character at a time`);
  }
});

test('the stream client reconnects after the retry delay, sends Last-Event-ID, and stops on abort or a 403', async () => {
  const seen: (string | undefined)[] = [];
  let refuse = false;
  const fake = createServer((req, res) => {
    seen.push(req.headers['last-event-id'] as string | undefined);
    if (refuse) {
      res.writeHead(403, { 'content-type': 'application/problem+json' }).end('{"code":"forbidden"}');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.end(`retry: 30\n\nid: ${seen.length}\nevent: stats\ndata: {"n":${seen.length}}\n\n`);
  });
  await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(fake.address() as AddressInfo).port}/stream`;
  try {
    const controller = new AbortController();
    const events: string[] = [];
    const delays: number[] = [];
    const started = Date.now();
    // What the console passes is the SDK's request(); here a plain fetch that refuses non-2xx answers the same way.
    const open = async (headers: Record<string, string>, signal: AbortSignal) => {
      const res = await fetch(url, { headers, signal });
      if (!res.ok) throw Object.assign(new Error(`${res.status}`), { status: res.status });
      return res;
    };
    const done = followEventStream({
      open,
      signal: controller.signal,
      defaultRetryMs: 5000,
      onEvent: (event: { data: string }) => {
        events.push(event.data);
        if (events.length === 3) controller.abort();
      },
      onDisconnect: (_err: unknown, ms: number) => delays.push(ms),
    });
    assert.equal(await done, undefined);
    assert.deepEqual(events, ['{"n":1}', '{"n":2}', '{"n":3}']);
    assert.deepEqual(delays, [30, 30], 'the server\'s retry: replaces the default 5 s');
    assert.deepEqual(seen, [undefined, '1', '2']);
    assert.ok(Date.now() - started < 2000);

    refuse = true;
    const stopped = await followEventStream({
      open,
      signal: new AbortController().signal,
      onEvent: () => assert.fail('no event'),
      shouldRetry: (err: { status?: number }) => err.status !== 403,
    });
    assert.equal((stopped as { status: number }).status, 403);
  } finally {
    fake.close();
  }
});

test('the page holds nothing the CSP blocks, and its scripts build no markup from data', () => {
  const html = readFileSync(join(ADMIN_DIR, 'index.html'), 'utf8');
  const scripts = [...html.matchAll(/<script\b([^>]*)>/gi)];
  assert.equal(scripts.length, 1);
  assert.match(scripts[0][1], /\bsrc="admin\.js"/);
  assert.match(scripts[0][1], /\btype="module"/);
  assert.doesNotMatch(html, /<style\b|\sstyle\s*=|\son[a-z]+\s*=|javascript:/i);
  for (const file of readdirSync(ADMIN_DIR).filter((f) => f.endsWith('.js'))) {
    const source = readFileSync(join(ADMIN_DIR, file), 'utf8');
    assert.doesNotMatch(source, /innerHTML|outerHTML|insertAdjacentHTML|document\.write|\.style\b|'style'|eval\(|new Function/, `${file} builds markup or styles from text`);
    // Relative imports only, so that the asset pipeline can rewrite them to hashed names.
    for (const [, specifier] of source.matchAll(/from '([^']+)'/g)) assert.match(specifier, /^\.\.?\//, `${file} imports ${specifier}`);
  }
});

// ---------------------------------------------------------------------------------------------------------------
// In the browser.

/**
 * assertNoProblems, but for the one request the console cuts on purpose: the stats stream, aborted when the admin
 * leaves the dashboard (a stream never ends by itself, so leaving is the only way it stops).
 */
function assertClean(problems: Problems, what: string, expected: number[] = []): void {
  const left = problems.failedRequests.filter((line) => !/\/api\/admin\/stats\/stream: net::ERR_ABORTED$/.test(line));
  assertNoProblems({ ...problems, failedRequests: left }, what, expected);
}

async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/** Opens a view by its navigation link and checks that the focus moved to its heading. */
async function openView(page: Page, link: string, heading: string): Promise<void> {
  await page.locator('.admin-nav').getByRole('link', { name: link, exact: true }).click();
  await page.waitForFunction((text) => (globalThis as any).document.activeElement?.tagName === 'H2' && (globalThis as any).document.activeElement.textContent === text, heading);
  assert.equal(await page.locator('.admin-nav [aria-current="page"]').textContent(), link);
}

/** A SQL statement on the server's app.db (WAL: safe beside the running server). */
function appDb<T>(use: (db: DatabaseSync) => T): T {
  const db = new DatabaseSync(join(server.dataDir, 'app.db'));
  try {
    db.exec('PRAGMA busy_timeout = 5000');
    return use(db);
  } finally {
    db.close();
  }
}

test('without the admin scope: a sign-in link, then "needs the admin scope"', async (t) => {
  if (browser === undefined) return t.skip(skip);
  const { page, problems, context } = await watchedPage(browser, { viewport: { width: 360, height: 740 } });
  t.after(() => context.close());
  await visit(page, `${server.url}/admin/#jobs`);
  await page.getByRole('heading', { name: 'Sign in to use the admin console' }).waitFor();
  assert.equal(await page.locator('#console').isHidden(), true);
  await screenshot(page, 'admin-signed-out');
  assertClean(problems, 'the console signed out');

  await page.locator('#gate').getByRole('link', { name: 'Sign in' }).click();
  await page.waitForURL('**/login.html?next=admin%2F%23jobs');
  await signIn(page, CLERK, CLERK_PASSWORD);
  await page.waitForURL('**/admin/#jobs');
  await page.getByRole('heading', { name: 'This account needs the admin scope' }).waitFor();
  assert.match(await page.locator('#gate-text').textContent() ?? '', new RegExp(`signed in as ${CLERK}.*set-scopes ${CLERK} "read admin"`));
  assert.equal(await page.locator('#console').isHidden(), true);
  await settle(page);
  await screenshot(page, 'admin-forbidden');
  assertClean(problems, 'the console without the admin scope', [403]);
});

test('an admin signs in and the dashboard charts move under load', async (t) => {
  if (browser === undefined) return t.skip(skip);
  admin = await watchedPage(browser);
  const { page, problems } = admin;
  await visit(page, `${server.url}/login.html?next=admin%2F`);
  await signIn(page, ADMIN, ADMIN_PASSWORD);
  await page.waitForURL('**/admin/');
  const requests = page.locator('#chart-requests');
  // The stream's first event comes at once, then one a second.
  await page.waitForFunction(() => Number((globalThis as any).document.querySelector('#chart-requests')?.getAttribute('data-samples')) >= 2);
  assert.equal(await page.locator('#stream-state').textContent(), 'Live: a new sample every second.');
  assert.match(await page.locator('[data-tile="rss"]').textContent() ?? '', /MiB$/);
  const before = await requests.locator('path').getAttribute('d');

  // Load: requests to /api/health, four at a time, until the chart shows at least 50 requests/s.
  let stop = false;
  let sent = 0;
  const load = Promise.all(Array.from({ length: 4 }, async () => {
    while (!stop) {
      await (await fetch(`${server.url}/api/health`)).arrayBuffer();
      sent++;
    }
  }));
  try {
    await page.waitForFunction(() => Number((globalThis as any).document.querySelector('#chart-requests')?.getAttribute('data-last')) >= 50, undefined, { timeout: 10_000 });
  } finally {
    stop = true;
    await load;
  }
  assert.ok(sent >= 50, `${sent} requests sent`);
  assert.notEqual(await requests.locator('path').getAttribute('d'), before, 'the requests/s line changed');
  assert.ok(Number(await page.locator('#chart-status path[data-series="2xx"]').evaluate((p) => p.getAttribute('d')!.split(/[ML]/).length)) > 2);
  assert.match(await page.locator('#chart-latency li').first().textContent() ?? '', /^p50 [\d.,]+ ms$/);
  await screenshot(page, 'admin-dashboard');
  assertClean(problems, 'the dashboard');
});

test('jobs: a dead job is shown with its payload masked, and retried', async (t) => {
  if (browser === undefined || admin === undefined) return t.skip(skip ?? 'no admin page');
  const { page, problems } = admin;
  const now = new Date().toISOString();
  const id = appDb((db) => Number(db.prepare(`INSERT INTO job_queue (type, payload, status, attempts, max_attempts, run_at, last_error, created_at, updated_at, finished_at)
    VALUES ('test.flaky', ?, 'dead', 3, 3, ?, ?, ?, ?, ?) RETURNING id`).get(
    JSON.stringify({ to: 'someone@example.com', code: '493021' }), now, 'Error: the mail server said no\n    at send (mail.ts:1:1)', now, now, now)!.id));

  await openView(page, 'Jobs', 'Jobs');
  await page.getByLabel('Status', { exact: true }).selectOption('dead');
  await page.getByRole('button', { name: 'Show jobs' }).click();
  await page.locator('.pager [data-page="range"]').getByText('Jobs 1–1 of 1').waitFor();
  assert.equal(await page.locator('#jobs-table tbody tr').first().getAttribute('data-status'), 'dead');
  await page.getByRole('button', { name: `Show job ${id}` }).click();
  await page.getByRole('heading', { name: `Job ${id}: test.flaky` }).waitFor();
  const payload = await page.locator('#job-payload').textContent() ?? '';
  assert.deepEqual(JSON.parse(payload), { to: 'someone@example.com', code: '********' });
  assert.doesNotMatch(await page.locator('#view-jobs').textContent() ?? '', /493021/);
  await screenshot(page, 'admin-jobs');

  await page.getByRole('button', { name: 'Retry now' }).click();
  await page.locator('#job-detail .status').getByText(`Job ${id} is pending again`).waitFor();
  assert.deepEqual(appDb((db) => ({ ...db.prepare('SELECT status, attempts FROM job_queue WHERE id = ?').get(id) })), { status: 'pending', attempts: 0 });
  assert.equal(await page.getByRole('button', { name: 'Retry now' }).isHidden(), true, 'a pending job has nothing to retry');
  assertClean(problems, 'the jobs view');
});

test('users: search, verify, set scopes, delete after a confirmation', async (t) => {
  if (browser === undefined || admin === undefined) return t.skip(skip ?? 'no admin page');
  const { page, problems } = admin;
  const user = () => appDb((db) => db.prepare('SELECT verified, scopes FROM users WHERE email = ?').get(NEWCOMER) as { verified: number; scopes: string } | undefined);
  await openView(page, 'Users', 'Users');
  await page.locator('#view-users .pager').getByText('Users 1–3 of 3').waitFor();
  await page.getByLabel('Email or name').fill('newcomer');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.locator('#view-users .pager').getByText('Users 1–1 of 1').waitFor();
  await page.getByRole('button', { name: `Show user ${NEWCOMER}` }).click();
  const detail = page.locator('#user-detail');
  await detail.getByRole('heading', { name: new RegExp(`: ${NEWCOMER}$`) }).waitFor();

  await detail.getByRole('button', { name: 'Mark verified' }).click();
  await detail.locator('.status').getByText(`${NEWCOMER} is verified.`).waitFor();
  assert.equal(user()?.verified, 1);
  await detail.getByLabel('Scopes').fill('editor  read');
  await detail.getByRole('button', { name: 'Save scopes' }).click();
  await detail.locator('.status').getByText('Scopes saved: editor read.').waitFor();
  assert.equal(user()?.scopes, 'editor read');
  await screenshot(page, 'admin-users');

  // Delete: Cancel keeps the account; Delete account removes it.
  await detail.getByRole('button', { name: 'Delete account' }).click();
  const dialog = page.getByRole('dialog', { name: 'Delete this account?' });
  await dialog.waitFor();
  assert.equal(await page.evaluate(() => (globalThis as any).document.activeElement?.textContent), 'Cancel', 'Cancel is focused first');
  await screenshot(page, 'admin-users-confirm');
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });
  assert.equal(await page.evaluate(() => (globalThis as any).document.activeElement?.textContent), 'Delete account', 'the focus is back on the button');
  assert.ok(user() !== undefined);
  await detail.getByRole('button', { name: 'Delete account' }).click();
  await dialog.getByRole('button', { name: 'Delete account' }).click();
  await page.locator('#view-users > .status').getByText(`Deleted ${NEWCOMER}.`).waitFor();
  assert.equal(user(), undefined);
  assert.equal(await detail.isHidden(), true);
  assertClean(problems, 'the users view');
});

test('logs: filtered by text, and older pages', async (t) => {
  if (browser === undefined || admin === undefined) return t.skip(skip ?? 'no admin page');
  const { page, problems } = admin;
  // More than two pages of records: requests (each one logged) until logs.db holds them (it is written every second).
  await Promise.all(Array.from({ length: 10 }, async () => {
    for (let i = 0; i < 25; i++) await (await fetch(`${server.url}/api/health`)).arrayBuffer();
  }));
  for (let i = 0; logRecords() < 250; i++) {
    assert.ok(i < 100, `${logRecords()} records in logs.db`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await openView(page, 'Logs', 'Logs');
  await page.locator('#logs-count').getByText(/^100 records shown\.$/).waitFor();
  await page.getByRole('button', { name: 'Older records' }).click();
  await page.locator('#logs-count').getByText(/^(1\d\d|200) records shown/).waitFor();
  const times = await page.locator('#logs-table tbody time').evaluateAll((els) => els.map((e) => e.getAttribute('datetime')!));
  assert.deepEqual(times, [...times].sort().reverse(), 'newest first, across pages');

  // Records reach logs.db within log.flush_interval (1 s): the retry of the jobs test is there by now or soon.
  await page.getByLabel('Text', { exact: true }).fill('Admin retried a job');
  for (let i = 0; ; i++) {
    await page.getByRole('button', { name: 'Show records' }).click();
    await page.locator('#view-logs').and(page.locator(':not([aria-busy])')).waitFor();
    if (await page.locator('#logs-table tbody tr').filter({ hasText: 'Admin retried a job' }).count() === 1) break;
    assert.ok(i < 20, 'the admin\'s retry is in the log');
    await page.waitForTimeout(250);
  }
  assert.match(await page.locator('#logs-table tbody tr').first().textContent() ?? '', /"admin_id":1/);
  assert.equal(await page.locator('#logs-count').textContent(), '1 record shown, no older ones.');
  assert.equal(await page.getByRole('button', { name: 'Older records' }).isDisabled(), true);
  await screenshot(page, 'admin-logs');
  assertClean(problems, 'the logs view');
});

/** The number of records in logs.db. */
function logRecords(): number {
  const db = new DatabaseSync(join(server.dataDir, 'logs.db'), { readOnly: true });
  try {
    return Number(db.prepare('SELECT count(*) AS n FROM logs').get()!.n);
  } finally {
    db.close();
  }
}

test('config: diff two versions, roll back after a confirmation', async (t) => {
  if (browser === undefined || admin === undefined) return t.skip(skip ?? 'no admin page');
  const { page, problems } = admin;
  // A second version, imported as an operator would: the first one plus a [backup] table.
  const first = server.cli(['config', 'export']);
  server.cli(['config', 'import', '-', '-m', 'keep three backups'], `${first}\n[backup]\nkeep = 3\n`);
  const versions = () => server.cli(['config', 'versions']).trim().split('\n').filter((line) => /^\s*\d/.test(line)).length;
  const stored = versions();

  await openView(page, 'Config', 'Configuration');
  await page.locator('#config-table tbody tr[data-version]').nth(stored - 1).waitFor();
  assert.equal(await page.locator('#config-table tbody tr').first().getAttribute('data-version'), String(stored));
  assert.equal(await page.getByLabel('From version', { exact: true }).inputValue(), String(stored - 1));
  assert.equal(await page.getByLabel('To version', { exact: true }).inputValue(), String(stored));
  // One version's content, its secrets masked (version 1 holds the generated ones).
  await page.getByRole('button', { name: 'View version 1' }).click();
  await page.getByRole('heading', { name: 'Version 1', exact: true }).waitFor();
  assert.match(await page.locator('#config-text').textContent() ?? '', /^secret = "\*{8}"$/m);
  await page.getByRole('button', { name: 'Compare' }).click();
  await page.getByRole('heading', { name: `Version ${stored - 1} → version ${stored}` }).waitFor();
  const added = await page.locator('#config-text .diff-add').allTextContents();
  assert.ok(added.some((line) => /^\+\s*keep = 3/.test(line)), `an added line "keep = 3" in ${JSON.stringify(added)}`);
  assert.equal(await page.locator('#config-text .diff-file').count(), 2);
  assert.match(await page.locator('#config-output-summary').textContent() ?? '', /^\d+ lines? added, \d+ removed\.$/);
  assert.doesNotMatch(await page.locator('#config-text').textContent() ?? '', new RegExp(readSecret()), 'the auth secret is masked');
  await screenshot(page, 'admin-config');

  // Roll back to the previous version: Cancel does nothing, Roll back saves a new version.
  await page.getByRole('button', { name: `Roll back to version ${stored - 1}` }).click();
  const dialog = page.getByRole('dialog', { name: `Roll back to version ${stored - 1}?` });
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await dialog.waitFor({ state: 'hidden' });
  assert.equal(versions(), stored);
  await page.getByRole('button', { name: `Roll back to version ${stored - 1}` }).click();
  await dialog.getByRole('button', { name: 'Roll back' }).click();
  await page.locator('#view-config > .status').getByText(`Saved version ${stored + 1} with the content of version ${stored - 1}.`).waitFor();
  assert.equal(versions(), stored + 1);
  await page.locator('#config-table tbody tr').first().and(page.locator(`[data-version="${stored + 1}"]`)).waitFor();
  assertClean(problems, 'the config view');
});

/** The stored auth.secret (what the config view must never show). */
function readSecret(): string {
  return /secret = "([^"]+)"/.exec(server.cli(['config', 'export']))![1];
}

test('backups: back up now, see it listed, download it', async (t) => {
  if (browser === undefined || admin === undefined) return t.skip(skip ?? 'no admin page');
  const { page, problems } = admin;
  await openView(page, 'Backups', 'Backups');
  await page.locator('#backups-table tbody').getByText('No backup yet.').waitFor();
  await page.getByRole('button', { name: 'Back up now' }).click();
  await page.locator('#view-backups[data-run-status="done"]').waitFor();
  await page.locator('#view-backups > .status').getByText(/^Backup written: app-\d{8}T\d{6}Z-online\.db\.gz \(/).waitFor();
  const dir = join(server.dataDir, 'backups');
  const files = readdirSync(dir).filter((f) => f.endsWith('.db.gz'));
  assert.equal(files.length, 1);
  await page.locator(`#backups-table tr[data-backup="${files[0]}"]`).waitFor();
  await screenshot(page, 'admin-backups');

  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: `Download ${files[0]}` }).click();
  const saved = await download;
  assert.equal(saved.suggestedFilename(), files[0]);
  const path = await saved.path();
  assert.ok(existsSync(path) && statSync(path).size === statSync(join(dir, files[0])).size, 'the download is the whole file');
  assertClean(problems, 'the backups view');
});

test('every view fits a 360 px screen with labelled fields', async (t) => {
  if (browser === undefined || admin === undefined) return t.skip(skip ?? 'no admin page');
  const { page, problems } = admin;
  await page.setViewportSize({ width: 360, height: 740 });
  for (const view of ['dashboard', 'users', 'jobs', 'logs', 'config', 'backups']) {
    await page.goto(`${server.url}/admin/#${view}`);
    await page.locator(`body[data-view="${view}"]`).waitFor();
    await settle(page).catch(() => undefined);
    assert.deepEqual(await unlabelledFields(page), [], `${view}: fields without a label`);
    const overflow = Number(await page.evaluate('document.documentElement.scrollWidth'));
    const widest = overflow <= 360 ? '' : await page.evaluate(() => [...(globalThis as any).document.querySelectorAll('main *')]
      .filter((e) => e.getBoundingClientRect().right > 360 && !e.closest('.table-wrap, pre'))
      .map((e) => `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''}.${e.className}`).slice(0, 5).join(', '));
    assert.ok(overflow <= 360, `${view} is ${overflow} px wide on a 360 px screen: ${widest}`);
    if (view === 'dashboard' || view === 'users') await screenshot(page, `admin-${view}-360`);
  }
  assertClean(problems, 'the views at 360 px');

  // Signing out closes the console (and its stream) at once.
  await page.goto(`${server.url}/admin/#dashboard`);
  await page.locator('#chart-requests[data-samples]').waitFor();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in to use the admin console' }).waitFor();
  assert.equal(await page.locator('#console').isHidden(), true);
  assertClean(problems, 'signing out');
});
