// The account pages in a real browser against `monolite serve` and a real SMTP server: a user registers, reads the
// code from the mail, verifies and lands signed in; signs out and in; resets the password through the three steps;
// changes the email with the code mailed to the new address; signs out. Errors the user provokes show next to the
// form and its fields.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { assertNoProblems, launchBrowser, screenshot, settle, visit, watchedPage } from '../support/browser.ts';
import { mailedCode, NO_SMTP_SERVER, smtpPython, startSmtpServer, type SmtpTestServer } from '../support/smtp-server.ts';
import { startMonolite, type RunningMonolite } from './fixture.ts';

let browser: Browser | undefined;
let skip: string | undefined;
let smtp: SmtpTestServer | undefined;
let server: RunningMonolite;

before(async () => {
  const python = smtpPython();
  if (python === undefined) {
    skip = NO_SMTP_SERVER;
    return;
  }
  ({ browser, skip } = await launchBrowser());
  if (browser === undefined) return;
  smtp = await startSmtpServer(python);
  server = await startMonolite({ smtp });
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await smtp?.stop();
});

const EMAIL = 'ada@example.com';
const NEW_EMAIL = 'ada.lovelace@example.com';
const PASSWORD = 'analytical engine 1843';
const NEW_PASSWORD = 'difference engine 1822';

/** Fills the fields (by label) and presses the named button. */
async function submit(page: Page, fields: Record<string, string>, button: string): Promise<void> {
  for (const [label, value] of Object.entries(fields)) await page.getByLabel(label, { exact: true }).fill(value);
  await page.getByRole('button', { name: button, exact: true }).click();
}

async function signIn(page: Page, email: string, password: string): Promise<void> {
  await visit(page, `${server.url}/login.html`);
  await submit(page, { Email: email, Password: password }, 'Sign in');
  await page.waitForURL('**/profile.html');
  await page.locator('#me-email').getByText(email, { exact: true }).waitFor();
}

test('register, verify by mailed code, sign out and in, reset the password, change the email, sign out', async (t) => {
  if (browser === undefined) return t.skip(skip);
  const { page, problems, reset, context } = await watchedPage(browser);
  t.after(() => context.close());

  // Register: a confirmation that differs is refused by the server, shown under its field.
  await visit(page, `${server.url}/register.html`);
  await submit(page, { Email: EMAIL, Password: PASSWORD, 'Confirm the password': `${PASSWORD}!` }, 'Create account');
  const confirm = page.getByLabel('Confirm the password', { exact: true });
  await page.locator('.field-error').getByText('does not match password').waitFor();
  assert.equal(await confirm.getAttribute('aria-invalid'), 'true');
  assert.equal(await confirm.getAttribute('aria-describedby'), 'password-confirm-error');
  assert.equal(await page.locator('#register .form-error').getAttribute('data-code'), 'password_mismatch');
  assert.equal(await page.locator('#register .form-error').getAttribute('role'), 'alert');
  await screenshot(page, 'flow-register-error');
  assertNoProblems(problems, 'a refused registration', [400]);
  reset();

  let seen = smtp!.messages().length;
  await submit(page, { 'Confirm the password': PASSWORD }, 'Create account');
  await page.waitForURL('**/verify.html');
  await page.locator('#code-email').getByText(EMAIL).waitFor();
  // Signing in before verifying leads back to the code page (the code just mailed stays good through the cooldown).
  await visit(page, `${server.url}/login.html`);
  await submit(page, { Email: EMAIL, Password: PASSWORD }, 'Sign in');
  await page.waitForURL('**/verify.html?next=profile.html');
  await page.locator('#code-email').getByText(EMAIL).waitFor();
  assertNoProblems(problems, 'signing in unverified', [403, 429]);
  reset();
  await submit(page, { Code: await mailedCode(smtp!, EMAIL, seen) }, 'Verify and sign in');
  await page.waitForURL('**/profile.html');
  await page.locator('#me-email').getByText(EMAIL, { exact: true }).waitFor();
  assert.equal(await page.locator('#me-verified').textContent(), 'yes');
  await settle(page);
  await screenshot(page, 'flow-signed-up');
  assertNoProblems(problems, 'registration and verification');

  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await page.waitForURL('**/login.html');
  assert.equal(await page.getByRole('link', { name: 'Profile' }).isVisible(), false, 'the navigation shows the signed-out state');

  // Registering the verified address again: the server answers as for a new one, and the page says to sign in.
  await visit(page, `${server.url}/register.html`);
  await submit(page, { Email: EMAIL, Password: PASSWORD, 'Confirm the password': PASSWORD }, 'Create account');
  await page.locator('#register .status').getByText('already verified').waitFor();
  assert.match(page.url(), /register\.html$/, 'no code page: there is nothing to verify');
  assertNoProblems(problems, 'registering a verified address');
  await visit(page, `${server.url}/login.html`);

  // A wrong password: the server's detail in the form's alert.
  await submit(page, { Email: EMAIL, Password: 'not the password at all' }, 'Sign in');
  const alert = page.locator('#login .form-error');
  await alert.and(page.locator('[data-code="invalid_credentials"]')).waitFor();
  assert.notEqual((await alert.textContent())!.trim(), '');
  assertNoProblems(problems, 'a refused sign-in', [401]);
  reset();
  await signIn(page, EMAIL, PASSWORD);

  // Forgotten password: email, mailed code, new password; every session ends, the new password signs in.
  await visit(page, `${server.url}/forgot-password.html`);
  seen = smtp!.messages().length;
  await submit(page, { Email: EMAIL }, 'Mail me a code');
  await page.getByRole('heading', { name: 'The code' }).waitFor();
  assert.equal(await page.locator('ol.steps li[aria-current="step"]').textContent(), 'The code');
  await submit(page, { Code: await mailedCode(smtp!, EMAIL, seen) }, 'Check the code');
  await page.getByRole('heading', { name: 'A new password' }).waitFor();
  await submit(page, { 'New password': NEW_PASSWORD, 'Confirm the new password': NEW_PASSWORD }, 'Set the password');
  await page.getByText('Your password was changed').waitFor();
  await screenshot(page, 'flow-password-reset');
  await page.getByRole('link', { name: 'Sign in', exact: true }).last().click();
  await page.waitForURL('**/login.html');
  await signIn(page, EMAIL, NEW_PASSWORD);
  assertNoProblems(problems, 'the password reset');

  // Email change: the code goes to the new address; the sessions end; the new address signs in.
  await page.getByRole('link', { name: 'Change email' }).click();
  await page.waitForURL('**/change-email.html');
  seen = smtp!.messages().length;
  await submit(page, { 'New email': NEW_EMAIL, 'Your password': NEW_PASSWORD }, 'Mail a code to the new address');
  await page.locator('#code-email').getByText(NEW_EMAIL).waitFor();
  await submit(page, { Code: await mailedCode(smtp!, NEW_EMAIL, seen) }, 'Change my email');
  await page.getByText(`Your email is now ${NEW_EMAIL}.`).waitFor();
  await screenshot(page, 'flow-email-changed');
  await page.getByRole('link', { name: 'Sign in', exact: true }).last().click();
  await signIn(page, NEW_EMAIL, NEW_PASSWORD);

  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await page.waitForURL('**/login.html');
  await settle(page);
  await visit(page, `${server.url}/profile.html`);
  await page.getByText('You are not signed in.').waitFor();
  await settle(page);
  assertNoProblems(problems, 'the email change and sign-out');
  assert.equal(await page.evaluate('localStorage.length'), 0, 'nothing of the session is left in localStorage');
});

