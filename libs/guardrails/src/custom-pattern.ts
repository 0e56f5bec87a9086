import { RE2JS } from '@bufbuild/re2';
import type { Detection } from './detection';

/** Longest custom pattern source accepted. */
export const MAX_PATTERN_LENGTH = 512;
/** Matches located per string; beyond it, the rest of the string counts as one match (fail closed for redaction). */
const MAX_MATCHES_PER_STRING = 256;

export type PatternCompileResult = { ok: true; pattern: CustomPattern } | { ok: false; message: string };

/**
 * A custom regex with RE2 semantics (linear time, no backreferences or lookaround): @bufbuild/re2
 * answers only "is there a match", so a match is located by bisection on that linear test —
 * the earliest end, then the latest start before it — O(n log n) per match, never backtracking.
 * A located match is widened to the token(s) it touches (up to whitespace, quotes or delimiters), so that redaction
 * never leaves the tail of a secret behind.
 */
export class CustomPattern {
  private constructor(private readonly re: RE2JS) {}

  static compile(source: string, caseInsensitive: boolean, maxLength = MAX_PATTERN_LENGTH): PatternCompileResult {
    if (source.length === 0 || source.length > maxLength) return { ok: false, message: `a pattern is 1 to ${maxLength} characters` };
    try {
      const re = RE2JS.compile(source, caseInsensitive ? RE2JS.CASE_INSENSITIVE : 0);
      if (re.test('')) return { ok: false, message: 'the pattern matches the empty string' };
      return { ok: true, pattern: new CustomPattern(re) };
    } catch (error) {
      return { ok: false, message: `not an RE2 pattern: ${error instanceof Error ? error.message : String(error)}` };
    }
  }

  test(text: string): boolean {
    return this.re.test(text);
  }

  find(text: string, kind: string): Detection[] {
    const out: Detection[] = [];
    let from = 0;
    while (from < text.length && this.re.test(text.slice(from))) {
      if (out.length >= MAX_MATCHES_PER_STRING) {
        out.push({ start: from, end: text.length, kind });
        break;
      }
      const end = this.earliestEnd(text, from);
      const start = this.latestStart(text, from, end);
      const widened = widen(text, start, end);
      out.push({ ...widened, kind });
      from = Math.max(widened.end, from + 1);
    }
    return out;
  }

  /** Smallest e such that text[from, e) contains a match. */
  private earliestEnd(text: string, from: number): number {
    let lo = from + 1;
    let hi = text.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.re.test(text.slice(from, mid))) hi = mid;
      else lo = mid + 1;
    }
    return hi;
  }

  /** Largest s such that text[s, end) still contains a match. */
  private latestStart(text: string, from: number, end: number): number {
    let lo = from;
    let hi = end - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.re.test(text.slice(mid, end))) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

/** Where a token ends: whitespace, quotes and the delimiters of JSON, markup and prose (so that redacting never breaks the text's own syntax). */
const TOKEN_END = /[\s"'`,;<>()[\]{}]/;

function widen(text: string, start: number, end: number): { start: number; end: number } {
  let s = start;
  let e = end;
  while (s > 0 && !TOKEN_END.test(text[s - 1]) && start - s < 256) s -= 1;
  while (e < text.length && !TOKEN_END.test(text[e]) && e - end < 256) e += 1;
  return { start: s, end: e };
}

/** Keyword rules: case-insensitive, whole words (no letter or digit on either side). */
export function findKeywords(text: string, lowered: string, keywords: readonly string[], kind: string): Detection[] {
  const out: Detection[] = [];
  for (const keyword of keywords) {
    for (let at = lowered.indexOf(keyword); at >= 0; at = lowered.indexOf(keyword, at + keyword.length)) {
      const before = at > 0 ? text[at - 1] : ' ';
      const after = at + keyword.length < text.length ? text[at + keyword.length] : ' ';
      if (!/[\p{L}\p{N}_]/u.test(before) && !/[\p{L}\p{N}_]/u.test(after)) out.push({ start: at, end: at + keyword.length, kind });
    }
  }
  return out;
}
