import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KEY_HINT_SECRET_BYTES } from './key-hints';

/**
 * The per-deployment secret of key hints: <dataDir>/keys/key-hints.key, 32 random bytes (base64),
 * mode 0600, created on first start. Losing it only makes new hints differ from old ones.
 */
export function loadOrCreateKeyHintSecret(dataDir: string): Buffer {
  const dir = join(dataDir, 'keys');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, 'key-hints.key');
  if (existsSync(file)) {
    const secret = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
    if (secret.length !== KEY_HINT_SECRET_BYTES) throw new Error(`${file} does not hold a ${KEY_HINT_SECRET_BYTES}-byte base64 secret`);
    return secret;
  }
  const secret = randomBytes(KEY_HINT_SECRET_BYTES);
  writeFileSync(file, secret.toString('base64'), { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return secret;
}
