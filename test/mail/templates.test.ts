// Mail templates: every built-in renders with its variables, values are HTML-escaped in the HTML part only, files in
// the templates folder replace parts (read at each render), and mistakes are TemplateErrors that say where.
import { test, describe, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkTemplateFiles, renderMail, TEMPLATES, TemplateError } from '../../src/mail/templates.ts';

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'monolite-templates-')); });
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const VALUES: Record<string, string | number> = {
  app_name: 'Acme', code: '123456', minutes: 15, email: 'ada@example.com', new_email: 'new@example.com', old_email: 'old@example.com',
  host: 'smtp.example.com', time: '2026-01-01T00:00:00.000Z',
};

describe('mail templates', () => {
  test('every built-in template renders every variable it declares, in each part that needs it', () => {
    for (const [name, template] of Object.entries(TEMPLATES)) {
      const vars = Object.fromEntries(template.variables.map((v) => [v, VALUES[v]]));
      const out = renderMail(name, vars);
      assert.doesNotMatch(out.subject + out.text + out.html, /\{\{|\}\}/, `${name}: no placeholder left`);
      assert.ok(out.subject.includes('Acme'), `${name}: subject names the app`);
      for (const v of template.variables) {
        assert.ok(out.text.includes(String(VALUES[v])), `${name}: text part has ${v}`);
        assert.ok(out.html.includes(String(VALUES[v])), `${name}: HTML part has ${v}`);
      }
      assert.match(out.html, /^<!DOCTYPE html>/);
    }
  });

  test('values are HTML-escaped in the HTML part, kept as they are in the text, and one line in the subject', () => {
    const out = renderMail('email_change_alert', { app_name: 'A&B <Corp>\r\nBcc: x@evil.test', old_email: '"o\'<script>"@x.test', new_email: 'n@x.test' });
    assert.ok(out.html.includes('&quot;o&#39;&lt;script&gt;&quot;@x.test'));
    assert.ok(!out.html.includes('<script>'));
    assert.ok(out.html.includes('A&amp;B &lt;Corp&gt;'));
    assert.ok(out.text.includes('"o\'<script>"@x.test'));
    assert.equal(out.subject, 'A&B <Corp> Bcc: x@evil.test security alert: your email address was changed');
  });

  test('a file in the templates folder replaces its part at the next render; the other parts stay built-in', () => {
    const builtin = renderMail('verify_email', VALUES);
    writeFileSync(join(dir, 'verify_email.subject.txt'), '{{ code }} is your {{app_name}} code\n');
    const first = renderMail('verify_email', VALUES, dir);
    assert.equal(first.subject, '123456 is your Acme code');
    assert.equal(first.text, builtin.text);
    assert.equal(first.html, builtin.html);
    writeFileSync(join(dir, 'verify_email.html'), '<p>{{code}} for {{email}}</p>');
    assert.equal(renderMail('verify_email', { ...VALUES, email: '<x>' }, dir).html, '<p>123456 for &lt;x&gt;</p>');
  });

  test('mistakes say which template, part and variable', () => {
    assert.throws(() => renderMail('welcome', VALUES), (e: Error) => e instanceof TemplateError && /No mail template "welcome"; expected one of verify_email/.test(e.message));
    assert.throws(() => renderMail('verify_email', { app_name: 'A', code: '1', email: 'e@x.test' }), /"verify_email" needs the variable "minutes"/);
    writeFileSync(join(dir, 'password_reset.txt'), 'Hello {{name}}, {{code}}');
    assert.throws(() => renderMail('password_reset', VALUES, dir), /password_reset \(text\) uses \{\{name\}\}, which is not one of its variables: app_name, code, minutes, email/);
    const err = (() => { try { renderMail('password_reset', VALUES, dir); } catch (e) { return e; } })() as TemplateError;
    assert.equal(err.permanent, true, 'a mail job dies at once on it');
  });

  test('checkTemplateFiles reports unknown files and variables, and nothing for a missing folder', () => {
    assert.deepEqual(checkTemplateFiles(join(dir, 'none')), []);
    writeFileSync(join(dir, 'verify_email.html'), '{{code}} {{oops}}');
    writeFileSync(join(dir, 'welcome.txt'), 'hi');
    writeFileSync(join(dir, 'test.txt'), '{{host}} {{time}}');
    const problems = checkTemplateFiles(dir);
    assert.equal(problems.length, 2, problems.join('\n'));
    assert.match(problems[0], /verify_email\.html: unknown variable \{\{oops\}\}/);
    assert.match(problems[1], /welcome\.txt: not a template file/);
  });
});
