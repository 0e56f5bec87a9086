import { canonicalBytes, canonicalJson, canonicalJsonOfParsed } from './canonical-json';
import { CanonicalJsonError } from './errors';

function doubleFromBits(hex: string): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt(`0x${hex}`));
  return view.getFloat64(0);
}

describe('canonicalJson (RFC 8785)', () => {
  it('serialises the §3.2.2 sample: numbers, literals and string escaping', () => {
    // Parsed from the RFC's input text, so the number literals go through a JSON parser.
    const input = JSON.parse(
      '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],' +
        ' "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",' +
        ' "literals": [null, true, false]}',
    );
    expect(canonicalJson(input)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' +
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it('sorts keys by UTF-16 code units (§3.2.3), not by code points', () => {
    const input = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    };
    expect(canonicalJson(input)).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","ö":"Latin Small Letter O With Diaeresis",' +
        '"€":"Euro Sign","😀":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });

  it('sorts nested objects and integer-like keys as strings', () => {
    expect(canonicalJson({ b: { z: 1, a: [{ y: 2, x: 1 }] }, 10: 'ten', 9: 'nine', a: null })).toBe(
      '{"10":"ten","9":"nine","a":null,"b":{"a":[{"x":1,"y":2}],"z":1}}',
    );
  });

  it.each([
    ['0000000000000000', '0'],
    ['8000000000000000', '0'], // -0
    ['0000000000000001', '5e-324'],
    ['8000000000000001', '-5e-324'],
    ['7fefffffffffffff', '1.7976931348623157e+308'],
    ['ffefffffffffffff', '-1.7976931348623157e+308'],
    ['4340000000000000', '9007199254740992'],
    ['c340000000000000', '-9007199254740992'],
    ['4430000000000000', '295147905179352830000'],
    ['44b52d02c7e14af5', '9.999999999999997e+22'],
    ['44b52d02c7e14af6', '1e+23'],
    ['44b52d02c7e14af7', '1.0000000000000001e+23'],
    ['444b1ae4d6e2ef4e', '999999999999999700000'],
    ['444b1ae4d6e2ef4f', '999999999999999900000'],
    ['444b1ae4d6e2ef50', '1e+21'],
    ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
    ['3eb0c6f7a0b5ed8d', '0.000001'],
    ['41b3de4355555553', '333333333.3333332'],
    ['41b3de4355555554', '333333333.33333325'],
    ['41b3de4355555555', '333333333.3333333'],
    ['41b3de4355555556', '333333333.3333334'],
    ['41b3de4355555557', '333333333.33333343'],
    ['becbf647612f3696', '-0.0000033333333333333333'],
    ['43143ff3c1cb0959', '1424953923781206.2'],
  ])('formats the IEEE 754 double %s as %s (Appendix B)', (bits, expected) => {
    expect(canonicalJson(doubleFromBits(bits))).toBe(expected);
    expect(canonicalJson([doubleFromBits(bits)])).toBe(`[${expected}]`);
  });

  it('writes 1.0 as 1 and -0 as 0 inside structures', () => {
    expect(canonicalJson(JSON.parse('{"a":1.0,"b":-0,"c":1e21,"d":1E-7}'))).toBe('{"a":1,"b":0,"c":1e+21,"d":1e-7}');
  });

  it('escapes control characters in lowercase \\u form and leaves other characters as they are', () => {
    expect(canonicalJson('\u0000\u001f\b\t\n\f\r"\\/\u007f\u2028é')).toBe('"\\u0000\\u001f\\b\\t\\n\\f\\r\\"\\\\/\u007f\u2028é"');
  });

  it('leaves out undefined properties and nulls undefined array elements, like JSON', () => {
    const value = { a: undefined, b: [undefined, 1] };
    expect(canonicalJson(value)).toBe('{"b":[null,1]}');
    expect(canonicalJson(value)).toBe(canonicalJson(JSON.parse(JSON.stringify(value))));
  });

  it('encodes a Date through toJSON', () => {
    expect(canonicalJson({ at: new Date(Date.UTC(2026, 10, 25, 4, 10, 57, 123)) })).toBe(
      '{"at":"2026-11-25T04:10:57.123Z"}',
    );
  });

  it('returns the UTF-8 bytes of the canonical text', () => {
    expect(Buffer.from(canonicalBytes({ b: '€', a: 1 })).toString('hex')).toBe(
      Buffer.from('{"a":1,"b":"€"}', 'utf8').toString('hex'),
    );
  });

  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic.self = cyclic;
  const loneHigh = 'x\ud800y';
  const loneLow = '\udc00';

  it.each<[string, unknown, string]>([
    ['undefined at top level', undefined, '$'],
    ['NaN', NaN, '$'],
    ['Infinity', Infinity, '$'],
    ['nested -Infinity', { a: [1, -Infinity] }, '$.a[1]'],
    ['a bigint', { n: 10n }, '$.n'],
    ['a function', { f: () => 1 }, '$.f'],
    ['a function in an array', [() => 1], '$[0]'],
    ['a symbol', { s: Symbol('s') }, '$.s'],
    ['a cycle', cyclic, '$.self'],
    ['a Map', { m: new Map([['a', 1]]) }, '$.m'],
    ['a Set', new Set([1]), '$'],
    ['binary data', { b: Buffer.from('hi') }, '$.b'],
    ['a lone high surrogate', { s: loneHigh }, '$.s'],
    ['a lone low surrogate in a key', { [loneLow]: 1 }, '$.\udc00'],
  ])('rejects %s with CanonicalJsonError', (_label, value, path) => {
    let thrown: unknown;
    try {
      canonicalJson(value);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(CanonicalJsonError);
    expect((thrown as CanonicalJsonError).code).toBe('LEDGER.NOT_CANONICAL_JSON');
    expect((thrown as CanonicalJsonError).path).toBe(path);
  });

  it('accepts surrogate pairs and an object seen twice without a cycle', () => {
    const shared = { x: 1 };
    expect(canonicalJson({ e: '😀', a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1},"e":"😀"}');
  });

  it('rejects nesting too deep for the stack with CanonicalJsonError', () => {
    let deep: unknown = 0;
    for (let i = 0; i < 200_000; i++) deep = [deep];
    expect(() => canonicalJson(deep)).toThrow(CanonicalJsonError);
  });
});

describe('canonicalJsonOfParsed (the one-pass form for JSON.parse output)', () => {
  const samples = [
    '{"b":1,"a":[true,false,null,{"z":"é","y":-0,"x":1e21,"w":0.000001,"v":1.5e-7}],"€":"\\u2028","\\ud83d\\ude00":"😀","A":"\\u0000\\n\\"\\\\"}',
    '[1,2,{"":{"10":1,"9":2,"a":{}}},[],"x"]',
    '{"__proto__":{"k":1},"constructor":"c","id":"019ad000","data":{"n":123456789012345680000,"f":3.14159,"neg":-42}}',
    '"just a string"',
    '12.5',
  ];
  it.each(samples)('gives the bytes canonicalJson gives: %s', (text) => {
    const parsed = JSON.parse(text);
    expect(canonicalJsonOfParsed(parsed)).toBe(canonicalJson(parsed));
  });

  it('refuses a lone surrogate (in a value or a key) and what JSON.parse never makes', () => {
    expect(() => canonicalJsonOfParsed(JSON.parse('{"a":"\\ud800"}'))).toThrow(CanonicalJsonError);
    expect(() => canonicalJsonOfParsed(JSON.parse('{"\\udc00":1}'))).toThrow(CanonicalJsonError);
    expect(() => canonicalJsonOfParsed({ when: new Date(0) })).toThrow(CanonicalJsonError);
    expect(() => canonicalJsonOfParsed({ n: Number.NaN })).toThrow(CanonicalJsonError);
    expect(canonicalJsonOfParsed({ a: undefined, b: 1 })).toBe('{"b":1}');
  });
});
