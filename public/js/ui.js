// What every example page shares: the SDK client, the signed-in state in the navigation, form submission with a busy
// state, and SDK errors (MonoliteError code, detail, per-field errors) shown next to the form and its fields.
import { Monolite, MonoliteError } from '../sdk/monolite.js';

/** The one client of the page: same origin, session in localStorage (shared by every tab). */
export const ml = new Monolite();

/** Shows the navigation items of the current state ([data-auth="in"] or "out") and keeps them current. */
export function setupPage() {
  const render = () => {
    const signedIn = ml.auth.isValid;
    for (const el of document.querySelectorAll('[data-auth]')) el.hidden = (el.getAttribute('data-auth') === 'in') !== signedIn;
    for (const el of document.querySelectorAll('[data-user-email]')) el.textContent = ml.auth.record?.email ?? '';
  };
  render();
  ml.auth.onChange(render);
}

/**
 * Runs `action(values, form)` on submit instead of a page load: earlier errors are cleared, the form's buttons are
 * disabled while it runs, and what it throws is shown in the form.
 */
export function bindForm(form, action) {
  errorBox(form);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const buttons = [...form.querySelectorAll('button')];
    const focused = document.activeElement;
    for (const b of buttons) b.disabled = true;
    form.setAttribute('aria-busy', 'true');
    try {
      await action(formValues(form), form);
    } catch (err) {
      showError(form, err);
    } finally {
      for (const b of buttons) b.disabled = false;
      form.removeAttribute('aria-busy');
      // A disabled button loses the focus; a keyboard user gets it back where they were (unless an error moved it).
      if (document.activeElement === document.body && focused instanceof HTMLElement && focused.isConnected && !focused.hidden) focused.focus();
    }
  });
}

/** The form's fields as strings, by name (FormData: disabled and unnamed fields are left out). */
export function formValues(form) {
  const values = {};
  for (const [name, value] of new FormData(form)) if (typeof value === 'string') values[name] = value;
  return values;
}

/** Removes the messages showError put into `container` (a form or any element holding an error box). */
export function clearErrors(container) {
  errorBox(container).textContent = '';
  errorBox(container).removeAttribute('data-code');
  for (const p of container.querySelectorAll('.field-error')) p.remove();
  for (const input of container.querySelectorAll('[aria-invalid]')) {
    input.removeAttribute('aria-invalid');
    const described = (input.getAttribute('aria-describedby') ?? '').split(' ').filter((id) => id && !id.endsWith('-error'));
    if (described.length > 0) input.setAttribute('aria-describedby', described.join(' '));
    else input.removeAttribute('aria-describedby');
  }
}

/**
 * Shows `err` in `container`'s error box (an assertive live region) with the server's stable code in data-code; each
 * per-field error goes under its input (matched by name, or by a name listed in data-fields) and marks it invalid.
 */
export function showError(container, err) {
  const box = errorBox(container);
  const problem = err instanceof MonoliteError ? err : null;
  const unplaced = [];
  let first = null;
  for (const fieldError of problem?.errors ?? []) {
    const input = inputFor(container, fieldError.field);
    if (input === null) {
      unplaced.push(`${fieldError.field}: ${fieldError.message}`);
      continue;
    }
    const p = document.createElement('p');
    p.className = 'field-error';
    p.id = `${input.id || input.name}-error`;
    p.textContent = fieldError.message;
    input.insertAdjacentElement('afterend', p);
    input.setAttribute('aria-invalid', 'true');
    input.setAttribute('aria-describedby', [input.getAttribute('aria-describedby'), p.id].filter(Boolean).join(' '));
    first ??= input;
  }
  box.setAttribute('data-code', problem?.code ?? 'error');
  box.textContent = [messageOf(err), ...unplaced].join(' ');
  first?.focus();
}

