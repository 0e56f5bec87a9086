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

/** One listen request: aborted to end it; `done` settles when its stream ends. */
interface Attempt {
  abort: AbortController;
  done: Promise<void>;
  acknowledged: boolean;
  ended: boolean;
}

/**
 * Listens on a 2026-07-28 upstream's own `subscriptions/listen` (SEP-2575) for as long as the
 * session lives: one long POST whose SSE stream carries `notifications/subscriptions/acknowledged`
 * and then the list changes warden asked for (those the upstream's capabilities offer), and the
 * updates of the resources agents subscribed to (`watch`: `resourceSubscriptions`). A listen's
 * filter is fixed, so a change of URIs opens a successor listen and closes its predecessor once
 * the successor is acknowledged (no gap; a notification may come twice meanwhile). When the
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
  const wanted = () => Object.keys(filter).length > 0 || uris.length > 0;
  let uris: string[] = [];
  let closed = false;
  let running = false;
  let heardBefore = false;
  let current: Attempt | undefined;
  let successor: Attempt | undefined;
  let wake: (() => void) | undefined;

  const open = (onAcknowledged: () => void): Attempt => {
    const abort = new AbortController();
    const attempt: Attempt = { abort, acknowledged: false, ended: false, done: Promise.resolve() };
    const run = async () => {
      const target = withCredential(options.url, { ...options.headers, 'mcp-method': 'subscriptions/listen' }, await options.credential());
      if (abort.signal.aborted) return;
      const notifications = { ...filter, ...(uris.length > 0 ? { resourceSubscriptions: uris } : {}) };
      await exchangeJsonRpc(options.dispatcher, {
        url: target.url,
        headers: target.headers,
        id: 0,
        body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'subscriptions/listen', params: options.envelope({ notifications }) }),
        timeoutMs: NO_TIMEOUT_MS,
        signal: abort.signal,
        sessionful: false,
        onNotification: (message: JsonRpcMessage) => {
          if (message.method === 'notifications/subscriptions/acknowledged') {
            attempt.acknowledged = true;
            onAcknowledged();
          } else if (message.method === 'notifications/tools/list_changed') options.onToolsChanged?.();
          else options.onNotification?.(message);
        },
      });
    };
    attempt.done = run().finally(() => (attempt.ended = true));
    return attempt;
  };

  /** A listen that is not a successor: once acknowledged after a gap, the tools are rediscovered. */
  const openAfterGap = (onBack: () => void) =>
    open(() => {
      onBack();
      if (heardBefore) options.onToolsChanged?.();
      heardBefore = true;
    });

  const replace = () => {
    successor?.abort.abort();
    const predecessor = current;
    const next: Attempt = open(() => {
      if (successor === next) predecessor?.abort.abort();
      // Adopted already: its predecessor ended before it was acknowledged, a gap after all.
      else if (current === next) options.onToolsChanged?.();
    });
    successor = next;
    // A successor that fails before its acknowledgement: the predecessor is closed, and the loop opens a fresh listen.
    void next.done.catch(() => undefined).then(() => {
      if (successor === next && !next.acknowledged) {
        successor = undefined;
        predecessor?.abort.abort();
      }
    });
  };

  const start = () => {
    running = true;
    void (async () => {
      let failures = 0;
      current = openAfterGap(() => (failures = 0));
      while (!closed) {
        try {
          await current.done;
        } catch (error) {
          if (error instanceof UpstreamRpcError) break; // the upstream does not serve subscriptions/listen
        }
        if (closed) break;
        if (successor) {
          // Replaced (its successor was acknowledged), or ended while a successor was on its way: the successor goes on.
          current = successor;
          successor = undefined;
          continue;
        }
        if (!wanted()) break;
        const replaced = current.abort.signal.aborted;
        if (!replaced) {
          const delay = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** failures++);
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, delay);
            timer.unref();
            wake = resolve;
          });
          if (closed) break;
        }
        current = openAfterGap(() => (failures = 0));
      }
      running = false;
    })();
  };

  const watch = (next: readonly string[]) => {
    if (!watchesResources || closed) return;
    const sorted = [...new Set(next)].sort();
    if (sorted.length === uris.length && sorted.every((uri, i) => uri === uris[i])) return;
    uris = sorted;
    if (!running) return start();
    if (current?.acknowledged && !current.ended) return replace();
    // Not listening right now (opening, or waiting to retry): the next attempt asks for the new URIs.
    current?.abort.abort();
    wake?.();
  };

  const close = () => {
    closed = true;
    successor?.abort.abort();
    current?.abort.abort();
    wake?.();
  };

  if (wanted()) start();
  return { filter, watchesResources, watch, close };
}
