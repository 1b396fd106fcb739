// Authenticated encryption of small blobs (configuration versions) with AES-256-GCM and a random 96-bit nonce per
// message. Layout of a sealed blob: 1 byte layout version (1) ‖ 12-byte nonce ‖ ciphertext ‖ 16-byte tag.
import { createCipheriv, createDecipheriv, randomBytes, type KeyObject } from 'node:crypto';

const LAYOUT = 1;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** Key length AES-256 needs. */
export const AES_256_KEY_BYTES = 32;

/**
 * Encrypts `plaintext` under `key` (32 bytes); `aad` is authenticated but not encrypted, so the blob only opens with
 * the same `aad` (bind it to where the blob is stored).
 */
export function sealAesGcm(key: KeyObject | Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Buffer {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([Buffer.of(LAYOUT), nonce, body, cipher.getAuthTag()]);
}

/**
 * Decrypts a blob made by `sealAesGcm`. Throws a RangeError when it is not such a blob, and an Error with code
 * `ERR_DECRYPT` when the key or `aad` differ or the blob was altered (GCM cannot tell these apart).
 */
export function openAesGcm(key: KeyObject | Uint8Array, sealed: Uint8Array, aad: Uint8Array): Buffer {
  if (sealed.length < 1 + NONCE_BYTES + TAG_BYTES || sealed[0] !== LAYOUT) {
    throw new RangeError(`Not an encrypted blob (expected layout ${LAYOUT} and at least ${1 + NONCE_BYTES + TAG_BYTES} bytes)`);
  }
  const nonce = sealed.subarray(1, 1 + NONCE_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(sealed.subarray(1 + NONCE_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
  } catch (cause) {
    throw Object.assign(new Error('Decryption failed: wrong key, or the data was altered', { cause }), { code: 'ERR_DECRYPT' });
  }
}
