// src/mail/dkim.ts against dkimpy (Debian python3-dkim) as the ground truth: signatures made here must verify with
// dkim.verify() given the public key, tampering must break them, changes relaxed canonicalization allows must not,
// and the body hash must equal the one dkimpy computes itself. All checks run in one Python process.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { signDkim } from '../../src/mail/dkim.ts';
import { buildMessage } from '../../src/mail/mime.ts';
import { havePython, runPython } from '../support/python.ts';

const VERIFY = readFileSync(new URL('./fixtures/verify-dkim.py', import.meta.url), 'utf8');
const NOW = new Date('2025-01-02T03:04:05Z');
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const options = { domain: 'example.com', selector: 'mail2025', privateKey, now: () => NOW };

/** A hand-written CRLF message: odd header spacing, a folded header, and the body edge cases of relaxed canonicalization. */
const EDGES = [
  'From: Alice <alice@example.com>',
  'To:   bob@example.org,',
  '\t  carol@example.org   ',
  'Subject:    Hello     world\t ',
  'Date: Thu, 02 Jan 2025 03:04:05 +0000',
  'X-Unsigned: not in h=',
  '',
  'line one   \t ',
  '  indented\tinner  tabs\t\t',
  '',
  'trailing empty lines follow',
  '',
  '',
  '',
].join('\r\n');

/** What a relay may do without breaking a relaxed/relaxed signature: refold, recase names, respace, add empty lines. */
function relayed(signed: Buffer): Buffer {
  let out = tamper(signed, 'Subject:    Hello     world\t ', 'subject:Hello world');
  out = tamper(out, 'To:   bob@example.org,\r\n\t  carol@example.org   ', 'TO: bob@example.org, carol@example.org');
  out = tamper(out, 'line one   \t ', 'line one');
  out = tamper(out, 'inner  tabs', 'inner tabs');
  return Buffer.concat([out, Buffer.from('\r\n\r\n')]);
}

function tamper(signed: Buffer, from: string, to: string): Buffer {
  const text = signed.toString('latin1');
  assert.ok(text.includes(from), `message contains ${JSON.stringify(from)}`);
  return Buffer.from(text.replace(from, to), 'latin1');
}

function bodyHashOf(signed: Buffer): string {
  const header = signed.toString('latin1').split(/\r\n(?![ \t])/)[0].replace(/\s+/g, '');
  return /;bh=([^;]+);/.exec(header)![1];
}

function pkcs1(key: KeyObject): string {
  return key.export({ type: 'pkcs1', format: 'pem' }) as string;
}

