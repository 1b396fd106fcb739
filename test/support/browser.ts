// Test support: headless Chromium (Debian's package, /usr/bin/chromium) driven by playwright-core, with what went wrong
// on each page collected (console errors, uncaught page errors, failed requests, error responses, CSP violations) and
// screenshots saved under test-artifacts/screenshots/ for CI to keep.
import assert from 'node:assert/strict';
import { accessSync, constants, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ROOT } from './process.ts';

/** The browser binary; MONOLITE_CHROMIUM points elsewhere. */
export const CHROMIUM = process.env.MONOLITE_CHROMIUM || '/usr/bin/chromium';
export const SCREENSHOTS = join(ROOT, 'test-artifacts', 'screenshots');

// Headless, and quiet: no update checks, no sync, no QUIC probes or first-run pages that would send traffic elsewhere.
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--disable-quic', '--no-first-run'];

// The init script reports `securitypolicyviolation` events as console messages starting with this mark.
const CSP_MARK = '[monolite-test csp-violation]';

// Reports CSP violations, and counts the page's fetches in flight for settle(): Playwright's 'networkidle' waits
// 500 ms of silence on every page, which made the page tests three times slower.
const INIT_SCRIPT = `
document.addEventListener('securitypolicyviolation', (e) => console.warn(${JSON.stringify(CSP_MARK)} + ' ' +
  e.effectiveDirective + ' blocked ' + (e.blockedURI || '(inline)') + ' in ' + e.sourceFile + ':' + e.lineNumber));
(() => {
  const fetch = window.fetch;
  let inFlight = 0;
  let last = performance.now();
  const done = () => { inFlight--; last = performance.now(); };
  window.fetch = function (...args) {
    inFlight++;
    last = performance.now();
    const answer = fetch.apply(this, args);
    answer.then(done, done);
    return answer;
  };
  Object.defineProperty(window, '__monoliteQuietFor', { value: (ms) => inFlight === 0 && performance.now() - last >= ms });
})();
`;

export type Launched = { browser: Browser; skip?: undefined } | { browser?: undefined; skip: string };

/**
 * Starts Chromium through playwright-core. When either is missing: a reason to skip the tests with, or a failure
 * under CI=true (.ci/run installs the chromium package and the dev dependencies).
 */
export async function launchBrowser(): Promise<Launched> {
  let reason: string | undefined;
  let chromium: typeof import('playwright-core').chromium | undefined;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch {
    reason = 'playwright-core is not installed (a dev dependency: npm install)';
  }
  if (reason === undefined) {
    try {
      accessSync(CHROMIUM, constants.X_OK);
    } catch {
      reason = `no Chromium at ${CHROMIUM} (Debian package chromium; or set MONOLITE_CHROMIUM)`;
    }
  }
  if (reason !== undefined) {
    if (process.env.CI === 'true') assert.fail(`${reason} (CI=true requires it)`);
    return { skip: reason };
  }
  return { browser: await chromium!.launch({ executablePath: CHROMIUM, args: ARGS }) };
}

/** What went wrong on the pages of one context, in arrival order. */
export interface Problems {
  consoleErrors: string[];
  pageErrors: string[];
  /** Requests that got no answer (refused, blocked, aborted). */
  failedRequests: string[];
  /** Answers with a status of 400 or more: `<status> <METHOD> <url>`. */
  errorResponses: string[];
  /** Content Security Policy violations, from `securitypolicyviolation` events and Chromium's console reports. */
  cspViolations: string[];
}

export interface Watched {
  context: BrowserContext;
  page: Page;
  problems: Problems;
  /** Forgets what was collected so far (after a step whose errors were expected). */
  reset(): void;
}

