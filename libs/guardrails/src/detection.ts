/** One match of a detector in one string: where it is (UTF-16 offsets, end exclusive) and what it is. */
export interface Detection {
  start: number;
  end: number;
  /** What was found, e.g. aws_access_key, email, instruction_override: the `<kind>` of `[REDACTED:<kind>]`. */
  kind: string;
}

/** A detector finds its matches in one string. Pure, linear in the length of the text. */
export type DetectFn = (text: string) => Detection[];

/** Every match of a global regex, with a check on the matched text (and its first capture, if any). */
export function matchesOf(text: string, pattern: RegExp, kind: string, accept: (match: RegExpExecArray) => boolean = () => true): Detection[] {
  const out: Detection[] = [];
  pattern.lastIndex = 0;
  for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
    if (m[0].length === 0) {
      pattern.lastIndex += 1;
      continue;
    }
    if (accept(m)) out.push({ start: m.index, end: m.index + m[0].length, kind });
  }
  return out;
}
