import { fetch as undiciFetch, type Dispatcher } from 'undici';

/*
 * Upstream HTTP goes through npm undici 7 on one keep-alive dispatcher (the egress guard's, see
 * upstream-egress.ts), shared by the SDK's handshake (fetch) and warden's own request path (`request`).
 */

/**
 * The SDK transport hands every request the same long-lived AbortSignal, and fetch leaves a
 * listener on it per request until garbage collection: under load thousands piled up. So each
 * handshake request gets its own signal, linked to the transport's only until its headers arrive.
 */
const inFlight = new WeakMap<AbortSignal, Set<AbortController>>();

function linkedController(outer: AbortSignal | null | undefined): { signal: AbortSignal; release(): void } {
  const own = new AbortController();
  if (!outer) return { signal: own.signal, release: () => undefined };
  if (outer.aborted) {
    own.abort(outer.reason);
    return { signal: own.signal, release: () => undefined };
  }
  let requests = inFlight.get(outer);
  if (!requests) {
    const set = new Set<AbortController>();
    requests = set;
    inFlight.set(outer, set);
    outer.addEventListener('abort', () => set.forEach((c) => c.abort(outer.reason)), { once: true });
  }
  requests.add(own);
  return { signal: own.signal, release: () => requests!.delete(own) };
}

/** A fetch on the given dispatcher, for the SDK transports' handshake. */
export function guardedFetch(dispatcher: Dispatcher): (url: string | URL, init?: RequestInit) => Promise<Response> {
  return async (url, init = {}) => {
    const link = linkedController(init.signal);
    try {
      return (await undiciFetch(url, { ...(init as object), signal: link.signal, dispatcher } as never)) as unknown as Response;
    } finally {
      link.release();
    }
  };
}
