import { createHmac } from 'node:crypto';

/**
 * What the ledger may keep of a presented or issued API key, so that requests can be told apart
 * and matched to a key without keeping any part of a secret: a keyed digest (HMAC-SHA256 under a
 * per-deployment secret, first 16 hex chars), preceded by the key's kind prefix only when the
 * key has warden's own format (`wdn_agent_#…`, `wdn_admin_#…`, `wdn_user_#…`, `wdn_platform_#…`). A mistyped or foreign token (a
 * cloud key pasted by mistake) is recorded as `#<digest>` alone: none of its characters. Keyed,
 * so that nobody holding only the ledger can test guesses against a hint offline.
 */
export const KEY_HINT_SECRET_BYTES = 32;
const WARDEN_KEY = /^(wdn_(?:admin|agent|user|platform)_)[A-Za-z0-9_-]{43}$/;

export class KeyHints {
  private readonly secret: Buffer;

  constructor(secret: Uint8Array) {
    if (secret.length < KEY_HINT_SECRET_BYTES) throw new RangeError(`a key-hint secret needs ${KEY_HINT_SECRET_BYTES} bytes`);
    this.secret = Buffer.from(secret);
  }

  hintOf(token: string): string {
    const digest = createHmac('sha256', this.secret).update(token, 'utf8').digest('hex').slice(0, 16);
    const prefix = WARDEN_KEY.exec(token)?.[1] ?? '';
    return `${prefix}#${digest}`;
  }
}