describe('signDkim', () => {
  const built = buildMessage({
    from: { address: 'alice@example.com', name: 'Alice Ünïcödé' },
    to: [{ address: 'bob@example.org' }],
    cc: [{ address: 'carol@example.org' }],
    replyTo: { address: 'replies@example.com' },
    subject: 'Signed 🎉',
    text: 'Hello\nwith trailing spaces   \n\n\n',
    html: '<p>Hello</p>',
    attachments: [{ filename: 'data.bin', contentType: 'application/octet-stream', content: Buffer.from([0, 1, 2, 255]) }],
  }).raw;
  const signedBuilt = signDkim(built, options);
  const signedEdges = signDkim(Buffer.from(EDGES, 'latin1'), options);
  const emptyBody = Buffer.from('From: a@example.com\r\nSubject: empty\r\n\r\n', 'latin1');
  const noFinalCrlf = Buffer.from('From: a@example.com\r\nSubject: no final CRLF\r\n\r\nlast line  ', 'latin1');
  const utf8 = buildMessage({ from: { address: 'josé@example.com' }, to: [{ address: 'bob@example.org' }], subject: 's', text: 't' }).raw;

  const verify: [string, Buffer, boolean][] = [
    ['a built message (multipart, attachment)', signedBuilt, true],
    ['relaxed edge cases', signedEdges, true],
    ['relaxed edge cases after relay changes relaxed allows', relayed(signedEdges), true],
    ['an empty body', signDkim(emptyBody, options), true],
    // SMTP ends DATA on a line of its own, so the receiver sees the CRLF the client adds. (dkimpy, given the bytes
    // without it, keeps the last line's trailing white space, which RFC 6376 §3.4.4 says to ignore.)
    ['a body without a final CRLF, as delivered (CRLF added)', Buffer.concat([signDkim(noFinalCrlf, options), Buffer.from('\r\n')]), true],
    ['UTF-8 headers (SMTPUTF8)', signDkim(utf8, options), true],
    ['a PEM key', signDkim(built, { ...options, privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string }), true],
    ['explicit h= headers', signDkim(built, { ...options, headers: ['From', 'Subject', 'Date'] }), true],
    ['tampered body', tamper(signedBuilt, 'Hello', 'Hallo'), false],
    ['tampered subject', tamper(signedEdges, 'Hello     world', 'Hello     World'), false],
    ['tampered body text change (not white space)', tamper(signedEdges, 'indented', 'indentad'), false],
    ['white space added inside a word', tamper(signedEdges, 'trailing empty', 'trail ing empty'), false],
    ['a second From added on top', Buffer.concat([Buffer.from('From: mallory@example.net\r\n'), signedBuilt]), false],
    ['a Reply-To changed', tamper(signedBuilt, 'replies@example.com', 'mallory@example.net'), false],
  ];

  test('dkimpy verifies the signatures, rejects tampering, and computes the same body hashes', async (t) => {
    const python = havePython(t, 'dkim', 'python3-dkim');
    if (python === undefined) return;
    const hashed = [signedEdges, signDkim(emptyBody, options), signDkim(noFinalCrlf, options), signedBuilt];
    const input = JSON.stringify({
      publicKey: (publicKey.export({ type: 'spki', format: 'der' })).toString('base64'),
      privateKey: pkcs1(privateKey),
      verify: verify.map(([, raw]) => raw.toString('base64')),
      // dkimpy signs the unsigned originals: only the body matters for bh=.
      bodyHash: [Buffer.from(EDGES, 'latin1'), emptyBody, Buffer.concat([noFinalCrlf, Buffer.from('\r\n')]), built].map((raw) => raw.toString('base64')),
    });
    const result = JSON.parse(runPython(python, VERIFY, input)) as { verified: boolean[]; bodyHash: string[] };
    for (const [i, [name, raw, expected]] of verify.entries()) {
      await t.test(name, () => assert.equal(result.verified[i], expected, raw.toString('latin1').slice(0, 1500)));
    }
    await t.test('body hashes equal dkimpy\'s', () => assert.deepEqual(hashed.map(bodyHashOf), result.bodyHash));
  });

  test('the DKIM-Signature header: tags, oversigned h=, folding', () => {
    const text = signedBuilt.toString('latin1');
    const header = text.split(/\r\n(?![ \t])/)[0];
    assert.ok(text.endsWith(built.toString('latin1')), 'the message follows unchanged');
    for (const line of header.split('\r\n')) assert.ok(line.length <= 78, `line over 78: ${line}`);
    const tags = Object.fromEntries(header.slice('DKIM-Signature:'.length).replace(/\s+/g, '').split(';').map((tag) => [tag.slice(0, tag.indexOf('=')), tag.slice(tag.indexOf('=') + 1)]));
    assert.equal(tags.v, '1');
    assert.equal(tags.a, 'rsa-sha256');
    assert.equal(tags.c, 'relaxed/relaxed');
    assert.equal(tags.d, 'example.com');
    assert.equal(tags.s, 'mail2025');
    assert.equal(tags.t, String(NOW.getTime() / 1000));
    // Each default header present, once more than it occurs: adding another instance breaks the signature.
    assert.equal(tags.h, 'from:from:to:to:cc:cc:subject:subject:date:date:message-id:message-id:reply-to:reply-to:mime-version:mime-version:content-type:content-type');
    assert.match(tags.bh, /^[A-Za-z0-9+/]{43}=$/);
    assert.match(tags.b, /^[A-Za-z0-9+/]{342}==$/);
    assert.equal(tags.h.includes('x-unsigned'), false);
  });

  test('bad keys, options and messages are rejected', () => {
    const ed = generateKeyPairSync('ed25519').privateKey;
    const small = generateKeyPairSync('rsa', { modulusLength: 512 }).privateKey;
    assert.throws(() => signDkim(built, { ...options, privateKey: ed }), TypeError);
    assert.throws(() => signDkim(built, { ...options, privateKey: publicKey }), TypeError);
    assert.throws(() => signDkim(built, { ...options, privateKey: small }), RangeError);
    assert.throws(() => signDkim(built, { ...options, headers: ['subject'] }), /must include "from"/);
    assert.throws(() => signDkim(built, { ...options, headers: ['from', 'bad name'] }), TypeError);
    assert.throws(() => signDkim(built, { ...options, domain: 'exa;mple.com' }), TypeError);
    assert.throws(() => signDkim(built, { ...options, selector: 's\r\nX: y' }), TypeError);
    assert.throws(() => signDkim(Buffer.from('From: a@example.com\nSubject: x\n\nbody\n'), options), /CRLF/);
    assert.throws(() => signDkim(Buffer.from('Subject: x\r\n\r\nbody\r\n'), options), /no From/);
  });
});
