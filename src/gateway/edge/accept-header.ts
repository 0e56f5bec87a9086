/**
 * The Streamable HTTP transport: a client's POST MUST include an Accept header "listing both
 * `application/json` and `text/event-stream`" (warden may answer either). Listing means naming
 * them, as the SDK servers check: a wildcard (`*\/*`, what fetch and curl send by default) does
 * not, and a type with `q=0` is refused, not listed.
 */
export function acceptsJsonAndEventStream(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  // An agent sends the same header on every request: the answer for the last few is kept.
  const known = decided.get(accept);
  if (known !== undefined) return known;
  const answer = listsJsonAndEventStream(accept);
  if (decided.size >= DECIDED_KEPT) decided.clear();
  decided.set(accept, answer);
  return answer;
}

const DECIDED_KEPT = 64;
const decided = new Map<string, boolean>();

function listsJsonAndEventStream(accept: string): boolean {
  const listed = new Set(
    accept.split(',').flatMap((part) => {
      const [range, ...params] = part.split(';').map((s) => s.trim().toLowerCase());
      const q = params.find((p) => p.startsWith('q='));
      return range && !(q !== undefined && Number(q.slice(2)) === 0) ? [range] : [];
    }),
  );
  return listed.has('application/json') && listed.has('text/event-stream');
}