/** A new context (own storage) and page, with every problem of every page in it collected. */
export async function watchedPage(browser: Browser, options: { viewport?: { width: number; height: number } } = {}): Promise<Watched> {
  const context = await browser.newContext({ viewport: options.viewport ?? { width: 1024, height: 768 } });
  // A string (the project's type check has no DOM library): it runs in every page before the page's own scripts.
  await context.addInitScript({ content: INIT_SCRIPT });
  const problems: Problems = { consoleErrors: [], pageErrors: [], failedRequests: [], errorResponses: [], cspViolations: [] };
  const page = await context.newPage();
  page.on('console', (message) => {
    const text = message.text();
    if (text.startsWith(CSP_MARK)) problems.cspViolations.push(text.slice(CSP_MARK.length + 1));
    else if (message.type() === 'error') {
      problems.consoleErrors.push(`${text} (${message.location().url})`);
      if (/Content.Security.Policy/i.test(text)) problems.cspViolations.push(text);
    }
  });
  page.on('pageerror', (err) => problems.pageErrors.push(err.stack ?? err.message));
  // A load the page left behind by navigating away (a favicon, a fetch cut by location.assign) is aborted by the
  // browser; that is not a failure. It is a request that started before a later navigation, or while one was under
  // way (the old document runs until the new one commits). Any other failed request is a problem.
  let navigations = 0;
  let committed = 0;
  const cutByNavigation = new WeakMap<object, () => boolean>();
  page.on('request', (request) => {
    if (request.isNavigationRequest() && request.frame() === page.mainFrame()) {
      navigations++;
      return;
    }
    const at = navigations;
    const pending = navigations > committed;
    cutByNavigation.set(request, () => pending || at < navigations);
  });
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) committed = navigations;
  });
  page.on('requestfailed', (request) => {
    const error = request.failure()?.errorText ?? '';
    if (error === 'net::ERR_ABORTED' && cutByNavigation.get(request)?.() === true) return;
    problems.failedRequests.push(`${request.method()} ${request.url()}: ${error}`);
  });
  page.on('response', (response) => {
    if (response.status() >= 400) problems.errorResponses.push(`${response.status()} ${response.request().method()} ${response.url()}`);
  });
  const reset = () => {
    for (const list of Object.values(problems)) list.length = 0;
  };
  return { context, page, problems, reset };
}

/**
 * Waits for the page's load event and then until none of its fetches has been in flight for 100 ms (a script that
 * chains requests starts the next one well within that).
 */
export async function settle(page: Page): Promise<void> {
  await page.waitForLoadState('load');
  await page.waitForFunction(() => (globalThis as any).__monoliteQuietFor(100), undefined, { polling: 25 });
}

/** Opens `url` and waits for it to settle. */
export async function visit(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await settle(page);
}

/**
 * Asserts that nothing went wrong. `expected` lists statuses of answers the step provoked on purpose (a wrong password's
 * 401): those answers, and Chromium's console line about them, are allowed.
 */
export function assertNoProblems(problems: Problems, what: string, expected: number[] = []): void {
  const allowed = (status: number) => expected.includes(status);
  const left: Problems = {
    consoleErrors: problems.consoleErrors.filter((line) => {
      const status = /Failed to load resource: the server responded with a status of (\d+)/.exec(line);
      return status === null || !allowed(Number(status[1]));
    }),
    pageErrors: problems.pageErrors,
    failedRequests: problems.failedRequests,
    errorResponses: problems.errorResponses.filter((line) => !allowed(Number(line.split(' ')[0]))),
    cspViolations: problems.cspViolations,
  };
  assert.deepEqual(left, { consoleErrors: [], pageErrors: [], failedRequests: [], errorResponses: [], cspViolations: [] }, `problems on ${what}`);
}

/** Saves a full-page screenshot as test-artifacts/screenshots/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/**
 * The inputs, selects and textareas of the page that have no accessible label (a <label>, aria-label or
 * aria-labelledby); hidden ones are left out.
 */
export async function unlabelledFields(page: Page): Promise<string[]> {
  return page.$$eval('input, select, textarea', (fields: any[]) => fields
    .filter((el) => el.type !== 'hidden' && !el.hidden)
    .filter((el) => el.labels?.length === 0 && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby'))
    .map((el) => String(el.outerHTML)));
}
