// The mail templates of the account flows, each a subject, a text part and an HTML part with {{variable}}
// placeholders. Every value is HTML-escaped in the HTML part. A file in the templates folder
// (<data-dir>/mail-templates/<name>.subject.txt, <name>.txt, <name>.html) replaces the built-in part of that name; it
// is read at each render, so an edit applies to the next message without a restart.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TemplateDefinition {
  /** What the message is for (for `monolite mail preview`). */
  description: string;
  /** Variables the template may use; every one must be given when rendering. */
  variables: readonly string[];
  subject: string;
  text: string;
  html: string;
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

/** A template that cannot be rendered: an unknown template or variable, a missing value, an unreadable file. */
export class TemplateError extends Error {
  override name = 'TemplateError';
  // Rendering again will not fix it: a mail job that hits it dies at once.
  readonly permanent = true;
}

/** Folder of template files inside the data directory. */
export const TEMPLATES_FOLDER = 'mail-templates';

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** The HTML around every built-in message body: inline styles only, as mail clients ignore style sheets. */
function layout(body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{{app_name}}</title></head>
<body style="margin:0;padding:24px;background:#f5f6f8;font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;color:#1f2328">
<table role="presentation" width="100%" cellspacing="0" cellpadding="0"><tr><td align="center">
<table role="presentation" width="100%" cellspacing="0" cellpadding="0" style="max-width:520px;background:#ffffff;border-radius:8px;padding:32px">
<tr><td style="font-size:16px;line-height:1.5">
${body}
<p style="margin:32px 0 0;color:#656d76;font-size:13px">— The {{app_name}} team</p>
</td></tr></table>
</td></tr></table>
</body>
</html>
`;
}

const CODE_HTML = '<p style="margin:24px 0;font-size:32px;font-weight:bold;letter-spacing:8px;color:#0969da;font-family:Menlo,Consolas,monospace">{{code}}</p>';
const IGNORE = 'If you did not ask for this, you can ignore this message.';

export const TEMPLATES: Readonly<Record<string, TemplateDefinition>> = Object.freeze({
  verify_email: {
    description: 'The code that verifies a new account\'s email address',
    variables: ['app_name', 'code', 'minutes', 'email'],
    subject: 'Your {{app_name}} verification code',
    text: 'Your {{app_name}} verification code for {{email}} is:\n\n    {{code}}\n\nIt expires in {{minutes}} minutes. ' + IGNORE + '\n\n— The {{app_name}} team\n',
    html: layout(`<p style="margin:0">Your verification code for <strong>{{email}}</strong>:</p>\n${CODE_HTML}\n<p style="margin:0">It expires in {{minutes}} minutes. ${IGNORE}</p>`),
  },
  password_reset: {
    description: 'The code that lets a user choose a new password',
    variables: ['app_name', 'code', 'minutes', 'email'],
    subject: 'Your {{app_name}} password reset code',
    text: 'Someone asked to reset the {{app_name}} password of {{email}}. Your code is:\n\n    {{code}}\n\nIt expires in {{minutes}} minutes. ' + IGNORE + ' Your password stays as it is.\n\n— The {{app_name}} team\n',
    html: layout(`<p style="margin:0">Someone asked to reset the password of <strong>{{email}}</strong>. Your code:</p>\n${CODE_HTML}\n<p style="margin:0">It expires in {{minutes}} minutes. ${IGNORE} Your password stays as it is.</p>`),
  },
  email_change: {
    description: 'The code, sent to the new address, that confirms an email change',
    variables: ['app_name', 'code', 'minutes', 'new_email'],
    subject: 'Your {{app_name}} email change code',
    text: 'To make {{new_email}} the email address of your {{app_name}} account, enter this code:\n\n    {{code}}\n\nIt expires in {{minutes}} minutes. ' + IGNORE + '\n\n— The {{app_name}} team\n',
    html: layout(`<p style="margin:0">To make <strong>{{new_email}}</strong> the email address of your account, enter this code:</p>\n${CODE_HTML}\n<p style="margin:0">It expires in {{minutes}} minutes. ${IGNORE}</p>`),
  },
  email_change_alert: {
    description: 'The alert sent to the old address after an email change',
    variables: ['app_name', 'old_email', 'new_email'],
    subject: '{{app_name}} security alert: your email address was changed',
    text: 'The email address of your {{app_name}} account was changed from {{old_email}} to {{new_email}}.\n\nIf you did not do this, contact support immediately: someone else may have access to your account.\n\n— The {{app_name}} team\n',
    html: layout('<p style="margin:0">The email address of your account was changed from <strong>{{old_email}}</strong> to <strong>{{new_email}}</strong>.</p>\n<p style="margin:16px 0 0">If you did not do this, <strong>contact support immediately</strong>: someone else may have access to your account.</p>'),
  },
  test: {
    description: 'The message of `monolite mail test`',
    variables: ['app_name', 'host', 'time'],
    subject: '{{app_name}} test message',
    text: 'This is a test message from {{app_name}}, sent through {{host}} at {{time}}.\n\nIf you can read it, mail works.\n',
    html: layout('<p style="margin:0">This is a test message, sent through <strong>{{host}}</strong> at {{time}}.</p>\n<p style="margin:16px 0 0">If you can read it, mail works.</p>'),
  },
});

const PARTS = [['subject', 'subject.txt'], ['text', 'txt'], ['html', 'html']] as const;

/**
 * Renders template `name` with `vars`; `dir` is the folder of template files that replace built-in parts. Throws a
 * TemplateError naming the template, the part and the variable when anything does not fit.
 */
export function renderMail(name: string, vars: Readonly<Record<string, string | number>>, dir?: string): RenderedMail {
  const template = Object.hasOwn(TEMPLATES, name) ? TEMPLATES[name] : undefined;
  if (template === undefined) throw new TemplateError(`No mail template "${name}"; expected one of ${Object.keys(TEMPLATES).join(', ')}`);
  for (const variable of template.variables) {
    if (vars[variable] === undefined) throw new TemplateError(`Mail template "${name}" needs the variable "${variable}"`);
  }
  const out = {} as RenderedMail;
  for (const [part, extension] of PARTS) {
    const source = readOverride(dir, `${name}.${extension}`) ?? template[part];
    // A subject is one line: a value must not add header lines.
    const escape = part === 'html' ? escapeHtml : part === 'subject' ? oneLine : (v: string) => v;
    out[part] = fill(source, vars, template.variables, escape, `${name} (${part})`);
  }
  out.subject = out.subject.trim();
  return out;
}

/** Problems of the template files in `dir` (unknown names, unknown variables), for a check at startup; none without `dir`. */
export function checkTemplateFiles(dir: string): string[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => !f.startsWith('.')).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    return [`Cannot read the mail templates folder ${dir}: ${(err as Error).message}`];
  }
  const problems: string[] = [];
  for (const file of files) {
    const match = /^([a-z_]+)\.(subject\.txt|txt|html)$/.exec(file);
    const template = match && Object.hasOwn(TEMPLATES, match[1]) ? TEMPLATES[match[1]] : undefined;
    if (match === null || template === undefined) {
      problems.push(`${join(dir, file)}: not a template file (expected <template>.subject.txt, .txt or .html, template one of ${Object.keys(TEMPLATES).join(', ')})`);
      continue;
    }
    const source = readOverride(dir, file)!;
    for (const [, variable] of source.matchAll(PLACEHOLDER)) {
      if (!template.variables.includes(variable)) problems.push(`${join(dir, file)}: unknown variable {{${variable}}}; "${match[1]}" has ${template.variables.join(', ')}`);
    }
  }
  return problems;
}

function fill(source: string, vars: Readonly<Record<string, string | number>>, known: readonly string[], escape: (v: string) => string, where: string): string {
  return source.replace(PLACEHOLDER, (_, variable: string) => {
    if (!known.includes(variable)) throw new TemplateError(`Mail template ${where} uses {{${variable}}}, which is not one of its variables: ${known.join(', ')}`);
    return escape(String(vars[variable]));
  });
}

function readOverride(dir: string | undefined, file: string): string | undefined {
  if (dir === undefined) return undefined;
  try {
    return readFileSync(join(dir, file), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new TemplateError(`Cannot read mail template file ${join(dir, file)}: ${(err as Error).message}`);
  }
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text as HTML text or attribute value. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

function oneLine(value: string): string {
  return value.replace(/[\r\n]+/g, ' ');
}
