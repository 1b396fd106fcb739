// The data directory's secret key: 32 random bytes, base64 on one line in `secret.key` (mode 0600), under which the
// stored configuration is encrypted. It is created once, with the data directory, and never silently replaced:
// a new key over an existing store would make every stored version unreadable.
import { createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AES_256_KEY_BYTES } from '../lib/aes-gcm.ts';

/** A key file that is missing, unreadable or malformed; the message says which file and what to do. */
export class SecretKeyError extends Error {
  override name = 'SecretKeyError';
}

/**
 * Where the key lives: `MONOLITE_SECRET_KEY_FILE` when set (a mounted container secret, for instance), else
 * `<dataDir>/secret.key`.
 */
export function secretKeyPath(dataDir: string, env: NodeJS.ProcessEnv = process.env): string {
  return env.MONOLITE_SECRET_KEY_FILE || join(dataDir, 'secret.key');
}

/** Reads the key; `warn` hears about a file others can read. */
export function readSecretKey(path: string, warn?: (message: string) => void): KeyObject {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new SecretKeyError(
        `Cannot read the secret key: ${path} does not exist, and the stored configuration is encrypted with it. ` +
          'Restore that file from a backup of this data directory (or point MONOLITE_SECRET_KEY_FILE at it); ' +
          'a new key cannot decrypt the existing configuration.',
      );
    }
    throw new SecretKeyError(`Cannot read the secret key ${path}: ${(err as Error).message}`);
  }
  const bytes = Buffer.from(text.trim(), 'base64');
  if (bytes.length !== AES_256_KEY_BYTES || bytes.toString('base64') !== text.trim()) {
    throw new SecretKeyError(`Cannot use the secret key ${path}: expected ${AES_256_KEY_BYTES} bytes in base64 on one line`);
  }
  if (warn && process.platform !== 'win32' && (statSync(path).mode & 0o077) !== 0) {
    warn(`The secret key ${path} is readable by other users; run: chmod 600 ${path}`);
  }
  return createSecretKey(bytes);
}

/** Creates a new random key file (mode 0600); fails if the file exists rather than replacing it. */
export function createSecretKeyFile(path: string): KeyObject {
  const bytes = randomBytes(AES_256_KEY_BYTES);
  try {
    writeFileSync(path, bytes.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new SecretKeyError(`Cannot create the secret key ${path}: the file already exists`);
    throw new SecretKeyError(`Cannot create the secret key ${path}: ${(err as Error).message}`);
  }
  return createSecretKey(bytes);
}
