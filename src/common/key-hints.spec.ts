import { randomBytes } from 'node:crypto';
import { issueApiKey } from './api-keys';
import { KeyHints } from './key-hints';

describe('KeyHints', () => {
  const hints = new KeyHints(randomBytes(32));
  /** Every substring of `secret` of `n` or more characters. */
  const substrings = (secret: string, n = 6) => Array.from({ length: secret.length - n + 1 }, (_, i) => secret.slice(i, i + n));

  it('keeps no character of a foreign token: a keyed digest only', () => {
    const foreign = 'AKIAZQXWVUTSRPNMLKJY';
    const hint = hints.hintOf(foreign);
    expect(hint).toMatch(/^#[0-9a-f]{16}$/);
    for (const part of substrings(foreign, 4)) expect(hint).not.toContain(part);
  });

  it("prefixes warden's own kind, but no character of the random part", () => {
    const issued = issueApiKey('agent', hints);
    expect(issued.hint).toMatch(/^wdn_agent_#[0-9a-f]{16}$/);
    expect(issued.hint).toBe(hints.hintOf(issued.key)); // a presented key's hint matches its issued one
    for (const part of substrings(issued.key.slice('wdn_agent_'.length), 4)) expect(issued.hint).not.toContain(part);
    expect(issueApiKey('admin', hints).hint).toMatch(/^wdn_admin_#[0-9a-f]{16}$/);
  });

  it('does not lend the prefix to a token that only starts like a warden key', () => {
    expect(hints.hintOf('wdn_agent_short')).toMatch(/^#[0-9a-f]{16}$/);
  });

  it('depends on the deployment secret, so the ledger alone cannot test guesses', () => {
    const other = new KeyHints(randomBytes(32));
    expect(other.hintOf('ghp_guess')).not.toBe(hints.hintOf('ghp_guess'));
    expect(hints.hintOf('ghp_guess')).toBe(hints.hintOf('ghp_guess'));
  });

  it('refuses a short secret', () => {
    expect(() => new KeyHints(randomBytes(16))).toThrow(RangeError);
  });
});
