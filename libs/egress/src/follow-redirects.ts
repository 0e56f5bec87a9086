import { request, type Dispatcher } from 'undici';
import { checkEgressUrl } from './check-egress-url';
import { EgressError } from './egress-decision';
import type { EgressPolicy } from './egress-policy';

export interface RedirectingRequest {
  method?: string;
  headers?: Record<string, string>;
  /** A body that can be sent again on a 307 / 308. */
  body?: string | Buffer;
  /** Redirects followed at most (default 5); one more is EGRESS.TOO_MANY_REDIRECTS. */
  maxRedirects?: number;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Headers that must not travel to another origin than the one they were meant for. */
const ORIGIN_BOUND = ['authorization', 'cookie', 'proxy-authorization'];

/**
 * A request that follows redirects, each hop's target checked by checkEgressUrl BEFORE it is
 * requested (an EgressError otherwise); the dispatcher (createEgressDispatcher) checks again at
 * connect time. 303, and 301/302 after a POST, turn into a GET without body, as browsers do;
 * credentials are dropped when a hop leaves the first origin.
 */
export async function requestFollowingRedirects(dispatcher: Dispatcher, policy: EgressPolicy, url: string, init: RedirectingRequest = {}): Promise<Dispatcher.ResponseData> {
  const maxRedirects = init.maxRedirects ?? 5;
  let method = (init.method ?? 'GET').toUpperCase();
  let body = init.body;
  let headers = { ...init.headers };
  let target = url;
  let origin: string | undefined;
  for (let hop = 0; ; hop++) {
    const decision = checkEgressUrl(target, policy);
    if (!decision.allowed) throw new EgressError(decision);
    origin ??= decision.url.origin;
    if (decision.url.origin !== origin) headers = withoutOriginBound(headers);
    const response = await request(decision.url, { dispatcher, method: method as Dispatcher.HttpMethod, headers, body });
    const location = response.headers.location;
    if (!REDIRECTS.has(response.statusCode) || typeof location !== 'string') return response;
    await response.body.dump();
    if (hop >= maxRedirects) throw new EgressError({ allowed: false, reason: 'EGRESS.TOO_MANY_REDIRECTS', detail: `more than ${maxRedirects} redirects from ${url}` });
    if (response.statusCode === 303 || ((response.statusCode === 301 || response.statusCode === 302) && method === 'POST')) {
      method = method === 'HEAD' ? 'HEAD' : 'GET';
      body = undefined;
    }
    try {
      target = new URL(location, decision.url).href;
    } catch {
      throw new EgressError({ allowed: false, reason: 'EGRESS.INVALID_URL', detail: 'a redirect to an invalid URL' });
    }
  }
}

function withoutOriginBound(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !ORIGIN_BOUND.includes(name.toLowerCase())));
}
