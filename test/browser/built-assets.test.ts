// The pages as the asset pipeline ships them (scripts/build-assets.ts: minified, content-hashed names, references
// rewritten, precompressed), served by `monolite serve` with [static] dir at the build output: the login page loads
// with no console error or CSP violation, takes only built files, and a password sign-in works with the minified SDK.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { buildAssets } from '../../scripts/build-assets.ts';
import { ROOT } from '../support/process.ts';
import { assertNoProblems, launchBrowser, screenshot, settle, visit, watchedPage } from '../support/browser.ts';
import { startMonolite, type RunningMonolite } from './fixture.ts';

const SDK_SOURCE = readFileSync(join(ROOT, 'public/sdk/monolite.js'), 'utf8');
const EMAIL = 'built@example.com';
const PASSWORD = 'built assets password 1';

let browser: Browser | undefined;
let skip: string | undefined;
let server: RunningMonolite;
let output: string;

before(async () => {
  ({ browser, skip } = await launchBrowser());
  if (browser === undefined) return;
  output = mkdtempSync(join(tmpdir(), 'monolite-built-'));
  await buildAssets({ input: join(ROOT, 'public'), output });
  server = await startMonolite({ staticDir: output });
  server.cli(['users', 'create', EMAIL, '--password-stdin', '--verified'], PASSWORD);
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (output) rmSync(output, { recursive: true, force: true });
});

test('the built login page loads cleanly and signs in with the minified SDK', async (t) => {
  if (browser === undefined) return t.skip(skip);
  const { page, problems, context } = await watchedPage(browser, { viewport: { width: 360, height: 740 } });
  t.after(() => context.close());
  const scripts = new Map<string, string>();
  const encodings = new Map<string, string>();
  page.on('response', async (response) => {
    const path = new URL(response.url()).pathname;
    if (!/\.m?js$/.test(path)) return;
    encodings.set(path, (await response.allHeaders())['content-encoding'] ?? 'identity');
    scripts.set(path, await response.text());
  });

  await visit(page, `${server.url}/login.html`);
  const html = readFileSync(join(output, 'login.html'), 'utf8');
  assert.doesNotMatch(html, /src="js\/login\.js"/, 'the page names its script by content hash');
  await screenshot(page, 'built-login-360');
  await page.getByLabel('Email', { exact: true }).fill(EMAIL);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForURL('**/profile.html');
  await page.locator('#me-email').getByText(EMAIL, { exact: true }).waitFor();
  await settle(page);
  await screenshot(page, 'built-profile-360');
  assertNoProblems(problems, 'the built pages');

  const paths = [...scripts.keys()];
  for (const source of ['/js/login.js', '/js/ui.js', '/sdk/monolite.js', '/js/profile.js']) {
    assert.ok(!paths.includes(source), `${source} was loaded from the sources, not the build: ${paths.join(', ')}`);
  }
  const sdk = paths.filter((p) => p.includes('monolite'));
  assert.equal(sdk.length, 1, `one SDK file among ${paths.join(', ')}`);
  assert.ok(scripts.get(sdk[0])!.length < SDK_SOURCE.length * 0.8, `the served SDK ${sdk[0]} is minified`);
  assert.match(encodings.get(sdk[0])!, /^(br|gzip)$/, 'and sent precompressed');
});
