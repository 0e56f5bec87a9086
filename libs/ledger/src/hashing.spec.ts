import { LedgerError } from './errors';
import { fromBase64Url, toBase64Url, toHex, fromHex, isSha256Hex, sha256, sha256Hex } from './hashing';

describe('hashing and encodings', () => {
  it('computes sha256 of bytes and of UTF-8 strings (FIPS 180 "abc" vector)', () => {
    const abc = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
    expect(sha256Hex('abc')).toBe(abc);
    expect(sha256Hex(Buffer.from('abc'))).toBe(abc);
    expect(toHex(sha256(new TextEncoder().encode('abc')))).toBe(abc);
    expect(isSha256Hex(abc)).toBe(true);
    expect(isSha256Hex(abc.toUpperCase())).toBe(false);
  });

  it('round-trips hex and base64url, also for views into larger buffers', () => {
    const backing = Uint8Array.from({ length: 40 }, (_, i) => i * 7);
    const view = backing.subarray(3, 35);
    expect(fromHex(toHex(view))).toEqual(Buffer.from(view));
    expect(fromBase64Url(toBase64Url(view))).toEqual(Buffer.from(view));
    expect(toBase64Url(Uint8Array.of(0xfb, 0xff))).toBe('-_8');
  });

  it('refuses non-canonical input', () => {
    expect(() => fromHex('ABCD')).toThrow(LedgerError);
    expect(() => fromHex('abc')).toThrow(LedgerError);
    expect(() => fromBase64Url('-_8=')).toThrow(LedgerError);
    expect(() => fromBase64Url('+/8')).toThrow(LedgerError);
    expect(() => fromBase64Url('-_9')).toThrow(LedgerError); // unused bits set
    expect(() => fromBase64Url('A')).toThrow(LedgerError);
  });
});
