import { randomBytes } from 'node:crypto';
import { bytesOfBase64Url, bytesOfHex, hexOf } from './bundle-bytes';

describe('bundle byte decoders (table-driven, strict)', () => {
  it('round-trip what Buffer encodes, for every length up to 70', () => {
    for (let n = 0; n <= 70; n++) {
      const bytes = randomBytes(n);
      expect(bytesOfBase64Url(bytes.toString('base64url'))).toEqual(Uint8Array.from(bytes));
      expect(bytesOfHex(bytes.toString('hex'))).toEqual(Uint8Array.from(bytes));
      expect(hexOf(bytes)).toBe(bytes.toString('hex'));
    }
  });

  it('refuse padding, the standard alphabet, non-canonical trailing bits, impossible lengths, upper-case or odd hex', () => {
    for (const bad of ['AA==', 'ab+/', 'AB', 'A', 'AAAAA', 'é', 'AA AA']) expect(bytesOfBase64Url(bad)).toBeUndefined();
    expect(bytesOfBase64Url('AA')).toEqual(new Uint8Array([0]));
    for (const bad of ['ABCD', 'abc', '0g', 'é0']) expect(bytesOfHex(bad)).toBeUndefined();
    expect(bytesOfHex('')).toEqual(new Uint8Array(0));
  });
});
