// The admin console: checks that the visitor's session has the admin scope (else a sign-in link or a "needs the admin
// scope" message), then shows one view at a time by the URL's hash (#dashboard, #users, #jobs, #logs, #config,
// #backups), moving the focus to the view's heading when the admin switches views.
import { MonoliteError } from '../sdk/monolite.js';
import { ml, setupPage } from '../js/ui.js';
import { createDashboard } from './dashboard.js';
import { createUsersView } from './users.js';
import { createJobsView } from './jobs.js';
import { createLogsView } from './logs.js';
import { createConfigView } from './config.js';
import { createBackupsView } from './backups.js';
import { el, onAccessLost, report } from './elements.js';

setupPage();

const $ = (id) => document.getElementById(id);
const gate = $('gate');
const gateTitle = $('gate-title');
const gateText = $('gate-text');
const consoleArea = $('console');
const announcer = $('announcer');

const TITLES = { dashboard: 'Dashboard', users: 'Users', jobs: 'Jobs', logs: 'Logs', config: 'Configuration', backups: 'Backups' };
const sections = Object.fromEntries(Object.keys(TITLES).map((name) => [name, $(`view-${name}`)]));
const views = {
  dashboard: createDashboard(sections.dashboard),
  users: createUsersView(sections.users),
  jobs: createJobsView(sections.jobs),
  logs: createLogsView(sections.logs),
  config: createConfigView(sections.config),
  backups: createBackupsView(sections.backups),
};
/** The view shown, or null while the console is closed. */
let current = null;

function requestedView() {
  const name = location.hash.slice(1);
  return Object.hasOwn(TITLES, name) ? name : 'dashboard';
}

/** Where the sign-in page sends the admin back to: this page, at the same view. */
function signInHref() {
  return `../login.html?next=${encodeURIComponent(`admin/#${requestedView()}`)}`;
}

/** Shows the view the hash names; `focus` moves the focus to its heading (a switch, not the first load). */
function route(focus) {
  if (consoleArea.hidden) return;
  const name = requestedView();
  if (name === current) return;
  if (current !== null) {
    views[current].hide();
    sections[current].hidden = true;
  }
  current = name;
  sections[name].hidden = false;
  for (const link of document.querySelectorAll('[data-view-link]')) {
    if (link.getAttribute('data-view-link') === name) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  document.title = `${TITLES[name]} · Admin console · monolite`;
  document.body.setAttribute('data-view', name);
  views[name].show();
  if (focus) sections[name].querySelector('h2').focus();
}

function closeConsole() {
  if (current !== null) {
    views[current].hide();
    sections[current].hidden = true;
    current = null;
  }
  consoleArea.hidden = true;
  document.body.removeAttribute('data-view');
}

function openConsole() {
  gate.hidden = true;
  consoleArea.hidden = false;
  document.body.setAttribute('data-access', 'admin');
  route(false);
}

/** Shows why the console is closed: `reason` is 'signed-out', 'forbidden' or 'error' (with `err`). */
function showGate(reason, err) {
  closeConsole();
  gate.hidden = false;
  document.body.setAttribute('data-access', reason);
  const link = el('a', { href: signInHref(), text: reason === 'forbidden' ? 'Sign in with another account' : 'Sign in' });
  $('nav-sign-in').href = signInHref();
  gate.querySelector('.form-error').textContent = '';
  if (reason === 'signed-out') {
    gateTitle.textContent = 'Sign in to use the admin console';
    gateText.replaceChildren('The admin console needs the session of an account with the ', el('code', { text: 'admin' }), ' scope. ', link, '.');
  } else if (reason === 'forbidden') {
    gateTitle.textContent = 'This account needs the admin scope';
    gateText.replaceChildren(
      `You are signed in as ${ml.auth.record?.email ?? 'an account'}, which lacks the `, el('code', { text: 'admin' }),
      ' scope. An admin can grant it in this console, or on the server: ',
      // set-scopes replaces the scopes: the ones the account has now are kept in the suggestion.
      el('code', { text: `monolite users set-scopes ${ml.auth.record?.email ?? 'EMAIL'} "${[...ml.auth.scopes, 'admin'].join(' ')}"` }), '. ', link, '.',
    );
  } else {
    gateTitle.textContent = 'The admin API could not be reached';
    const retry = el('button', { type: 'button', className: 'secondary', text: 'Try again' });
    retry.addEventListener('click', start);
    gateText.replaceChildren(retry);
    report(gate, err);
  }
  announcer.textContent = gateTitle.textContent;
}

/** Asks the server (the scopes of the account count, not the token's) whether this session may use the admin API. */
async function start() {
  closeConsole();
  if (!ml.auth.isValid) {
    showGate('signed-out');
    return;
  }
  gate.hidden = false;
  gateTitle.textContent = 'Checking your access…';
  gateText.replaceChildren();
  try {
    await ml.send('GET', '/api/admin/stats');
  } catch (err) {
    if (err instanceof MonoliteError && err.status === 401) showGate('signed-out');
    else if (err instanceof MonoliteError && err.status === 403) showGate('forbidden');
    else showGate('error', err);
    return;
  }
  openConsole();
}

onAccessLost((err) => showGate(err.status === 401 || !ml.auth.isValid ? 'signed-out' : 'forbidden'));

window.addEventListener('hashchange', () => {
  if (consoleArea.hidden) $('nav-sign-in').href = signInHref();
  route(true);
});

$('sign-out').addEventListener('click', () => ml.logout());

// Signing in or out (here or in another tab) opens or closes the console; a token refresh changes nothing.
let signedIn = ml.auth.isValid;
ml.auth.onChange(() => {
  if (ml.auth.isValid === signedIn) return;
  signedIn = ml.auth.isValid;
  start();
});

start();
