/**
 * Finds the first string — a value or an object key — that holds a lone UTF-16 surrogate, in a
 * value parsed from JSON. Such text has no UTF-8 form and is not I-JSON (RFC 7493), so the
 * ledger's canonical JSON refuses it: warden refuses it where it enters (the edge, an upstream's
 * answer) instead of failing later with nothing recorded.
 *
 * The answer is a path such as `params.arguments.note` or `result.content[0].text`: it names
 * where the bad text is, never the text itself (a key holding one is named by its position,
 * `params.arguments.<key 2>`). The walk is iterative, so deeply nested input cannot overflow.
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const ANY_SURROGATE = /[\uD800-\uDFFF]/;
/** In JSON text, a lone surrogate can only come from a `\uD800`–`\uDFFF` escape (decoding turns bad UTF-8 into U+FFFD). */
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;
const MAX_PATH_CHARS = 200;

export function hasLoneSurrogate(text: string): boolean {
  return ANY_SURROGATE.test(text) && LONE_SURROGATE.test(text);
}

/** Cheap pre-check on raw JSON text: false means no string parsed from it can hold a lone surrogate. */
export function mayHoldLoneSurrogate(jsonText: string): boolean {
  return SURROGATE_ESCAPE.test(jsonText);
}

interface Step {
  value: unknown;
  parent: Step | null;
  /** How this value is reached from its parent: `.key`, `["key"]`, `[index]` or `.<key n>`. */
  label: string;
  /** The key of this step is itself the bad string. */
  badKey?: true;
}

export function loneSurrogatePath(value: unknown, root: string): string | undefined {
  const pending: Step[] = [{ value, parent: null, label: root }];
  while (pending.length > 0) {
    const step = pending.pop()!;
    const current = step.value;
    if (step.badKey) return pathOf(step);
    if (typeof current === 'string') {
      if (hasLoneSurrogate(current)) return pathOf(step);
      continue;
    }
    if (typeof current !== 'object' || current === null) continue;
    if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--) pending.push({ value: current[i], parent: step, label: `[${i}]` });
      continue;
    }
    const keys = Object.keys(current);
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i];
      if (hasLoneSurrogate(key)) {
        // Checked before the values below are visited: report the first bad thing in key order.
        pending.push({ value: undefined, parent: step, label: `.<key ${i + 1}>`, badKey: true });
        continue;
      }
      pending.push({ value: (current as Record<string, unknown>)[key], parent: step, label: labelOf(key) });
    }
  }
  return undefined;
}

const labelOf = (key: string) => (/^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`);

function pathOf(step: Step): string {
  const labels: string[] = [];
  for (let s: Step | null = step; s; s = s.parent) labels.push(s.label);
  const path = labels.reverse().join('');
  return path.length <= MAX_PATH_CHARS ? path : `${path.slice(0, MAX_PATH_CHARS)}…`;
}
