// Email addresses as accounts use them: one normal form (trimmed, lower-case) and a deliberately narrow syntax check,
// a bare `local@domain` with a dot-atom local part and a DNS host name, rather than everything RFC 5322 permits.
//
// Narrow on purpose: quoted local parts, comments, IP literals and display names are legal in mail headers but
// almost never a real account's address, and each is a way to smuggle odd bytes into headers and logs.

const MAX_ADDRESS = 254; // RFC 5321's path limit (256) minus the angle brackets around it
const MAX_LOCAL = 64;
const MAX_LABEL = 63;
// RFC 5322 atext: printable ASCII except specials ( ) < > [ ] : ; @ \ , . " and space.
const ATEXT = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+$/;
const LABEL = /^[A-Za-z0-9-]+$/;

/** Trimmed and lower-cased. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/**
 * null when valid, else a short reason (for a field error message). Rules: ≤ 254 characters total, exactly one "@",
 * local part 1–64 characters of printable ASCII without spaces, quotes, angle brackets, parentheses, commas,
 * semicolons, backslashes (a dot-atom: no leading/trailing/double dots), domain with at least one dot, labels 1–63
 * chars of letters/digits/hyphens not starting or ending with a hyphen, TLD not all digits; no display names
 * ("Ada <a@b.c>" is invalid); no control characters. Check the normalized form: surrounding spaces are invalid.
 */
export function emailProblem(email: string): string | null {
  if (email === '') return 'Email is empty';
  // C0 controls, DEL and C1 controls: line breaks in particular would let an address inject mail headers.
  if (/[\u0000-\u001f\u007f-\u009f]/.test(email)) return 'Email must not contain control characters';
  if (email.length > MAX_ADDRESS) return `Email must be at most ${MAX_ADDRESS} characters, got ${email.length}`;
  if (/[<>]/.test(email)) return 'Email must be a bare address like "name@example.com", without a display name or "<>"';
  const at = email.indexOf('@');
  if (at === -1 || email.indexOf('@', at + 1) !== -1) return 'Email must contain exactly one "@"';
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  const localProblem = localPartProblem(local);
  if (localProblem !== null) return localProblem;
  return domainProblem(domain);
}

function localPartProblem(local: string): string | null {
  if (local === '') return 'Email needs a name before the "@"';
  if (local.length > MAX_LOCAL) return `The part before "@" must be at most ${MAX_LOCAL} characters, got ${local.length}`;
  if (local.startsWith('.') || local.endsWith('.') || local.includes('..')) {
    return 'The part before "@" must not start or end with a dot or have two dots in a row';
  }
  for (const atom of local.split('.')) {
    if (ATEXT.test(atom)) continue;
    const bad = [...atom].find((c) => !ATEXT.test(c)) as string;
    if (bad === ' ') return 'Email must not contain spaces';
    if (bad === '"') return 'Email must not contain quotes';
    if (bad > '\u007f') return `The part before "@" must be ASCII, got "${bad}"`;
    return `The part before "@" must not contain "${bad}"`;
  }
  return null;
}

function domainProblem(domain: string): string | null {
  if (domain === '') return 'Email needs a domain after the "@"';
  if (!domain.includes('.')) return `The domain "${domain}" must contain a dot`;
  const labels = domain.split('.');
  for (const label of labels) {
    if (label === '') return `The domain "${domain}" must not start or end with a dot or have two dots in a row`;
    if (label.length > MAX_LABEL) return `Each part of the domain must be at most ${MAX_LABEL} characters, got ${label.length}`;
    if (!LABEL.test(label)) {
      return `The domain "${domain}" may contain only letters, digits, hyphens and dots (international domains in their xn-- form)`;
    }
    if (label.startsWith('-') || label.endsWith('-')) return `A part of the domain must not start or end with a hyphen, got "${label}"`;
  }
  if (/^\d+$/.test(labels[labels.length - 1])) return `The domain "${domain}" must end in a name, not a number`;
  return null;
}
