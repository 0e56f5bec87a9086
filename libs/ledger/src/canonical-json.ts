import canonicalize from 'canonicalize';
import { CanonicalJsonError } from './errors';

/**
 * RFC 8785 (JSON Canonicalization Scheme) serialisation.
 *
 * The `canonicalize` package does the ordering and number formatting. It is lenient where a
 * signing ledger must not be, so values are checked first and rejected with CanonicalJsonError:
 * top-level undefined, functions, symbols, bigints, NaN/±Infinity, lone UTF-16 surrogates
 * (JCS input must be I-JSON), cycles, and objects JSON would silently flatten (Map, Set,
 * binary buffers). Like JSON.stringify, an object property whose value is undefined is left out
 * and an undefined array element becomes null, so a value and its JSON round trip canonicalise
 * to the same bytes. Objects with toJSON (Date) are encoded through it.
 */
export function canonicalJson(value: unknown): string {
  assertCanonicalisable(value);
  const text = canonicalize(value);
  if (text === undefined) throw new CanonicalJsonError('$', 'nothing to encode');
  return text;
}

/**
 * The same bytes as canonicalJson, in one pass, for a value JSON.parse produced (the verifiers'
 * hot path: every event of a bundle). Such a value has no undefined, function, cycle, toJSON,
 * Map or non-finite number; a lone surrogate it may hold is refused as canonicalJson refuses it.
 * Keys sort by UTF-16 code units (RFC 8785 §3.2.3), as Array.prototype.sort does; strings and
 * numbers serialise as ECMAScript's JSON.stringify, which is what RFC 8785 §3.2.2 prescribes.
 */
export function canonicalJsonOfParsed(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      if (hasLoneSurrogate(value)) throw new CanonicalJsonError('$', 'string contains a lone UTF-16 surrogate');
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new CanonicalJsonError('$', `${value} is not a JSON number`);
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + canonicalJsonOfParsed(value[i]);
        return `${out}]`;
      }
      if (Object.getPrototypeOf(value) !== Object.prototype) throw new CanonicalJsonError('$', 'not a value JSON.parse produced');
      const keys = Object.keys(value).sort();
      let out = '{';
      for (let i = 0; i < keys.length; i++) {
        const child = (value as Record<string, unknown>)[keys[i]];
        if (child === undefined) continue;
        out += `${out.length === 1 ? '' : ','}${canonicalJsonOfParsed(keys[i])}:${canonicalJsonOfParsed(child)}`;
      }
      return `${out}}`;
    }
    default:
      throw new CanonicalJsonError('$', `a ${typeof value} has no JSON form`);
  }
}

export function canonicalBytes(value: unknown): Uint8Array {
  return Buffer.from(canonicalJson(value), 'utf8');
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const ANY_SURROGATE = /[\uD800-\uDFFF]/;

/** Where the walk is: array indexes and object keys from the root, formatted only on error. */
type Trail = Array<string | number>;

function assertCanonicalisable(value: unknown): void {
  if (value === undefined) throw new CanonicalJsonError('$', 'undefined');
  try {
    checkValue(value, [], new Set<object>());
  } catch (error) {
    if (error instanceof RangeError) throw new CanonicalJsonError('$', 'nested too deeply');
    throw error;
  }
}

function reject(trail: Trail, problem: string): never {
  const path = trail.map((step) => (typeof step === 'number' ? `[${step}]` : `.${step}`)).join('');
  throw new CanonicalJsonError(`$${path}`, problem);
}

function checkValue(value: unknown, trail: Trail, ancestors: Set<object>): void {
  switch (typeof value) {
    case 'string':
      if (hasLoneSurrogate(value)) reject(trail, 'string contains a lone UTF-16 surrogate');
      return;
    case 'number':
      if (!Number.isFinite(value)) reject(trail, `${value} is not a JSON number`);
      return;
    case 'boolean':
    case 'undefined': // only reached inside objects/arrays: omitted or null, as in JSON
      return;
    case 'object':
      if (value !== null) checkObject(value, trail, ancestors);
      return;
    default:
      reject(trail, `a ${typeof value} has no JSON form`);
  }
}

function hasLoneSurrogate(text: string): boolean {
  return ANY_SURROGATE.test(text) && LONE_SURROGATE.test(text);
}

function checkObject(value: object, trail: Trail, ancestors: Set<object>): void {
  if (ancestors.has(value)) reject(trail, 'cyclic reference');
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) {
    reject(trail, 'binary data has no canonical JSON form; encode it as a string');
  }
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') {
    checkValue(toJSON.call(value), trail, ancestors);
    return;
  }
  if (value instanceof Map || value instanceof Set || value instanceof WeakMap || value instanceof WeakSet) {
    reject(trail, `${value.constructor.name} would be encoded as {}`);
  }
  ancestors.add(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      trail.push(i);
      checkValue(value[i], trail, ancestors);
      trail.pop();
    }
  } else {
    for (const key of Object.keys(value)) {
      trail.push(key);
      if (hasLoneSurrogate(key)) reject(trail, 'key contains a lone UTF-16 surrogate');
      checkValue((value as Record<string, unknown>)[key], trail, ancestors);
      trail.pop();
    }
  }
  ancestors.delete(value);
}
