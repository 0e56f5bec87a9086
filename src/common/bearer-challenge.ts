/** What a `WWW-Authenticate: Bearer …` challenge says (RFC 6750 §3, RFC 9728 §5.1). Untrusted upstream text. */
export interface BearerChallenge {
  /** RFC 9728: where the protected-resource metadata is. */
  resourceMetadata?: string;
  /** The scope the resource asks for (space-separated scope tokens). */
  scope?: string;
  /** `invalid_token`, `insufficient_scope`, … */
  error?: string;
}

const MAX_HEADER = 8192;
/** RFC 6749 §3.3 scope-token characters, separated by single spaces. */
const SCOPE = /^[\x21\x23-\x5b\x5d-\x7e]+(?: [\x21\x23-\x5b\x5d-\x7e]+)*$/;
const TOKEN68_OR_PARAM = /\s*([A-Za-z0-9!#$%&'*+.^_`|~-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[A-Za-z0-9!#$%&'*+.^_`|~-]+)\s*(,|$)/y;

/**
 * The Bearer challenge among the header's challenges (several schemes may be offered, as one
 * header joined by commas); undefined when there is none or it cannot be parsed. Parameter
 * values are kept only if well-formed: a scope of scope tokens, a resource_metadata that is an
 * absolute http(s) URL, an error code of the RFC 6750 character set.
 */
export function parseBearerChallenge(header: string | null | undefined): BearerChallenge | undefined {
  if (typeof header !== 'string' || header.length === 0 || header.length > MAX_HEADER) return undefined;
  const start = /(?:^|,)\s*Bearer(?:\s+|$)/i.exec(header);
  if (!start) return undefined;
  const params = new Map<string, string>();
  TOKEN68_OR_PARAM.lastIndex = start.index + start[0].length;
  for (;;) {
    const at = TOKEN68_OR_PARAM.lastIndex;
    if (at >= header.length) break;
    const match = TOKEN68_OR_PARAM.exec(header);
    if (!match) break;
    const name = match[1].toLowerCase();
    const raw = match[2];
    const value = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw;
    // `Bearer a=b, Basic realm="x"`: the next scheme starts where a name is not followed by `=`; the regex stops there.
    if (!params.has(name)) params.set(name, value);
    if (match[3] === '') break;
  }
  const challenge: BearerChallenge = {};
  const metadata = params.get('resource_metadata');
  if (metadata !== undefined && isHttpUrl(metadata)) challenge.resourceMetadata = metadata;
  const scope = params.get('scope');
  if (scope !== undefined && scope.length <= 1024 && SCOPE.test(scope)) challenge.scope = scope;
  const error = params.get('error');
  if (error !== undefined && /^[\x20\x21\x23-\x5b\x5d-\x7e]{1,64}$/.test(error)) challenge.error = error;
  return challenge;
}

/** An http(s) URL with no userinfo and no fragment (what a metadata document's address may be). */
export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && !url.username && !url.password && !url.hash;
  } catch {
    return false;
  }
}
