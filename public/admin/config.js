// The configuration view: the stored versions of the application configuration (GET /api/admin/config/versions), one
// version's TOML (secrets masked), the unified diff between two chosen versions rendered line by line (added and
// removed lines styled; text set with textContent), and rollback to an old version after a confirmation.
import { ml } from '../js/ui.js';
import { confirmAction } from './confirm.js';
import { busy, button, clear, el, messageRow, report, row, sayInSection } from './elements.js';
import { timeElement } from './format.js';

const COLUMNS = 4;

/** The class of one line of a unified diff; `header` while the file header (---/+++) is being read. */
function lineClass(line, header) {
  if (header && (line.startsWith('--- ') || line.startsWith('+++ '))) return 'diff-file';
  if (line.startsWith('@@')) return 'diff-hunk';
  if (line.startsWith('+')) return 'diff-add';
  if (line.startsWith('-')) return 'diff-del';
  if (line.startsWith('\\')) return 'diff-note';
  return 'diff-context';
}

/** Fills `pre` with the lines of `diff`, one span each; returns the numbers of lines added and removed. */
function renderDiff(pre, diff) {
  const lines = diff.replace(/\n$/, '').split('\n');
  let added = 0;
  let removed = 0;
  let header = true;
  pre.replaceChildren(...lines.map((line) => {
    const kind = lineClass(line, header);
    if (kind === 'diff-hunk') header = false;
    if (kind === 'diff-add') added++;
    if (kind === 'diff-del') removed++;
    return el('span', { className: `diff-line ${kind}`, text: line });
  }));
  pre.classList.add('diff');
  return { added, removed };
}

/** The configuration view of `section` (#view-config). */
export function createConfigView(section) {
  const tbody = section.querySelector('#config-table tbody');
  const diffForm = section.querySelector('#config-diff');
  const fromSelect = section.querySelector('#diff-from');
  const toSelect = section.querySelector('#diff-to');
  const output = section.querySelector('#config-output');
  const outputTitle = output.querySelector('#config-output-title');
  const summary = output.querySelector('#config-output-summary');
  const text = output.querySelector('#config-text');
  let generation = 0;

  async function load() {
    const mine = ++generation;
    clear(section);
    section.setAttribute('aria-busy', 'true');
    try {
      const answer = await ml.send('GET', '/api/admin/config/versions');
      if (mine !== generation) return;
      const versions = answer.versions.slice().sort((a, b) => b.version - a.version);
      const newest = versions[0]?.version;
      tbody.replaceChildren(...(versions.length === 0
        ? [messageRow(COLUMNS, 'No configuration is stored.')]
        : versions.map((v) => versionRow(v, v.version === answer.current, v.version === newest))));
      fillSelects(versions);
      diffForm.hidden = versions.length < 2;
    } catch (err) {
      if (mine === generation) report(section, err);
    } finally {
      if (mine === generation) section.removeAttribute('aria-busy');
    }
  }

  function versionRow(v, current, newest) {
    const name = el('span', {}, [String(v.version)]);
    if (current) name.append(' ', el('span', { className: 'badge status-done', text: 'in force' }));
    const actions = el('span', { className: 'row-buttons' }, [
      button('View', () => view(v.version), { label: `View version ${v.version}`, className: 'secondary' }),
    ]);
    if (!newest) actions.append(button('Roll back', () => rollback(v.version), { label: `Roll back to version ${v.version}`, className: 'danger' }));
    const tr = row([name, timeElement(v.created), v.description || null, actions]);
    tr.setAttribute('data-version', String(v.version));
    return tr;
  }

  function fillSelects(versions) {
    const keep = { from: fromSelect.value, to: toSelect.value };
    const options = () => versions.map((v) => el('option', { value: String(v.version), text: `${v.version}${v.description ? ` (${v.description})` : ''}` }));
    fromSelect.replaceChildren(...options());
    toSelect.replaceChildren(...options());
    // By default the change that made the newest version: the one before it against it.
    fromSelect.value = versions.some((v) => String(v.version) === keep.from) ? keep.from : String(versions[1]?.version ?? '');
    toSelect.value = versions.some((v) => String(v.version) === keep.to) ? keep.to : String(versions[0]?.version ?? '');
  }

  function showOutput(title, note) {
    output.hidden = false;
    outputTitle.textContent = title;
    summary.textContent = note;
    outputTitle.focus();
  }

  async function view(version) {
    clear(section);
    try {
      const stored = await ml.send('GET', `/api/admin/config/versions/${version}`);
      text.classList.remove('diff');
      text.textContent = stored.content;
      text.setAttribute('data-kind', 'version');
      showOutput(`Version ${stored.version}`, `Saved ${new Date(stored.created).toLocaleString()}${stored.description ? `: ${stored.description}` : ''}. Secrets are masked.`);
    } catch (err) {
      report(section, err);
    }
  }

  diffForm.addEventListener('submit', (event) => {
    event.preventDefault();
    clear(section);
    busy(section, [...diffForm.querySelectorAll('button')], async () => {
      const answer = await ml.send('GET', '/api/admin/config/diff', { query: { from: fromSelect.value, to: toSelect.value } });
      text.setAttribute('data-kind', 'diff');
      if (answer.diff === '') {
        text.classList.remove('diff');
        text.textContent = '';
        showOutput(`Version ${answer.from} → version ${answer.to}`, 'The two versions read the same.');
        return;
      }
      const { added, removed } = renderDiff(text, answer.diff);
      showOutput(`Version ${answer.from} → version ${answer.to}`, `${added} line${added === 1 ? '' : 's'} added, ${removed} removed.`);
    });
  });

  async function rollback(version) {
    clear(section);
    const sure = await confirmAction({
      title: `Roll back to version ${version}?`,
      message: `The content of version ${version} is saved as a new version and reloaded now; settings that cannot change live wait for a restart.`,
      confirmLabel: 'Roll back',
    });
    if (!sure) return;
    busy(section, [...section.querySelectorAll('button')], async () => {
      const answer = await ml.send('POST', '/api/admin/config/rollback', { body: { version } });
      await load();
      const reload = answer.reload;
      let outcome;
      if (!reload.ok) outcome = `The reload failed: ${reload.error}`;
      else {
        outcome = reload.changed.length === 0 ? 'Nothing changed in force.' : `Changed: ${reload.changed.join(', ')}.`;
        if (reload.restart_required.length > 0) outcome += ` A restart is needed for: ${reload.restart_required.join(', ')}.`;
      }
      sayInSection(section, `Saved version ${answer.version} with the content of version ${answer.rolled_back_to}. ${outcome}`);
      section.querySelector('h2').focus();
    });
  }

  return {
    show() {
      load();
    },
    hide() {},
  };
}
