// OAuth2 sign-in in a real browser: the login page's provider button sends the browser to the local fake provider,
// which returns to /oauth2-callback.html with a code; the page completes the sign-in (PKCE, signed state) and the
// profile shows the provider's email. A callback the tab did not start is refused with its reason.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { assertNoProblems, launchBrowser, screenshot, settle, visit, watchedPage } from '../support/browser.ts';
import { startFakeOAuth2Provider, type FakeOAuth2Provider } from '../support/oauth2-provider.ts';
import { startMonolite, type RunningMonolite } from './fixture.ts';

let browser: Browser | undefined;
let skip: string | undefined;
let provider: FakeOAuth2Provider;
let server: RunningMonolite;

before(async () => {
  ({ browser, skip } = await launchBrowser());
  if (browser === undefined) return;
  provider = await startFakeOAuth2Provider();
  server = await startMonolite({ oauth2: provider });
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await provider?.close();
});

test('the provider button signs in through the fake provider and the callback page', async (t) => {
  if (browser === undefined) return t.skip(skip);
  const { page, problems, context } = await watchedPage(browser);
  t.after(() => context.close());
  provider.nextIdentity = { userinfo: { sub: 'browser-user-1', email: 'grace@example.com', email_verified: true, name: 'Grace Hopper' } };

  await visit(page, `${server.url}/login.html`);
  await page.getByRole('button', { name: 'Continue with Fake ID' }).click();
  await page.waitForURL('**/profile.html');
  await page.locator('#me-email').getByText('grace@example.com', { exact: true }).waitFor();
  assert.equal(await page.locator('#me-verified').textContent(), 'yes');
  await settle(page);
  await screenshot(page, 'flow-oauth2-signed-in');
  assertNoProblems(problems, 'the OAuth2 sign-in');

  const authorize = provider.requests.find((r) => r.endpoint === 'authorize')!;
  const sent = new URL(authorize.path, provider.origin).searchParams;
  assert.equal(sent.get('redirect_uri'), `${server.url}/oauth2-callback.html`);
  assert.equal(sent.get('code_challenge_method'), 'S256');
  assert.ok(provider.requests.some((r) => r.endpoint === 'token'), 'the server redeemed the code');
  // The callback's URL (with the used code) was replaced, not kept in the history: Back goes to the login page.
  await page.goBack();
  assert.match(page.url(), /\/login\.html$/);
  await settle(page);
  assertNoProblems(problems, 'going back');
});

test('a callback this tab did not start is refused on the page, with nothing sent to the server', async (t) => {
  if (browser === undefined) return t.skip(skip);
  const { page, problems, context } = await watchedPage(browser);
  t.after(() => context.close());
  const urls: string[] = [];
  page.on('request', (request) => urls.push(request.url()));
  await visit(page, `${server.url}/oauth2-callback.html?code=forged&state=forged`);
  await page.getByRole('heading', { name: 'Sign-in failed' }).waitFor();
  assert.equal(await page.locator('#result > .form-error').getAttribute('data-code'), 'oauth2_not_started');
  assert.equal(await page.locator('#result > .form-error').getAttribute('role'), 'alert');
  assert.deepEqual(urls.filter((u) => u.includes('/api/')), [], 'no API request');
  await screenshot(page, 'flow-oauth2-refused');
  assertNoProblems(problems, 'a forged callback');
});
