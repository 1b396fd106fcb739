// The table browser in a real browser against `monolite serve` with shop.db as REST database "shop": a user with the
// read and write scopes picks shop/orders, filters, sorts by clicking a header, pages with previous/next and the
// total, and edits a row in place; the change is checked in the database file, and a refused change shows its error.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { DatabaseSync } from 'node:sqlite';
import type { Browser, Page } from 'playwright-core';
import { assertNoProblems, launchBrowser, screenshot, settle, visit, watchedPage } from '../support/browser.ts';
import { startMonolite, type RunningMonolite } from './fixture.ts';

const EMAIL = 'clerk@example.com';
const PASSWORD = 'tables test password 1';

let browser: Browser | undefined;
let skip: string | undefined;
let server: RunningMonolite;

before(async () => {
  ({ browser, skip } = await launchBrowser());
  if (browser === undefined) return;
  server = await startMonolite({ shop: true });
  server.cli(['users', 'create', EMAIL, '--password-stdin', '--verified', '--scopes', 'read write'], PASSWORD);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** The text of every cell of the column headed `name`, top to bottom. */
async function column(page: Page, name: string): Promise<string[]> {
  const headers = await page.locator('#rows thead th').allTextContents();
  const index = headers.findIndex((h) => h.replace(/[▲▼↕]/g, '').trim() === name);
  assert.ok(index >= 0, `a column ${name} in ${headers.join(', ')}`);
  return page.locator(`#rows tbody tr td:nth-child(${index + 1})`).allTextContents();
}

function row(id: number): Record<string, unknown> {
  const db = new DatabaseSync(server.shopFile, { readOnly: true });
  try {
    return { ...db.prepare('SELECT id, customer_id, amount, status, note FROM orders WHERE id = ?').get(id) };
  } finally {
    db.close();
  }
}

test('pick shop/orders, filter, sort, page, edit a row', async (t) => {
  if (browser === undefined) return t.skip(skip);
  const { page, problems, reset, context } = await watchedPage(browser);
  t.after(() => context.close());
  const range = page.locator('#range');

  // Signed out, orders (not public) is not read: the page asks to sign in and comes back.
  await visit(page, `${server.url}/tables.html`);
  await page.getByText('Reading customers needs a token with its read scope.').waitFor();
  await page.locator('#notice').getByRole('link', { name: 'Sign in' }).click();
  await page.waitForURL('**/login.html?next=tables.html');
  await settle(page);
  await page.getByLabel('Email', { exact: true }).fill(EMAIL);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForURL('**/tables.html?db=shop&table=customers');
  await range.getByText('Rows 1–3 of 3').waitFor();

  await page.getByLabel('Database', { exact: true }).selectOption('shop');
  await page.getByLabel('Table', { exact: true }).selectOption('orders');
  await range.getByText('Rows 1–25 of 30').waitFor();
  assert.match(page.url(), /\?db=shop&table=orders$/);
  await page.getByLabel('Rows per page', { exact: true }).selectOption('10');
  await range.getByText('Rows 1–10 of 30').waitFor();
  assert.deepEqual(await column(page, 'id'), ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10']);

  // Filter: status = pending (every fourth order).
  await page.getByLabel('Column', { exact: true }).selectOption('status');
  await page.getByLabel('Condition', { exact: true }).selectOption('eq');
  await page.getByLabel('Value', { exact: true }).fill('pending');
  await page.getByRole('button', { name: 'Apply' }).click();
  await range.getByText('Rows 1–7 of 7').waitFor();
  assert.deepEqual(await column(page, 'id'), ['4', '8', '12', '16', '20', '24', '28']);
  assert.equal(await page.locator('#next').isDisabled(), true);

  // Sort by amount: ascending, then descending; aria-sort says which.
  const amountHeader = page.locator('#rows thead th', { has: page.locator('button[data-column="amount"]') });
  await page.locator('button[data-column="amount"]').click();
  await amountHeader.and(page.locator('[aria-sort="ascending"]')).waitFor();
  assert.deepEqual(await column(page, 'amount'), ['40', '80', '120', '160', '200', '240', '280']);
  await page.locator('button[data-column="amount"]').click();
  await amountHeader.and(page.locator('[aria-sort="descending"]')).waitFor();
  assert.deepEqual(await column(page, 'amount'), ['280', '240', '200', '160', '120', '80', '40']);

  // Clear the filter (the order stays) and page through the 30 orders.
  await page.getByRole('button', { name: 'Clear' }).click();
  await range.getByText('Rows 1–10 of 30').waitFor();
  assert.equal((await column(page, 'amount'))[0], '300');
  assert.equal(await page.locator('#prev').isDisabled(), true);
  await page.getByRole('button', { name: 'Next page' }).click();
  await range.getByText('Rows 11–20 of 30').waitFor();
  assert.equal((await column(page, 'amount'))[0], '200');
  await page.getByRole('button', { name: 'Next page' }).click();
  await range.getByText('Rows 21–30 of 30').waitFor();
  assert.equal(await page.locator('#next').isDisabled(), true);
  await page.getByRole('button', { name: 'Previous page' }).click();
  await range.getByText('Rows 11–20 of 30').waitFor();
  await settle(page);
  await screenshot(page, 'flow-tables-orders');
  assertNoProblems(problems, 'reading orders');

  // Edit order 15 (amount 150, note NULL): only the changed cells are sent; the NULL note stays NULL.
  assert.deepEqual(row(15), { id: 15, customer_id: 1, amount: 150, status: 'paid', note: null });
  await page.getByRole('button', { name: 'Edit row id 15' }).click();
  const editing = page.locator('#rows tbody tr.editing');
  await editing.getByLabel('status').fill('refunded');
  await editing.getByLabel('amount').fill('149.5');
  assert.equal(await editing.getByLabel('note').getAttribute('placeholder'), 'NULL');
  await screenshot(page, 'flow-tables-editing');
  await editing.getByRole('button', { name: 'Save row id 15' }).click();
  await page.locator('#summary').getByText('Saved row id 15.').waitFor();
  assert.deepEqual(row(15), { id: 15, customer_id: 1, amount: 149.5, status: 'refunded', note: null });
  await range.getByText('Rows 11–20 of 30').waitFor();
  assert.ok((await column(page, 'status')).includes('refunded'), 'the page shows the saved row');

  // A change the database refuses (CHECK amount >= 0): the error shows, nothing is written, the row stays in edit.
  await page.getByRole('button', { name: 'Edit row id 15' }).click();
  await editing.getByLabel('amount').fill('-1');
  await editing.getByLabel('amount').press('Enter');
  await page.locator('#results > .form-error[data-code="constraint_violation"]').waitFor();
  assert.equal(await editing.count(), 1);
  assert.equal(row(15).amount, 149.5);
  await screenshot(page, 'flow-tables-refused');
  await editing.getByLabel('amount').press('Escape');
  await page.getByRole('button', { name: 'Edit row id 15' }).waitFor();
  assert.equal(await page.locator('#results > .form-error').textContent(), '');
  assertNoProblems(problems, 'editing orders', [409]);
  reset();
});
