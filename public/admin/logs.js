// The logs view: records of logs.db by level, time range and text, newest first (GET /api/admin/logs), a page at a
// time; "Older records" continues below the last one shown with the page's next_before.
import { ml } from '../js/ui.js';
import { clear, el, messageRow, report, row } from './elements.js';
import { localInputToIso, timeElement } from './format.js';

const PAGE = 100;
const COLUMNS = 5;

/** The logs view of `section` (#view-logs). */
export function createLogsView(section) {
  const form = section.querySelector('#logs-filter');
  const tbody = section.querySelector('#logs-table tbody');
  const count = section.querySelector('#logs-count');
  const older = section.querySelector('#logs-older');
  let filter = {};
  let shown = 0;
  let nextBefore = null;
  let generation = 0;

  /** The first page for the filter (`more` false), or the next older one. */
  async function load(more) {
    const mine = ++generation;
    clear(section);
    section.setAttribute('aria-busy', 'true');
    older.disabled = true;
    try {
      const query = { ...filter, limit: PAGE };
      if (more) query.before = nextBefore;
      const answer = await ml.send('GET', '/api/admin/logs', { query });
      if (mine !== generation) return;
      const rows = answer.records.map(recordRow);
      if (more) tbody.append(...rows);
      else tbody.replaceChildren(...(rows.length === 0 ? [messageRow(COLUMNS, 'No record matches.')] : rows));
      shown = (more ? shown : 0) + answer.records.length;
      nextBefore = answer.next_before;
      count.textContent = `${shown} record${shown === 1 ? '' : 's'} shown${nextBefore === null ? ', no older ones.' : '.'}`;
      older.disabled = nextBefore === null;
    } catch (err) {
      if (mine === generation) {
        report(section, err);
        older.disabled = nextBefore === null;
      }
    } finally {
      if (mine === generation) section.removeAttribute('aria-busy');
    }
  }

  function recordRow(record) {
    const fields = record.fields && Object.keys(record.fields).length > 0 ? el('code', { text: JSON.stringify(record.fields) }) : null;
    const tr = row([timeElement(record.time), el('span', { className: `badge level-${record.level}`, text: record.level }), record.message, fields, record.request_id || null]);
    tr.cells[2].className = 'wrap';
    if (fields !== null) tr.cells[3].className = 'wrap';
    return tr;
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const values = new FormData(form);
    const next = {};
    const level = String(values.get('level') ?? '');
    const since = localInputToIso(String(values.get('since') ?? ''));
    const until = localInputToIso(String(values.get('until') ?? ''));
    const q = String(values.get('q') ?? '').trim();
    if (level !== '') next.level = level;
    if (since !== '') next.since = since;
    if (until !== '') next.until = until;
    if (q !== '') next.q = q;
    filter = next;
    load(false);
  });

  older.addEventListener('click', () => load(true));

  return {
    show() {
      load(false);
    },
    hide() {},
  };
}
