// The table browser: pick a REST database (GET /api/databases) and a table of its OpenAPI 3.1 document, read its rows
// a page at a time with a filter and a sort order, and edit a row in place (PATCH where the primary key equals).
// The choice of database and table is kept in the URL (?db=…&table=…), so a reload or a link comes back to it.
import { MonoliteError } from '../sdk/monolite.js';
import { bindForm, clearErrors, formValues, ml, setupPage, showError, thisPage } from './ui.js';

setupPage();

const $ = (id) => document.getElementById(id);
const dbSelect = $('database');
const tableSelect = $('table');
const sizeSelect = $('page-size');
const filterForm = $('filter');
const fieldSelect = $('filter-field');
const results = $('results');
const summary = $('summary');
const notice = $('notice');
const caption = $('caption');
const thead = $('rows').tHead;
const tbody = $('rows').tBodies[0];
const prev = $('prev');
const next = $('next');
const range = $('range');

const view = {
  db: '',
  /** The tables of the database: {name, columns, key, writable, public}. */
  tables: [],
  table: null,
  /** {field, op, value} or null. */
  filter: null,
  /** {column, descending} or null. */
  order: null,
  offset: 0,
  limit: Number(sizeSelect.value),
  rows: [],
  total: null,
  /** The index of the row being edited, or -1. */
  editing: -1,
};
// Every load takes a number; an answer to a superseded load is dropped, so a slow answer never overwrites a newer one.
let generation = 0;

/** The tables of an OpenAPI document: each GET /<table>/ path, with its columns from components.schemas. */
function tablesOf(doc) {
  const schemas = doc.components?.schemas ?? {};
  const tables = [];
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    const match = /^\/([^/]+)\/$/.exec(path);
    if (match === null || !item.get) continue;
    const name = match[1];
    const columns = Object.entries(schemas[name]?.properties ?? {}).map(([column, schema]) => {
      const types = Array.isArray(schema.type) ? schema.type : schema.type === undefined ? [] : [schema.type];
      return {
        name: column,
        type: types.find((t) => t !== 'null') ?? '',
        nullable: types.length === 0 || types.includes('null'),
        readOnly: schema.readOnly === true,
        binary: schema.contentEncoding === 'base64',
      };
    });
    // x-primary-key lists the columns that identify a row; without one (views, tables with no declared key) rows are
    // read-only here, since an update by any other column could change several rows.
    const key = Array.isArray(schemas[name]?.['x-primary-key']) ? schemas[name]['x-primary-key'] : [];
    const security = item.get.security;
    tables.push({ name, columns, key, writable: Boolean(item.patch) && key.length > 0, public: Array.isArray(security) && security.length === 0 });
  }
  return tables;
}

/** "id 7", or "order_id 3, line 2" for a composite key. */
function rowName(table, row) {
  return table.key.map((column) => `${column} ${row[column]}`).join(', ');
}

function option(value, text) {
  const el = document.createElement('option');
  el.value = value;
  el.textContent = text;
  return el;
}

function button(text, label, onClick, className = '') {
  const el = document.createElement('button');
  el.type = 'button';
  el.textContent = text;
  el.setAttribute('aria-label', label);
  if (className) el.className = className;
  el.addEventListener('click', onClick);
  return el;
}

function signInNotice(text) {
  const p = document.createElement('p');
  const link = document.createElement('a');
  link.href = `login.html?next=${encodeURIComponent(thisPage())}`;
  link.textContent = 'Sign in';
  p.append(text, ' ', link, ' with an account that has the scope.');
  notice.replaceChildren(p);
}

async function start() {
  const query = new URLSearchParams(location.search);
  let databases;
  try {
    databases = await ml.databases();
  } catch (err) {
    showError(results, err);
    return;
  }
  if (databases.length === 0) {
    notice.textContent = 'This server serves no REST database: configure one under [rest.databases.<name>] (see the README).';
    dbSelect.disabled = tableSelect.disabled = true;
    return;
  }
  dbSelect.replaceChildren(...databases.map((d) => option(d.name, d.title && d.title !== d.name ? `${d.title} (${d.name})` : d.name)));
  if (databases.some((d) => d.name === query.get('db'))) dbSelect.value = query.get('db');
  await pickDatabase(query.get('table'));
}

async function pickDatabase(wantedTable) {
  const mine = ++generation;
  view.db = dbSelect.value;
  clearErrors(results);
  let doc;
  try {
    doc = await ml.db(view.db).schema();
  } catch (err) {
    if (mine === generation) showError(results, err);
    return;
  }
  if (mine !== generation) return;
  view.tables = tablesOf(doc);
  tableSelect.replaceChildren(...view.tables.map((t) => option(t.name, t.name)));
  if (view.tables.some((t) => t.name === wantedTable)) tableSelect.value = wantedTable;
  await pickTable();
}

