import { entropyOf } from '../checksums';
import { matchesOf, type Detection } from '../detection';

/*
 * Linear-time argument for every regex in this file (they run on untrusted content):
 *  - no nested unbounded quantifiers; every repetition is bounded ({m,n});
 *  - each pattern either starts only at the beginning of a run of its own alphabet (a negative
 *    lookbehind on that alphabet), so runs are tried once, or matches a bounded total length, so
 *    each start position costs a constant;
 *  - consecutive parts use disjoint alphabets or a literal separator, so there is no ambiguous split.
 */

const AWS_ACCESS_KEY = /(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Za-z0-9])/g;
const GITHUB_TOKEN = /(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{22,247})(?![A-Za-z0-9_])/g;
const GITLAB_TOKEN = /(?<![A-Za-z0-9_-])(?:glpat|gldt|glrt|glptt)-[A-Za-z0-9_-]{20,64}(?![A-Za-z0-9_-])/g;
const SLACK_TOKEN = /(?<![A-Za-z0-9-])xox[abposre]-[A-Za-z0-9-]{10,250}(?![A-Za-z0-9-])/g;
const SLACK_WEBHOOK = /https:\/\/hooks\.slack\.com\/services\/T[A-Z0-9]{6,12}\/B[A-Z0-9]{6,12}\/[A-Za-z0-9]{16,32}(?![A-Za-z0-9])/g;
const STRIPE_KEY = /(?<![A-Za-z0-9_])(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,247}(?![A-Za-z0-9_])/g;
const JWT = /(?<![A-Za-z0-9_.-])eyJ[A-Za-z0-9_-]{5,2048}\.eyJ[A-Za-z0-9_-]{2,8192}\.[A-Za-z0-9_-]{0,2048}(?![A-Za-z0-9_.-])/g;
const PRIVATE_KEY_BEGIN = /-----BEGIN (?:[A-Z0-9]{1,12} ){0,3}PRIVATE KEY( BLOCK)?-----/g;
// scheme://user:password@host — the user and password alphabets exclude ':' '@' '/' and whitespace.
const CONNECTION_STRING = /(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{1,20}:\/\/[^\s:/@'"]{1,128}:([^\s:/@'"]{1,256})@[A-Za-z0-9.[\]-]{1,255}/dg;
// A credential-shaped key, then = or :, then the value (its first capture). Bounded total length.
const CREDENTIAL_CONTEXT =
  /(?<![A-Za-z0-9_])(aws_?secret_?access_?key|api[_-]?key|apikey|secret[_-]?key|client[_-]?secret|secret|access[_-]?token|auth[_-]?token|token|password|passwd|pwd|private[_-]?key)["']?\s{0,3}[:=]\s{0,3}["']?([A-Za-z0-9+/=_.~!@#$%^&*-]{12,512})/dgi;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PLACEHOLDER = /^(?:x+|\*+|<[^>]*>|\$\{?[A-Za-z_]+\}?|changeme|password|redacted|example|your[_-].*)$/i;

function jwtShaped(match: RegExpExecArray): boolean {
  const header = match[0].slice(0, match[0].indexOf('.'));
  try {
    const decoded = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as unknown;
    return typeof decoded === 'object' && decoded !== null && ('alg' in decoded || 'typ' in decoded);
  } catch {
    return false;
  }
}

/** Private-key blocks: BEGIN header through its END line, or through the key body if the END is missing. */
function privateKeys(text: string): Detection[] {
  const out: Detection[] = [];
  PRIVATE_KEY_BEGIN.lastIndex = 0;
  let noEndAfter = Number.POSITIVE_INFINITY;
  for (let m = PRIVATE_KEY_BEGIN.exec(text); m !== null; m = PRIVATE_KEY_BEGIN.exec(text)) {
    const bodyStart = m.index + m[0].length;
    // indexOf from here; once there is no END after some position, there is none after any later one.
    const endAt = bodyStart < noEndAfter ? text.indexOf('-----END ', bodyStart) : -1;
    let end: number;
    if (endAt >= 0) {
      const close = text.indexOf('-----', endAt + 9);
      end = close >= 0 ? close + 5 : text.length;
    } else {
      noEndAfter = Math.min(noEndAfter, bodyStart);
      end = bodyStart;
      while (end < text.length && /[A-Za-z0-9+/=\s]/.test(text[end])) end += 1;
    }
    out.push({ start: m.index, end, kind: 'private_key' });
    PRIVATE_KEY_BEGIN.lastIndex = Math.max(end, PRIVATE_KEY_BEGIN.lastIndex);
  }
  return out;
}

function connectionStringPasswords(text: string): Detection[] {
  const out: Detection[] = [];
  CONNECTION_STRING.lastIndex = 0;
  for (let m = CONNECTION_STRING.exec(text); m !== null; m = CONNECTION_STRING.exec(text)) {
    const password = m[1];
    if (PLACEHOLDER.test(password)) continue;
    const [start, end] = m.indices![1];
    out.push({ start, end, kind: 'connection_string_password' });
  }
  return out;
}

/** A value after a credential-shaped key, if it looks like a secret: long, varied, not a UUID or a placeholder. */
function credentialValues(text: string): Detection[] {
  const out: Detection[] = [];
  CREDENTIAL_CONTEXT.lastIndex = 0;
  for (let m = CREDENTIAL_CONTEXT.exec(text); m !== null; m = CREDENTIAL_CONTEXT.exec(text)) {
    const key = m[1].toLowerCase().replace(/[_-]/g, '');
    const value = m[2];
    const [start, end] = m.indices![2];
    if (key === 'awssecretaccesskey' && /^[A-Za-z0-9/+=]{40}$/.test(value)) {
      out.push({ start, end, kind: 'aws_secret_key' });
      continue;
    }
    if (UUID.test(value) || PLACEHOLDER.test(value)) continue;
    const classes = [/[a-z]/, /[A-Z]/, /\d/].filter((c) => c.test(value)).length;
    const isPassword = key === 'password' || key === 'passwd' || key === 'pwd';
    const threshold = isPassword ? 2.5 : 3.5;
    if (value.length >= (isPassword ? 8 : 16) && classes >= 2 && entropyOf(value) >= threshold) out.push({ start, end, kind: isPassword ? 'password' : 'credential' });
  }
  return out;
}

export function detectSecrets(text: string): Detection[] {
  // Cheap checks first: the patterns below all need one of these.
  const has = (s: string) => text.includes(s);
  return [
    ...(has('A') ? matchesOf(text, AWS_ACCESS_KEY, 'aws_access_key') : []),
    ...(has('gh') || has('github_pat_') ? matchesOf(text, GITHUB_TOKEN, 'github_token') : []),
    ...(has('gl') ? matchesOf(text, GITLAB_TOKEN, 'gitlab_token') : []),
    ...(has('xox') ? matchesOf(text, SLACK_TOKEN, 'slack_token') : []),
    ...(has('hooks.slack.com') ? matchesOf(text, SLACK_WEBHOOK, 'slack_webhook') : []),
    ...(has('_live_') || has('_test_') ? matchesOf(text, STRIPE_KEY, 'stripe_key', (m) => !m[0].startsWith('pk_')) : []),
    ...(has('eyJ') ? matchesOf(text, JWT, 'jwt', jwtShaped) : []),
    ...(has('-----BEGIN ') ? privateKeys(text) : []),
    ...(has('://') ? connectionStringPasswords(text) : []),
    ...(has('=') || has(':') ? credentialValues(text) : []),
  ];
}
