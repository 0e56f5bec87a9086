/**
 * The Streamable HTTP transport: a client's POST MUST include an Accept header "listing both
 * `application/json` and `text/event-stream`" (warden may answer either). Listing means naming
 * them, as the SDK servers check: a wildcard (`*\/*`, what fetch and curl send by default) does
 * not, and a type with `q=0` is refused, not listed.
 */
export function acceptsJsonAndEventStream(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  const listed = new Set(
    accept.split(',').flatMap((part) => {
      const [range, ...params] = part.split(';').map((s) => s.trim().toLowerCase());
      const q = params.find((p) => p.startsWith('q='));
      return range && !(q !== undefined && Number(q.slice(2)) === 0) ? [range] : [];
    }),
  );
  return listed.has('application/json') && listed.has('text/event-stream');
}