async function pickTable() {
  view.table = view.tables.find((t) => t.name === tableSelect.value) ?? null;
  view.filter = null;
  view.order = null;
  view.offset = 0;
  filterForm.reset();
  fieldSelect.replaceChildren(...(view.table?.columns ?? []).map((c) => option(c.name, c.name)));
  history.replaceState(null, '', `?${new URLSearchParams({ db: view.db, table: view.table?.name ?? '' })}`);
  summary.textContent = '';
  await loadRows();
}

/** Reads the current page; errors go to `errorTarget` (the filter form when the filter caused the load). */
async function loadRows(errorTarget = results) {
  const mine = ++generation;
  const table = view.table;
  clearErrors(results);
  clearErrors(filterForm);
  notice.replaceChildren();
  view.editing = -1;
  view.rows = [];
  view.total = null;
  if (table === null) {
    notice.textContent = 'This database has no table or view you can read.';
    render();
    return;
  }
  if (!table.public && !ml.auth.isValid) {
    signInNotice(`Reading ${table.name} needs a token with its read scope.`);
    render();
    return;
  }
  let query = ml.db(view.db).table(table.name).limit(view.limit).offset(view.offset);
  if (view.order) query = query.order(`${view.order.descending ? '-' : ''}${view.order.column}`);
  if (view.filter) query = query.where(view.filter.field, view.filter.op, filterValue(view.filter));
  results.setAttribute('aria-busy', 'true');
  try {
    const answer = await query.get();
    if (mine !== generation) return;
    view.rows = answer?.rows ?? [];
    view.total = answer?.range?.total ?? null;
  } catch (err) {
    if (mine !== generation) return;
    showError(errorTarget, err);
    if (err instanceof MonoliteError && (err.status === 401 || err.status === 403)) signInNotice(err.status === 401 ? 'The session ended.' : 'This account lacks the scope.');
  } finally {
    if (mine === generation) results.removeAttribute('aria-busy');
  }
  render();
}

function filterValue({ op, value }) {
  if (op === 'in') return value.split(',').map((v) => v.trim());
  if (op === 'is') return value.trim().toLowerCase();
  return value;
}

function render() {
  const table = view.table;
  caption.textContent = table === null ? '' : `${view.db} · ${table.name}${table.writable ? '' : ' (read only)'}`;
  const head = document.createElement('tr');
  for (const column of table?.columns ?? []) head.append(headerCell(column));
  if (table?.writable) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = 'Actions';
    head.append(th);
  }
  thead.replaceChildren(head);
  tbody.replaceChildren(...view.rows.map((row, index) => rowElement(row, index)));
  const n = view.rows.length;
  if (n === 0) range.textContent = view.offset > 0 ? 'No rows on this page.' : 'No rows.';
  else range.textContent = `Rows ${view.offset + 1}–${view.offset + n}${view.total === null ? '' : ` of ${view.total}`}`;
  prev.disabled = view.offset === 0;
  next.disabled = view.total === null ? n < view.limit : view.offset + n >= view.total;
}

function headerCell(column) {
  const th = document.createElement('th');
  th.scope = 'col';
  const sorted = view.order?.column === column.name ? (view.order.descending ? 'descending' : 'ascending') : 'none';
  th.setAttribute('aria-sort', sorted);
  const b = document.createElement('button');
  b.type = 'button';
  b.setAttribute('data-column', column.name);
  const mark = document.createElement('span');
  mark.className = 'sort-mark';
  mark.setAttribute('aria-hidden', 'true');
  mark.textContent = sorted === 'ascending' ? '▲' : sorted === 'descending' ? '▼' : '↕';
  b.append(column.name, mark);
  b.addEventListener('click', () => sortBy(column.name));
  th.append(b);
  return th;
}

function editable(column) {
  return !column.readOnly && !column.binary && !view.table.key.includes(column.name);
}

