// Email normalization and the syntax check: a table of valid addresses and of invalid ones with the reason given.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { emailProblem, normalizeEmail } from '../../src/auth/email.ts';

test('normalizeEmail trims and lower-cases', () => {
  assert.equal(normalizeEmail('  Ada.Lovelace@Example.COM \n'), 'ada.lovelace@example.com');
  assert.equal(normalizeEmail('ada@example.com'), 'ada@example.com');
});

test('valid addresses', () => {
  const valid = [
    'a@b.co',
    'ada@example.com',
    'Ada.Lovelace@Example.COM',
    'first.middle.last@sub.domain.example.org',
    'user+tag@example.com',
    "o'brien@example.ie",
    "!#$%&'*+-/=?^_`{|}~@example.com", // every atext special
    'x@a-b.example.com',
    'x@123.example.com', // digits are fine in a label, only the TLD must have a letter
    'x@example.c0m',
    'x@xn--bcher-kva.example', // an international domain in its ASCII form
    `${'l'.repeat(64)}@example.com`,
    `x@${'d'.repeat(63)}.com`,
    `x@${['a'.repeat(63), 'b'.repeat(63), 'c'.repeat(63), 'd'.repeat(56)].join('.')}.com`, // 254 characters
  ];
  assert.equal(valid.at(-1)?.length, 254);
  for (const email of valid) assert.equal(emailProblem(email), null, email);
});

test('invalid addresses, each with its reason', () => {
  const invalid: [string, RegExp][] = [
    ['', /empty/],
    ['ada', /exactly one "@"/],
    ['ada@', /domain after the "@"/],
    ['@example.com', /name before the "@"/],
    ['ada@@example.com', /exactly one "@"/],
    ['ada@b@example.com', /exactly one "@"/],
    ['Ada <ada@example.com>', /display name/],
    ['<ada@example.com>', /display name/],
    ['"Ada Lovelace" ada@example.com', /quotes/],
    ['ada lovelace@example.com', /spaces/],
    [' ada@example.com', /spaces/],
    ['"ada"@example.com', /quotes/],
    ['ada(comment)@example.com', /"\("/],
    ['ada,b@example.com', /","/],
    ['ada;b@example.com', /";"/],
    ['ada\\b@example.com', /"\\"/],
    ['ada[1]@example.com', /"\["/],
    ['ada:b@example.com', /":"/],
    ['adà@example.com', /ASCII, got "à"/],
    ['.ada@example.com', /start or end with a dot/],
    ['ada.@example.com', /start or end with a dot/],
    ['a..da@example.com', /two dots in a row/],
    [`${'l'.repeat(65)}@example.com`, /at most 64 characters, got 65/],
    ['ada@localhost', /must contain a dot/],
    ['ada@.example.com', /must not start or end with a dot/],
    ['ada@example.com.', /must not start or end with a dot/],
    ['ada@example..com', /two dots in a row/],
    ['ada@-example.com', /hyphen, got "-example"/],
    ['ada@example-.com', /hyphen, got "example-"/],
    ['ada@exa_mple.com', /only letters, digits, hyphens and dots/],
    ['ada@exa mple.com', /only letters, digits, hyphens and dots/],
    ['ada@bücher.example', /only letters, digits, hyphens and dots/],
    [`x@${'d'.repeat(64)}.com`, /at most 63 characters, got 64/],
    ['ada@192.168.0.1', /must end in a name, not a number/],
    ['ada@[192.168.0.1]', /only letters, digits, hyphens and dots/],
    ['ada@example.123', /must end in a name, not a number/],
    [`x@${['a'.repeat(63), 'b'.repeat(63), 'c'.repeat(63), 'd'.repeat(57)].join('.')}.com`, /at most 254 characters, got 255/],
    ['ada@example.com\r\nBcc: eve@example.com', /control characters/],
    ['ada@example.com\n', /control characters/],
    ['ada\u0000@example.com', /control characters/],
    ['ada\u007f@example.com', /control characters/],
    ['ada\u0085@example.com', /control characters/],
  ];
  for (const [email, reason] of invalid) {
    const problem = emailProblem(email);
    assert.ok(problem !== null, `${JSON.stringify(email)} was accepted`);
    assert.match(problem, reason, JSON.stringify(email));
  }
});
