// Every example page in a real browser, signed out (at 360 px wide) and signed in: it loads with no console error, no
// uncaught exception, no failed request or error answer and no CSP violation, every field has a label, nothing is
// wider than the screen, the skip link comes first in the tab order; a screenshot of each is kept. The pages' HTML
// is also checked for anything the CSP would block.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { ROOT } from '../support/process.ts';
import { assertNoProblems, launchBrowser, screenshot, unlabelledFields, visit, watchedPage, type Watched } from '../support/browser.ts';
import { startFakeOAuth2Provider, type FakeOAuth2Provider } from '../support/oauth2-provider.ts';
import { startMonolite, type RunningMonolite } from './fixture.ts';

const PUBLIC = join(ROOT, 'public');
// The example pages (another page in public/ brings its own test).
const PAGES = ['index.html', 'register.html', 'verify.html', 'login.html', 'forgot-password.html', 'profile.html',
  'change-email.html', 'oauth2-callback.html', 'tables.html'];
const EMAIL = 'pages@example.com';
const PASSWORD = 'pages test password 1';

let browser: Browser | undefined;
let skip: string | undefined;
let provider: FakeOAuth2Provider;
let server: RunningMonolite;

before(async () => {
  ({ browser, skip } = await launchBrowser());
  if (browser === undefined) return;
  provider = await startFakeOAuth2Provider();
  server = await startMonolite({ shop: true, oauth2: provider });
  server.cli(['users', 'create', EMAIL, '--password-stdin', '--verified', '--scopes', 'read write'], PASSWORD);
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await provider?.close();
});

test('the pages hold nothing the CSP blocks: no inline script, style, event handler or javascript: URL', () => {
  for (const file of PAGES) {
    const html = readFileSync(join(PUBLIC, file), 'utf8');
    const scripts = [...html.matchAll(/<script\b([^>]*)>/gi)];
    assert.ok(scripts.length > 0, `${file} has a script`);
    for (const [tag, attrs] of scripts) {
      assert.match(attrs, /\bsrc="js\/[a-z0-9-]+\.js"/, `${file}: ${tag} loads a file of js/`);
      assert.match(attrs, /\btype="module"/, `${file}: ${tag} is a module`);
    }
    assert.doesNotMatch(html, /<style\b/i, `${file} has a <style> block`);
    assert.doesNotMatch(html, /\sstyle\s*=/i, `${file} has a style attribute`);
    assert.doesNotMatch(html, /\son[a-z]+\s*=/i, `${file} has an event handler attribute`);
    assert.doesNotMatch(html, /javascript:/i, `${file} has a javascript: URL`);
    assert.match(html, /<html lang="en">/, `${file} names its language`);
    assert.match(html, /<meta name="viewport" content="width=device-width, initial-scale=1">/, `${file} has a viewport`);
  }
});

/** Loads `file` and checks it; `state` names the screenshot. */
async function checkPage(watched: Watched, file: string, state: string): Promise<void> {
  const { page, problems, reset } = watched;
  reset();
  await visit(page, `${server.url}/${file}`);
  assert.equal(await page.title() !== '', true, `${file} has a title`);
  assert.equal(await page.locator('h1').count(), 1, `${file} has one h1`);
  assert.deepEqual(await unlabelledFields(page), [], `${file}: fields without a label`);
  const width = page.viewportSize()!.width;
  const overflow = await page.evaluate('document.documentElement.scrollWidth');
  assert.ok(Number(overflow) <= width, `${file} (${state}) is ${overflow} px wide on a ${width} px screen`);
  await screenshot(page, `${file.replace('.html', '')}-${state}`);
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate('document.activeElement.className'), 'skip-link', `${file}: the skip link is focused first`);
  assertNoProblems(problems, `${file} (${state})`);
}

test('every page loads cleanly when signed out, at 360 px wide', async (t) => {
  if (browser === undefined) return t.skip(skip);
  const watched = await watchedPage(browser, { viewport: { width: 360, height: 740 } });
  try {
    for (const file of PAGES) await checkPage(watched, file, 'signed-out-360');
  } finally {
    await watched.context.close();
  }
});

test('every page loads cleanly when signed in, on a wide screen (and the signed-in ones on a narrow one)', async (t) => {
  if (browser === undefined) return t.skip(skip);
  const watched = await watchedPage(browser);
  try {
    const { page } = watched;
    await page.goto(`${server.url}/login.html`);
    await page.getByLabel('Email', { exact: true }).fill(EMAIL);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL('**/profile.html');
    await page.getByText(EMAIL, { exact: true }).first().waitFor();
    for (const file of PAGES) await checkPage(watched, file, 'signed-in');
    // The pages whose content differs once signed in, again on a narrow screen.
    await page.setViewportSize({ width: 360, height: 740 });
    for (const file of ['profile.html', 'change-email.html', 'tables.html']) await checkPage(watched, file, 'signed-in-360');
  } finally {
    await watched.context.close();
  }
});
