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
  /** The filter asked for; empty when the upstream offers no list changes (then nothing is listened to). */
  readonly filter: Readonly<Record<string, true>>;
  close(): void;
}

/**
 * Listens on a 2026-07-28 upstream's own `subscriptions/listen` (SEP-2575) for as long as the
 * session lives: one long POST whose SSE stream carries `notifications/subscriptions/acknowledged`
 * and then the list changes warden asked for (those the upstream's capabilities offer). When the
 * stream ends or fails it is opened again (backoff up to 30 s); once it is back, warden treats the
 * tool list as changed, since a change in between would have gone unheard. An upstream that
 * answers the listen with a JSON-RPC error (it does not serve it) is not asked again.
 */
export function listenOnUpstream(options: UpstreamListenOptions): UpstreamListen {
  const filter: Record<string, true> = {};
  for (const [capability, kind] of Object.entries(LIST_FILTERS)) {
    if ((options.capabilities[capability] as { listChanged?: unknown } | undefined)?.listChanged === true) filter[kind] = true;
  }
  let closed = false;
  let current: AbortController | undefined;
  let wake: (() => void) | undefined;
  const close = () => {
    closed = true;
    current?.abort();
    wake?.();
  };
  if (Object.keys(filter).length === 0) return { filter, close };

  const body = JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'subscriptions/listen', params: options.envelope({ notifications: filter }) });
  const listenOnce = async (onAcknowledged: () => void): Promise<void> => {
    current = new AbortController();
    const target = withCredential(options.url, { ...options.headers, 'mcp-method': 'subscriptions/listen' }, await options.credential());
    await exchangeJsonRpc(options.dispatcher, {
      url: target.url,
      headers: target.headers,
      id: 0,
      body,
      timeoutMs: NO_TIMEOUT_MS,
      signal: current.signal,
      sessionful: false,
      onNotification: (message: JsonRpcMessage) => {
        if (message.method === 'notifications/subscriptions/acknowledged') onAcknowledged();
        else if (message.method === 'notifications/tools/list_changed') options.onToolsChanged?.();
        else options.onNotification?.(message);
      },
    });
  };

  void (async () => {
    let failures = 0;
    let heardBefore = false;
    while (!closed) {
      try {
        await listenOnce(() => {
          failures = 0;
          if (heardBefore) options.onToolsChanged?.();
          heardBefore = true;
        });
      } catch (error) {
        if (error instanceof UpstreamRpcError) return; // the upstream does not serve subscriptions/listen
      }
      if (closed) return;
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
  })();
  return { filter, close };
}
