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
