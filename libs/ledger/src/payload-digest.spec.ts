import { createHash } from 'node:crypto';
import { LedgerError } from './errors';
import { newPayloadSalt, payloadDigest } from './payload-digest';

describe('payloadDigest', () => {
  const salt = Uint8Array.from({ length: 16 }, (_, i) => i);

  it('is sha256(salt ‖ JCS(content)) in hex', () => {
    const expected = createHash('sha256').update(salt).update('{"a":1,"b":[true,null]}').digest('hex');
    expect(payloadDigest(salt, { b: [true, null], a: 1 })).toBe(expected);
  });

  it('gives the same digest for the same content with keys in another order', () => {
    const one = { arguments: { query: 'x', limit: 5 }, tool: 'search' };
    const other = { tool: 'search', arguments: { limit: 5, query: 'x' } };
    expect(payloadDigest(salt, one)).toBe(payloadDigest(salt, other));
  });

  it('changes with the salt and with the content', () => {
    const content = { tool: 'search' };
    expect(payloadDigest(newPayloadSalt(), content)).not.toBe(payloadDigest(salt, content));
    expect(payloadDigest(salt, { tool: 'searcH' })).not.toBe(payloadDigest(salt, content));
  });

  it('draws 16 fresh random bytes per salt', () => {
    const a = newPayloadSalt();
    expect(a).toHaveLength(16);
    expect(Buffer.from(a).equals(Buffer.from(newPayloadSalt()))).toBe(false);
  });

  it('refuses a salt shorter than 16 bytes', () => {
    expect(() => payloadDigest(new Uint8Array(15), {})).toThrow(LedgerError);
    expect(() => payloadDigest(new Uint8Array(0), {})).toThrow(LedgerError);
  });
});

describe('payloadDigestOfCanonical', () => {
  it('equals payloadDigest over the canonical bytes of the same content', () => {
    const { canonicalBytes } = require('./canonical-json');
    const { payloadDigest, payloadDigestOfCanonical } = require('./payload-digest');
    const salt = new Uint8Array(16).fill(7);
    const content = { b: [1, 'two'], a: { z: null, y: 1.5 } };
    expect(payloadDigestOfCanonical(salt, canonicalBytes(content))).toBe(payloadDigest(salt, content));
    expect(() => payloadDigestOfCanonical(new Uint8Array(4), canonicalBytes(content))).toThrow();
  });
});
