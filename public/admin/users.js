// The users view: accounts with search and paging (GET /api/admin/users), and one account in a panel — mark it
// verified, replace its scopes, end every session, delete it (the last two after a confirmation).
import { ml } from '../js/ui.js';
import { confirmAction } from './confirm.js';
import { Pager, busy, button, clear, el, fillFacts, messageRow, report, row, sayInSection } from './elements.js';
import { timeElement } from './format.js';

const PAGE = 20;
const COLUMNS = 7;

/** The users view of `section` (#view-users). */
export function createUsersView(section) {
  const form = section.querySelector('#users-search');
  const tbody = section.querySelector('#users-table tbody');
  const detail = section.querySelector('#user-detail');
  const heading = detail.querySelector('#user-detail-title');
  const facts = detail.querySelector('#user-facts');
  const scopesForm = detail.querySelector('#user-scopes');
  const scopesInput = detail.querySelector('#user-scopes-input');
  const verifyButton = detail.querySelector('#user-verify');
  const revokeButton = detail.querySelector('#user-revoke');
  const deleteButton = detail.querySelector('#user-delete');
  const pager = new Pager(section.querySelector('.pager'), PAGE, (offset) => load(offset));
  let search = '';
  let offset = 0;
  /** The account in the panel, or null. */
  let shown = null;
  // An answer to a superseded load is dropped, so a slow answer never overwrites a newer one.
  let generation = 0;

  async function load(at = offset) {
    const mine = ++generation;
    clear(section);
    section.setAttribute('aria-busy', 'true');
    try {
      const query = { limit: PAGE, offset: at };
      if (search !== '') query.search = search;
      const answer = await ml.send('GET', '/api/admin/users', { query });
      if (mine !== generation) return;
      offset = at;
      tbody.replaceChildren(...(answer.users.length === 0
        ? [messageRow(COLUMNS, search === '' ? 'No accounts yet.' : `No account matches "${search}".`)]
        : answer.users.map(userRow)));
      pager.update('Users', offset, answer.users.length, answer.total);
    } catch (err) {
      if (mine === generation) report(section, err);
    } finally {
      if (mine === generation) section.removeAttribute('aria-busy');
    }
  }

  function userRow(user) {
    return row([
      String(user.id),
      user.email,
      user.name || null,
      user.verified ? 'yes' : 'no',
      user.scopes.length > 0 ? user.scopes.join(' ') : null,
      timeElement(user.created),
      showButton(user),
    ]);
  }

  function showButton(user) {
    const b = button('Show', () => open(user.id), { label: `Show user ${user.email}`, className: 'secondary' });
    b.setAttribute('data-user-id', String(user.id));
    return b;
  }

  async function open(id) {
    clear(detail);
    try {
      render(await ml.send('GET', `/api/admin/users/${id}`));
      heading.focus();
    } catch (err) {
      report(section, err);
    }
  }

  function render(user) {
    shown = user;
    detail.hidden = false;
    heading.textContent = `User ${user.id}: ${user.email}`;
    fillFacts(facts, [
      ['Id', user.id],
      ['Email', user.email],
      ['Name', user.name],
      ['Verified', user.verified ? 'yes' : 'no'],
      ['Scopes', user.scopes.join(' ')],
      ['Password', user.has_password ? 'set' : 'none (OAuth2 only)'],
      ['Created', timeElement(user.created)],
      ['Updated', timeElement(user.updated)],
    ]);
    scopesInput.value = user.scopes.join(' ');
    verifyButton.hidden = user.verified;
  }

  function close() {
    const id = shown?.id;
    shown = null;
    detail.hidden = true;
    // Back to the row's Show button, where the admin came from.
    (tbody.querySelector(`button[data-user-id="${id}"]`) ?? section.querySelector('h2')).focus();
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    search = String(new FormData(form).get('search') ?? '').trim();
    load(0);
  });

  scopesForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const user = shown;
    const scopes = scopesInput.value.split(/\s+/).filter(Boolean);
    clear(detail);
    busy(detail, [...detail.querySelectorAll('button')], async () => {
      render(await ml.send('PUT', `/api/admin/users/${user.id}/scopes`, { body: { scopes } }));
      sayInSection(detail, scopes.length === 0 ? 'Scopes removed.' : `Scopes saved: ${scopes.join(' ')}.`);
      load();
    });
  });

  verifyButton.addEventListener('click', () => {
    const user = shown;
    clear(detail);
    busy(detail, [...detail.querySelectorAll('button')], async () => {
      render(await ml.send('POST', `/api/admin/users/${user.id}/verify`));
      sayInSection(detail, `${user.email} is verified.`);
      // The button is hidden now; keep the focus in the panel.
      heading.focus();
      load();
    });
  });

  revokeButton.addEventListener('click', async () => {
    const user = shown;
    clear(detail);
    const sure = await confirmAction({
      title: 'Revoke every session?',
      message: `Every session of ${user.email} ends now: they must sign in again on every device.`,
      confirmLabel: 'Revoke sessions',
    });
    if (!sure) return;
    busy(detail, [...detail.querySelectorAll('button')], async () => {
      await ml.send('POST', `/api/admin/users/${user.id}/revoke`);
      sayInSection(detail, `Every session of ${user.email} has ended.`);
    });
  });

  deleteButton.addEventListener('click', async () => {
    const user = shown;
    clear(detail);
    const sure = await confirmAction({
      title: 'Delete this account?',
      message: `${user.email} (user ${user.id}) and its OAuth2 links are deleted for good. This cannot be undone.`,
      confirmLabel: 'Delete account',
    });
    if (!sure) return;
    busy(detail, [...detail.querySelectorAll('button')], async () => {
      await ml.send('DELETE', `/api/admin/users/${user.id}`);
      shown = null;
      detail.hidden = true;
      await load();
      sayInSection(section, `Deleted ${user.email}.`);
      section.querySelector('h2').focus();
    });
  });

  detail.querySelector('#user-close').addEventListener('click', close);

  return {
    show() {
      load();
    },
    hide() {},
  };
}