test('profile: edit the name and avatar, sign out everywhere, delete the account', async (t) => {
  if (browser === undefined) return t.skip(skip);
  const email = 'lin@example.com';
  server.cli(['users', 'create', email, '--password-stdin', '--verified'], PASSWORD);
  // Two devices signed in to one account.
  const one = await watchedPage(browser);
  const two = await watchedPage(browser);
  t.after(() => Promise.all([one.context.close(), two.context.close()]));
  await signIn(one.page, email, PASSWORD);
  await signIn(two.page, email, PASSWORD);
  const { page } = one;

  await submit(page, { Name: 'Lin', 'Avatar URL': 'http://example.com/lin.png' }, 'Save');
  await page.locator('#avatar-error').getByText('must be an https URL').waitFor();
  assert.equal(await page.getByLabel('Avatar URL').getAttribute('aria-describedby'), 'avatar-hint avatar-error');
  assertNoProblems(one.problems, 'a refused avatar', [400]);
  one.reset();
  await submit(page, { 'Avatar URL': 'https://example.com/lin.png' }, 'Save');
  await page.locator('#edit .status').getByText('Saved.').waitFor();
  assert.equal(await page.locator('#me-name').textContent(), 'Lin');
  assert.equal(await page.locator('#me-avatar a').getAttribute('href'), 'https://example.com/lin.png');
  assert.equal(await page.getByLabel('Avatar URL').getAttribute('aria-invalid'), null, 'the earlier error is gone');

  await page.getByRole('button', { name: 'Sign out everywhere' }).click();
  await page.waitForURL('**/login.html');
  // The other device's session ended too: its profile page finds out and offers to sign in.
  await two.page.reload();
  await two.page.getByText('You are not signed in.').waitFor();
  await settle(two.page);
  assertNoProblems(two.problems, 'a session ended elsewhere', [401]);

  await signIn(page, email, PASSWORD);
  await submit(page, { 'Your password': PASSWORD }, 'Delete my account');
  const consent = page.getByLabel('I want to delete my account');
  assert.equal(await consent.evaluate((el: any) => el.matches(':invalid')), true, 'the checkbox is required first');
  assert.equal(page.url().endsWith('/profile.html'), true);
  await consent.check();
  await page.getByRole('button', { name: 'Delete my account' }).click();
  await page.waitForURL('**/index.html');
  await settle(page);
  assert.doesNotMatch(server.cli(['users', 'list']), /lin@example\.com/);
  assertNoProblems(one.problems, 'profile changes and deletion');
});
