import { childPath, pathCovers } from '@warden/guardrails';

/** Findings beyond this many are only counted by the scanner: then nothing of the payload is indexed. */
const FINDINGS_CAP = 100;
/** Text kept per payload; the rest is not searchable (the payload itself stays whole). */
export const MAX_TEXT_CHARS = 256 * 1024;
/** Keys of an MCP result that are its structure (as the guardrail scanner skips them; `uri` is kept: it names what was read). */
const RESULT_STRUCTURE = new Set(['type', 'mimeType', 'blob', '_meta', 'annotations', 'role', 'isError', 'nextCursor']);

/**
 * The searchable text of a payload: its string and number values (not its keys), each string
 * whose path a guardrail finding names left out, and nothing of it at all if a finding names a
 * key (its segment reads `[REDACTED:…]`, so the value cannot be placed) or findings were capped:
 * what a detector flagged (a secret, a card number, an address) never enters the index in the
 * clear. Binary content (`blob`, image and audio `data`) and a result's structure are skipped. `root` is the path the
 * scanner gave the payload: `$.arguments` for arguments, `$` for a result.
 */
export function searchableText(content: unknown, root: string, findingPaths: readonly string[]): string {
  if (findingPaths.length >= FINDINGS_CAP) return '';
  const flagged: string[] = [];
  for (const path of findingPaths) {
    const key = path.indexOf('[REDACTED:');
    if (key >= 0) {
      const parent = path.slice(0, key).replace(/\[?"?$/, '');
      if (!parent.startsWith(root)) return '';
      flagged.push(parent);
    } else flagged.push(path);
  }
  const inResult = root === '$';
  const parts: string[] = [];
  let length = 0;
  const push = (text: string) => {
    if (length >= MAX_TEXT_CHARS) return;
    parts.push(text);
    length += text.length + 1;
  };
  const walk = (value: unknown, path: string, depth: number): void => {
    if (depth > 64 || length >= MAX_TEXT_CHARS) return;
    if (typeof value === 'string') {
      if (!flagged.some((f) => pathCovers(f, path))) push(value);
      return;
    }
    if (typeof value === 'number' && Number.isFinite(value)) return push(String(value));
    if (Array.isArray(value)) return value.forEach((item, i) => walk(item, childPath(path, i), depth + 1));
    if (typeof value === 'object' && value !== null) {
      const object = value as Record<string, unknown>;
      const binary = object.type === 'image' || object.type === 'audio';
      for (const [key, item] of Object.entries(object)) {
        if (key === 'blob' || (binary && key === 'data') || (inResult && RESULT_STRUCTURE.has(key))) continue;
        walk(item, childPath(path, key), depth + 1);
      }
    }
  };
  walk(content, root, 0);
  return parts.join('\n').slice(0, MAX_TEXT_CHARS);
}
