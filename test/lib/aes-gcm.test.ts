// AES-256-GCM sealing: round trip, and every way a blob must refuse to open (key, authenticated data, tampering).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, randomBytes } from 'node:crypto';
import { openAesGcm, sealAesGcm } from '../../src/lib/aes-gcm.ts';

const key = randomBytes(32);
const aad = Buffer.from('scope\0application\0' + '1');

test('seal then open gives the plaintext back; each seal uses a fresh nonce', () => {
  const plain = Buffer.from('password = "hunter2"\n');
  const a = sealAesGcm(key, plain, aad);
  const b = sealAesGcm(key, plain, aad);
  assert.notDeepEqual(a, b, 'two seals of the same text differ');
  assert.equal(a.length, 1 + 12 + plain.length + 16);
  assert.deepEqual(openAesGcm(key, a, aad), plain);
  assert.equal(a.indexOf(plain), -1, 'the plaintext does not appear in the blob');
});

test('the blob is standard AES-256-GCM: layout byte, nonce, ciphertext, tag', () => {
  const plain = Buffer.from('interop');
  const sealed = sealAesGcm(key, plain, aad);
  const nonce = sealed.subarray(1, 13);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  assert.deepEqual(sealed, Buffer.concat([Buffer.of(1), nonce, body, cipher.getAuthTag()]));
});

test('a wrong key, other authenticated data or any flipped byte fails with ERR_DECRYPT', () => {
  const sealed = sealAesGcm(key, Buffer.from('secret'), aad);
  const decryptError = (e: unknown) => (e as { code?: string }).code === 'ERR_DECRYPT';
  assert.throws(() => openAesGcm(randomBytes(32), sealed, aad), decryptError);
  assert.throws(() => openAesGcm(key, sealed, Buffer.from('scope\0other\0' + '1')), decryptError);
  for (let i = 1; i < sealed.length; i++) {
    const bad = Buffer.from(sealed);
    bad[i] ^= 0x01;
    assert.throws(() => openAesGcm(key, bad, aad), decryptError, `byte ${i} flipped`);
  }
});

test('something that is not a sealed blob is a RangeError', () => {
  assert.throws(() => openAesGcm(key, Buffer.from('short'), aad), RangeError);
  const sealed = sealAesGcm(key, Buffer.from('x'), aad);
  sealed[0] = 2;
  assert.throws(() => openAesGcm(key, sealed, aad), RangeError);
});
