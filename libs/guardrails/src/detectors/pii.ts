import { ibanValid, luhnValid } from '../checksums';
import { matchesOf, type Detection } from '../detection';

/* Linear-time argument: as in secrets.ts — bounded repetitions only, each pattern either anchored at
 * the start of a run of its own alphabet (negative lookbehind) or of bounded total length. */

const EMAIL = /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,8}(?![A-Za-z0-9-]|:\S)/g;
// +CC, an area code (in parentheses or not), then two groups; separators required between groups.
const PHONE = /(?<![\w+.-])(?:\+\d{1,3}[ .-]?)?(?:\(\d{2,4}\)[ .-]?|\d{2,4}[ .-])\d{3,4}[ .-]\d{3,4}(?![\w-]|\.\d)/g;
const INTL_PHONE = /(?<![\w+])\+\d{1,3}[ ]?\d{1,4}(?:[ ]?\d{2,4}){1,5}(?![\w-])/g;
const CARD = /(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])/g;
const IBAN = /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?(?![A-Za-z0-9])/g;
const SSN = /(?<![\d-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\d-])/g;
const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = new RegExp(`(?<![\\d.])(?:${OCTET}\\.){3}${OCTET}(?![\\d]|\\.\\d)`, 'g');
const DIGIT = /\d/;
const DIGIT_RUN = /\d[ -]?\d[ -]?\d[ -]?\d/;
const IPV6_CANDIDATE = /(?<![A-Za-z0-9:.])[0-9A-Fa-f:]{2,39}(?![A-Za-z0-9:])/g;

function emailShaped(m: RegExpExecArray): boolean {
  const domain = m[0].slice(m[0].indexOf('@') + 1);
  const tld = domain.slice(domain.lastIndexOf('.') + 1);
  const local = m[0].slice(0, m[0].indexOf('@'));
  return /^[A-Za-z]{2,24}$/.test(tld) && !local.startsWith('.') && !local.endsWith('.') && !local.includes('..');
}

function cardShaped(m: RegExpExecArray): boolean {
  const digits = m[0].replace(/[ -]/g, '');
  if (digits.length < 13 || digits.length > 19 || /^(\d)\1+$/.test(digits)) return false;
  // Issuer prefixes: Visa 4, Mastercard 51-55 / 22-27, Amex 34/37, Discover 6, Diners 30/36/38, JCB 35.
  if (!/^(?:4|5[1-5]|2[2-7]|3[0-8]|6)/.test(digits)) return false;
  return luhnValid(digits);
}

function ipv6Shaped(m: RegExpExecArray): boolean {
  const text = m[0];
  const doubles = text.split('::').length - 1;
  if (doubles > 1 || (text.match(/:/g) ?? []).length < 2) return false;
  const groups = text.split(':').filter((g) => g.length > 0);
  if (groups.some((g) => g.length > 4) || groups.length === 0) return false;
  if (doubles === 0 ? groups.length !== 8 : groups.length > 7) return false;
  // Clock times (10:30:00) and MAC addresses have no "::" and fewer than 8 groups: refused above.
  return groups.some((g) => /[0-9a-f]/i.test(g));
}

// Each detector first checks for a character its matches cannot do without: most strings need no regex at all.
export const detectEmail = (text: string): Detection[] => (text.includes('@') ? matchesOf(text, EMAIL, 'email', emailShaped) : []);
export function detectPhone(text: string): Detection[] {
  if (!DIGIT.test(text)) return [];
  const found = matchesOf(text, PHONE, 'phone', (m) => m[0].replace(/\D/g, '').length >= 9);
  for (const d of matchesOf(text, INTL_PHONE, 'phone', (m) => m[0].replace(/\D/g, '').length >= 9 && m[0].replace(/\D/g, '').length <= 15)) {
    if (!found.some((f) => f.start < d.end && d.start < f.end)) found.push(d);
  }
  return found;
}
export const detectPaymentCard = (text: string): Detection[] => (!DIGIT_RUN.test(text) ? [] : matchesOf(text, CARD, 'payment_card', cardShaped));
export const detectIban = (text: string): Detection[] => (DIGIT.test(text) ? matchesOf(text, IBAN, 'iban', (m) => ibanValid(m[0])) : []);
export const detectSsn = (text: string): Detection[] => (text.includes('-') ? matchesOf(text, SSN, 'us_ssn') : []);
export const detectIpAddress = (text: string): Detection[] => [
  ...(text.includes('.') ? matchesOf(text, IPV4, 'ip_address') : []),
  ...(text.includes(':') ? matchesOf(text, IPV6_CANDIDATE, 'ip_address', ipv6Shaped) : []),
];