function rowElement(row, index) {
  const table = view.table;
  const editing = view.editing === index;
  const tr = document.createElement('tr');
  if (editing) tr.className = 'editing';
  for (const column of table.columns) {
    const td = document.createElement('td');
    const value = row[column.name];
    if (editing && editable(column)) {
      const input = document.createElement('input');
      input.type = 'text';
      input.name = column.name;
      input.id = `edit-${column.name}`;
      input.autocomplete = 'off';
      input.value = value === null || value === undefined ? '' : String(value);
      if (value === null) input.placeholder = 'NULL';
      if (column.type === 'integer' || column.type === 'number') input.inputMode = 'decimal';
      input.setAttribute('aria-label', column.name);
      td.append(input);
    } else if (value === null || value === undefined) {
      const span = document.createElement('span');
      span.className = 'null';
      span.textContent = 'NULL';
      td.append(span);
    } else {
      td.textContent = typeof value === 'object' ? JSON.stringify(value) : String(value);
      if (td.textContent.length > 40) td.className = 'wrap';
    }
    tr.append(td);
  }
  if (table.writable) {
    const td = document.createElement('td');
    td.className = 'row-actions';
    const name = rowName(table, row);
    if (editing) {
      td.append(button('Save', `Save row ${name}`, () => save(index)), button('Cancel', `Cancel editing row ${name}`, cancel, 'secondary'));
      tr.addEventListener('keydown', (event) => {
        if (event.key === 'Enter' && event.target instanceof HTMLInputElement) save(index);
        else if (event.key === 'Escape') cancel();
      });
    } else {
      td.append(button('Edit', `Edit row ${name}`, () => edit(index), 'secondary'));
    }
    tr.append(td);
  }
  return tr;
}

function edit(index) {
  clearErrors(results);
  summary.textContent = '';
  view.editing = index;
  render();
  tbody.rows[index].querySelector('input')?.focus();
}

function cancel() {
  const index = view.editing;
  clearErrors(results);
  view.editing = -1;
  render();
  tbody.rows[index]?.querySelector('button')?.focus();
}

/** What an edited cell's text is sent as: numbers for numeric columns, null for an emptied nullable number. */
function parseInput(text, column) {
  const numeric = column.type === 'integer' || column.type === 'number';
  const trimmed = text.trim();
  if (numeric && trimmed === '' && column.nullable) return null;
  if (numeric && /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(trimmed)) {
    const n = Number(trimmed);
    // Beyond 2^53 a JSON number would be rounded: the digits go as text, which SQLite's affinity stores as an integer.
    return column.type === 'integer' && !Number.isSafeInteger(n) ? trimmed : n;
  }
  return text;
}

async function save(index) {
  const table = view.table;
  const row = view.rows[index];
  const tr = tbody.rows[index];
  const changes = {};
  for (const input of tr.querySelectorAll('input')) {
    const column = table.columns.find((c) => c.name === input.name);
    const before = row[column.name];
    // Only what the user changed is sent: an untouched cell keeps its exact stored value (NULL, big integers).
    if (input.value === (before === null || before === undefined ? '' : String(before))) continue;
    changes[column.name] = parseInput(input.value, column);
  }
  if (Object.keys(changes).length === 0) {
    cancel();
    summary.textContent = 'Nothing changed.';
    return;
  }
  clearErrors(results);
  const buttons = [...tr.querySelectorAll('button')];
  for (const b of buttons) b.disabled = true;
  try {
    const query = ml.db(view.db).table(table.name);
    for (const column of table.key) query.where(column, 'eq', row[column]);
    const updated = await query.update(changes);
    summary.textContent = updated === 1 ? `Saved row ${rowName(table, row)}.` : `Saved: ${updated} rows updated.`;
  } catch (err) {
    for (const b of buttons) b.disabled = false;
    showError(results, err);
    // The disabled Save button lost the focus: back to the row's first cell, to correct it.
    if (document.activeElement === document.body) tr.querySelector('input')?.focus();
    return;
  }
  await loadRows();
}

function sortBy(column) {
  const descending = view.order?.column === column ? !view.order.descending : false;
  view.order = { column, descending };
  view.offset = 0;
  summary.textContent = '';
  loadRows().then(() => thead.querySelector(`button[data-column="${CSS.escape(column)}"]`)?.focus());
}

bindForm(filterForm, async () => {
  const { field, op, value } = formValues(filterForm);
  view.filter = field ? { field, op, value } : null;
  view.offset = 0;
  summary.textContent = '';
  await loadRows(filterForm);
});

$('filter-clear').addEventListener('click', () => {
  filterForm.reset();
  view.filter = null;
  view.offset = 0;
  summary.textContent = '';
  loadRows();
});

dbSelect.addEventListener('change', () => pickDatabase(null));
tableSelect.addEventListener('change', () => pickTable());
sizeSelect.addEventListener('change', () => {
  view.limit = Number(sizeSelect.value);
  view.offset = 0;
  loadRows();
});
prev.addEventListener('click', () => {
  view.offset = Math.max(0, view.offset - view.limit);
  summary.textContent = '';
  loadRows();
});
next.addEventListener('click', () => {
  view.offset += view.limit;
  summary.textContent = '';
  loadRows();
});
// Signing in or out in another tab changes what can be read (a token refresh does not: an edit in progress stays).
let signedIn = ml.auth.isValid;
ml.auth.onChange(() => {
  if (ml.auth.isValid === signedIn) return;
  signedIn = ml.auth.isValid;
  loadRows();
});

start();
