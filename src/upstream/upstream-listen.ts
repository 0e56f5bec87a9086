import type { Dispatcher } from 'undici';
import { exchangeJsonRpc, type JsonRpcMessage } from './json-rpc-exchange';
import { withCredential, type InjectedCredential } from './upstream-credentials';
import { UpstreamRpcError } from './upstream-errors';

/** The list-change kinds of a 2026-07-28 subscription filter, by the capability that offers them. */
const LIST_FILTERS = { tools: 'toolsListChanged', resources: 'resourcesListChanged', prompts: 'promptsListChanged' } as const;

/** The longest wait between two listen attempts after failures. */
const MAX_BACKOFF_MS = 30_000;
const FIRST_BACKOFF_MS = 250;
/** setTimeout's largest delay: the listen request has no time bound of its own (closing it is the end). */
const NO_TIMEOUT_MS = 2_147_483_647;

export interface UpstreamListenOptions {
  url: URL;
  /** The session's 2026-07-28 request headers (version, content type, accept). */
  headers: Record<string, string>;
  dispatcher: Dispatcher;
  credential: () => Promise<InjectedCredential | undefined>;
  /** The upstream's `server/discover` capabilities: only the list changes it offers are asked for. */
  capabilities: Readonly<Record<string, unknown>>;
  /** Wraps params in warden's 2026-07-28 request envelope. */
  envelope: (params: Record<string, unknown>) => Record<string, unknown>;
  /** Told of `notifications/tools/list_changed`, and once after each re-established listen (changes may have been missed meanwhile). */
  onToolsChanged?: () => void;
  /** Told of the other notifications on the stream (resource / prompt list changes). */
  onNotification?: (message: Record<string, unknown>) => void;
}

export interface UpstreamListen {
  /** The list changes asked for; empty when the upstream offers none (then nothing is listened to, unless resources are watched). */
  readonly filter: Readonly<Record<string, true>>;
  /** Whether the upstream offers resource subscriptions (`resources.subscribe`): `watch` can then ask for their updates. */
  readonly watchesResources: boolean;
  /** The resource URIs whose `notifications/resources/updated` warden wants: the listen is opened again with them. */
  watch(uris: readonly string[]): void;
  close(): void;
}

/**
 * Listens on a 2026-07-28 upstream's own `subscriptions/listen` (SEP-2575) for as long as the
 * session lives: one long POST whose SSE stream carries `notifications/subscriptions/acknowledged`
 * and then the list changes warden asked for (those the upstream's capabilities offer), and the
 * updates of the resources agents subscribed to (`watch`: `resourceSubscriptions`). When the
 * stream ends or fails it is opened again (backoff up to 30 s); once it is back, warden treats the
 * tool list as changed, since a change in between would have gone unheard. An upstream that
 * answers the listen with a JSON-RPC error (it does not serve it) is not asked again.
 */
export function listenOnUpstream(options: UpstreamListenOptions): UpstreamListen {
  const filter: Record<string, true> = {};
  for (const [capability, kind] of Object.entries(LIST_FILTERS)) {
    if ((options.capabilities[capability] as { listChanged?: unknown } | undefined)?.listChanged === true) filter[kind] = true;
  }
  const watchesResources = (options.capabilities.resources as { subscribe?: unknown } | undefined)?.subscribe === true;
  let uris: string[] = [];
  let closed = false;
  let running = false;
  let current: AbortController | undefined;
  let wake: (() => void) | undefined;
  const close = () => {
    closed = true;
    current?.abort();
    wake?.();
  };
  const watch = (next: readonly string[]) => {
    if (!watchesResources) return;
    const sorted = [...new Set(next)].sort();
    if (sorted.length === uris.length && sorted.every((uri, i) => uri === uris[i])) return;
    uris = sorted;
    // A listen's filter is fixed: the stream is opened again with the new URIs (once back, the
    // tools are rediscovered as after any gap, so nothing said in between goes unheard).
    if (!running) return start();
    current?.abort();
    wake?.();
  };
  const listenOnce = async (onAcknowledged: () => void): Promise<void> => {
    const abort = (current = new AbortController());
    const target = withCredential(options.url, { ...options.headers, 'mcp-method': 'subscriptions/listen' }, await options.credential());
    if (abort.signal.aborted) return;
    const notifications = { ...filter, ...(uris.length > 0 ? { resourceSubscriptions: uris } : {}) };
    const body = JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'subscriptions/listen', params: options.envelope({ notifications }) });
    await exchangeJsonRpc(options.dispatcher, {
      url: target.url,
      headers: target.headers,
      id: 0,
      body,
      timeoutMs: NO_TIMEOUT_MS,
      signal: abort.signal,
      sessionful: false,
      onNotification: (message: JsonRpcMessage) => {
        if (message.method === 'notifications/subscriptions/acknowledged') onAcknowledged();
        else if (message.method === 'notifications/tools/list_changed') options.onToolsChanged?.();
        else options.onNotification?.(message);
      },
    });
  };

  let heardBefore = false;
  const start = () => {
    running = true;
    void (async () => {
      let failures = 0;
      while (!closed && (Object.keys(filter).length > 0 || uris.length > 0)) {
        const attempt = uris;
        try {
          await listenOnce(() => {
            failures = 0;
            if (heardBefore) options.onToolsChanged?.();
            heardBefore = true;
          });
        } catch (error) {
          if (error instanceof UpstreamRpcError) break; // the upstream does not serve subscriptions/listen
        }
        if (closed) break;
        if (attempt !== uris) continue; // opened again at once with the URIs watched now
        const delay = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** failures++);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delay);
          timer.unref();
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      running = false;
    })();
  };
  if (Object.keys(filter).length > 0) start();
  return { filter, watchesResources, watch, close };
}