/** A human sentence for any error the SDK (or the page) threw. */
function messageOf(err) {
  if (!(err instanceof MonoliteError)) return err instanceof Error ? err.message : String(err);
  if (err.code === 'network_error') return 'The server could not be reached. Check the connection and try again.';
  let text = err.detail || err.message || `The request failed (${err.status}).`;
  if (!/[.!?]$/.test(text)) text += '.';
  if (err.retryAfter) text += ` Try again in ${duration(err.retryAfter)}.`;
  return text;
}

/** Puts `text` into the status region (a polite live region) of `container`, adding one at its end if it has none. */
export function say(container, text) {
  let region = container.querySelector('.status');
  if (region === null) {
    region = document.createElement('p');
    region.className = 'status';
    region.setAttribute('role', 'status');
    container.append(region);
  }
  region.textContent = text;
}

/** True when signed in; otherwise fills `container` with a sign-in link that comes back here, and returns false. */
export function requireSignIn(container) {
  if (ml.auth.isValid) return true;
  const p = document.createElement('p');
  const link = document.createElement('a');
  link.href = `login.html?next=${encodeURIComponent(thisPage())}`;
  link.textContent = 'Sign in';
  p.append('You are not signed in. ', link, ' to continue.');
  container.replaceChildren(p);
  return false;
}

/**
 * The page named by `?next=` when it is one of this site's pages (or the admin console, `admin/` with an optional
 * `#view`), else `fallback` (never another origin).
 */
export function nextPage(fallback) {
  const next = new URLSearchParams(location.search).get('next') ?? '';
  return /^(?:[a-z0-9-]+\.html|admin\/(?:#[a-z]+)?)$/.test(next) ? next : fallback;
}

/** This page's file name (index.html for the root). */
export function thisPage() {
  return location.pathname.split('/').pop() || 'index.html';
}

/** Keeps a flow's state (a verification token, the email it was sent to) for this tab only, out of URLs and history. */
export const flowState = {
  save(name, value) { sessionStorage.setItem(`monolite.flow.${name}`, JSON.stringify(value)); },
  load(name) {
    try {
      return JSON.parse(sessionStorage.getItem(`monolite.flow.${name}`) ?? 'null');
    } catch {
      return null;
    }
  },
  clear(name) { sessionStorage.removeItem(`monolite.flow.${name}`); },
};

/**
 * Has a verification code mailed to `email` and keeps the flow's token for the code page; resolves to false (after
 * saying so in `form`) when the address is verified already, so there is nothing to verify.
 */
export async function startVerification(form, email, password) {
  let token;
  try {
    token = await ml.requestVerification(email, password);
  } catch (err) {
    if (!(err instanceof MonoliteError) || err.code !== 'already_verified') throw err;
    say(form, 'This address is already verified: sign in with it.');
    return false;
  }
  flowState.save('verify', { email, token });
  return true;
}

/** Shows one of a page's steps (sections with data-step) and marks it current in the step list; focuses its heading. */
export function showStep(name, focus = true) {
  for (const section of document.querySelectorAll('[data-step]')) section.hidden = section.getAttribute('data-step') !== name;
  for (const li of document.querySelectorAll('ol.steps li')) {
    if (li.getAttribute('data-for') === name) li.setAttribute('aria-current', 'step');
    else li.removeAttribute('aria-current');
  }
  const heading = document.querySelector(`[data-step="${name}"] h2`);
  if (focus && heading) {
    heading.tabIndex = -1;
    heading.focus();
  }
}

function errorBox(container) {
  let box = container.querySelector(':scope > .form-error');
  if (box === null) {
    box = document.createElement('div');
    box.className = 'form-error';
    box.setAttribute('role', 'alert');
    box.setAttribute('aria-live', 'assertive');
    container.prepend(box);
  }
  return box;
}

function inputFor(container, field) {
  for (const el of container.querySelectorAll('input, select, textarea')) {
    if (el.name === field || (el.getAttribute('data-fields') ?? '').split(' ').includes(field)) return el;
  }
  return null;
}

function duration(seconds) {
  if (seconds < 90) return `${Math.ceil(seconds)} s`;
  return `${Math.ceil(seconds / 60)} min`;
}
