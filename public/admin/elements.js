// Small DOM builders shared by the admin views: elements with text (never HTML from data), buttons, table rows, the
// pager under each table, and how an error is shown — a lost session or a missing admin scope leaves the console.
import { MonoliteError } from '../sdk/monolite.js';
import { clearErrors, showError } from '../js/ui.js';

/**
 * `<tag>` with `attrs` (set as attributes; `text` becomes its textContent, `className` its class) and `children`
 * (nodes, or strings added as text).
 */
export function el(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'text') node.textContent = String(value);
    else if (name === 'className') node.className = String(value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  node.append(...children);
  return node;
}

/** A button that runs `onClick`; `label` is its accessible name when the visible text alone is ambiguous in a table. */
export function button(text, onClick, { label, className } = {}) {
  const b = el('button', { type: 'button', text, className, 'aria-label': label });
  b.addEventListener('click', onClick);
  return b;
}

/** A table row of cells: strings become text, nodes are added as they are, null shows a dash. */
export function row(cells) {
  return el('tr', {}, cells.map((cell) => {
    if (cell === null || cell === undefined) return el('td', { className: 'muted', text: '–' });
    if (cell instanceof Node) return el('td', {}, [cell]);
    return el('td', { text: cell });
  }));
}

/** A row spanning every column, with a message (an empty table still says why). */
export function messageRow(columns, text) {
  return el('tr', {}, [el('td', { colspan: columns, className: 'muted', text })]);
}

/** A `<dl>` filled with [term, value] pairs; values as in row(). */
export function fillFacts(dl, pairs) {
  dl.replaceChildren(...pairs.flatMap(([term, value]) => [
    el('dt', { text: term }),
    value instanceof Node ? el('dd', {}, [value]) : el('dd', { text: value === null || value === undefined || value === '' ? '–' : String(value) }),
  ]));
}

/** The previous/next pager under a table (nav with [data-page] prev, range and next); calls `go(offset)`. */
export class Pager {
  #prev;
  #next;
  #range;
  #offset = 0;
  #limit;

  constructor(nav, limit, go) {
    this.#prev = nav.querySelector('[data-page="prev"]');
    this.#next = nav.querySelector('[data-page="next"]');
    this.#range = nav.querySelector('[data-page="range"]');
    this.#limit = limit;
    this.#prev.addEventListener('click', () => go(Math.max(0, this.#offset - this.#limit)));
    this.#next.addEventListener('click', () => go(this.#offset + this.#limit));
  }


  /** Shows "Users 1–20 of 45" for a page of `count` items at `offset` out of `total`. */
  update(noun, offset, count, total) {
    this.#offset = offset;
    this.#range.textContent = count === 0
      ? (offset > 0 ? `No ${noun.toLowerCase()} on this page.` : `No ${noun.toLowerCase()}.`)
      : `${noun} ${offset + 1}–${offset + count} of ${total}`;
    this.#prev.disabled = offset === 0;
    this.#next.disabled = offset + count >= total;
  }
}

const lostListeners = [];

/** Calls `listener(err)` when an answer says the session ended (401) or lacks the admin scope (403). */
export function onAccessLost(listener) {
  lostListeners.push(listener);
}

/**
 * Shows `err` in `container` (its error box, fields marked); a 401 or a 403 `forbidden` also tells the console,
 * which then shows the sign-in or "needs the admin scope" message instead of the views.
 */
export function report(container, err) {
  showError(container, err);
  if (err instanceof MonoliteError && (err.status === 401 || (err.status === 403 && err.code === 'forbidden'))) {
    for (const listener of lostListeners) listener(err);
  }
}

/** Puts `text` into `container`'s own status region (a polite live region, a direct child). */
export function sayInSection(container, text) {
  const status = container.querySelector(':scope > .status');
  if (status) status.textContent = text;
}

/** Clears what report() and sayInSection() put into `container`. */
export function clear(container) {
  clearErrors(container);
  const status = container.querySelector(':scope > .status');
  if (status) status.textContent = '';
}

/** Runs `action` with `buttons` disabled (a double click sends nothing twice); errors go to `container`. */
export async function busy(container, buttons, action) {
  for (const b of buttons) b.disabled = true;
  container.setAttribute('aria-busy', 'true');
  try {
    await action();
  } catch (err) {
    report(container, err);
  } finally {
    for (const b of buttons) b.disabled = false;
    container.removeAttribute('aria-busy');
  }
}
