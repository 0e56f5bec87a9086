import type { UpstreamEgress } from './upstream-egress';
import type { UpstreamCredentials } from './upstream-credentials';

export const STATELESS_REVISION = '2026-07-28';
export const CLIENT_INFO = { name: 'warden-gateway', version: '0.1.0' };

/**
 * What an upstream may send outside any request that warden relays to agents (a session's
 * `onNotification`; `notifications/tools/list_changed` goes to `onToolsChanged`).
 */
export const RELAYED_SESSION_NOTIFICATIONS = ['notifications/message', 'notifications/resources/updated', 'notifications/resources/list_changed', 'notifications/prompts/list_changed'] as const;

export interface UpstreamSession {
  /** The revision negotiated with the upstream (2025-06-18, 2025-11-25, 2026-07-28, …). */
  readonly protocolVersion: string | undefined;
  /** What the upstream said it offers (initialize result or server/discover). */
  readonly capabilities: Readonly<Record<string, unknown>>;
  request(method: string, params: Record<string, unknown> | undefined, options: UpstreamRequestOptions & { timeoutMs: number }): Promise<Record<string, unknown>>;
  close(): Promise<void>;
  /** A stdio upstream's child process (pid, restarts, back-off), for GET /v1/servers/:id. */
  process?(): StdioProcessTelemetry;
  /**
   * True when the client capabilities are the session's, declared once when it opened (a 2025
   * Streamable HTTP session), and the upstream may ask the client things outside any request's
   * response stream (its standalone GET stream). False or absent: capabilities travel per request
   * (2026-07-28) or the transport never declares any (stdio, HTTP+SSE).
   */
  readonly sessionScopedCapabilities?: boolean;
  /**
   * The upstream's list changes (tools, resources, prompts) reach warden: on a 2025 session's
   * stream, or on the 2026-07-28 upstream's own `subscriptions/listen` (upstream-listen.ts).
   */
  readonly relaysListChanges?: boolean;
  /**
   * The upstream's `notifications/resources/updated` reach warden on the session's one channel
   * (a pooled stdio child's stdout), so `resources/subscribe` can be relayed to it. (A 2025 HTTP
   * session says so by `sessionScopedCapabilities`, a 2026-07-28 one by `watchResources`.)
   */
  readonly relaysResourceUpdates?: boolean;
  /**
   * 2026-07-28 upstreams that offer `resources.subscribe`: the URIs whose updates warden wants
   * (its upstream listen's `resourceSubscriptions`). Absent: updates come on a 2025 session's stream, or not at all.
   */
  readonly watchResources?: (uris: readonly string[]) => void;
}

export interface StdioProcessTelemetry {
  /** `running`; `restarting` (waiting out the back-off after a crash); `failed` (crashed too often in a row); `stopped`. */
  state: 'running' | 'restarting' | 'failed' | 'stopped';
  pid: number | null;
  /** Times the child was started again after a crash. */
  restarts: number;
  /** Crashes since the last request that succeeded. */
  crashesInRow: number;
  /** While restarting: milliseconds until the next start. */
  nextRestartInMs: number | null;
}

export interface UpstreamRequestOptions {
  /** Headers this one request carries besides the session's (2026-07-28: `Mcp-Param-*`). */
  headers?: Record<string, string>;
  /**
   * What warden may claim, on this request's behalf, that the client can do (2026-07-28
   * envelope; sampling / elicitation / roots are only claimed when the agent itself can answer).
   */
  clientCapabilities?: Record<string, unknown>;
  /**
   * The agent the request is made for. With client capabilities to declare and a 2025 upstream
   * (capabilities fixed when a session opens), the request goes on a session of that agent's own.
   */
  agentId?: string;
  /**
   * The least severe log message the agent wants about this request: a 2026-07-28 upstream gets
   * it as the envelope's `io.modelcontextprotocol/logLevel` (unless the agent's own `_meta` names one).
   */
  logLevel?: string;
  /** The agent's cancellation: aborting abandons (and, where the revision allows, cancels) the request. */
  signal?: AbortSignal;
  /** Notifications the upstream sends about this request before answering it (progress, logging). */
  onNotification?: (message: Record<string, unknown>) => void;
  /**
   * A request the upstream makes of the client while working on this one (2025: sampling,
   * elicitation, roots). Resolves with the JSON-RPC answer to send back. Without it, warden
   * answers "method not found".
   */
  onServerRequest?: (request: { method: string; params?: Record<string, unknown> }) => Promise<UpstreamAnswer>;
}

export type UpstreamAnswer = { result: Record<string, unknown> } | { error: { code: number; message: string; data?: unknown } };

export interface UpstreamSessionOptions {
  timeoutMs: number;
  /** The guarded way out: every request of the session (the SDK's handshake too) goes through it. */
  egress: Pick<UpstreamEgress, 'dispatcher' | 'fetch'>;
  headers?: Record<string, string>;
  /** The vault's credential for this upstream, resolved for every request (so a rotation applies to the next one). */
  credentials?: UpstreamCredentials;
  /** Told when the upstream says its tool list changed (notifications/tools/list_changed on its session stream). */
  onToolsChanged?: () => void;
  /** Told when a request's response stream, closed early by the upstream, is resumed. */
  onResumed?: () => void;
  /**
   * The client capabilities declared in the session's initialize (sampling, elicitation, roots):
   * those of the one agent the session serves. Absent: none (a session shared by agents).
   */
  clientCapabilities?: Record<string, unknown>;
  /**
   * Told of what the upstream sends outside any request's response stream (its standalone GET
   * stream): log messages, resource updates, list changes (tools/list_changed goes to onToolsChanged).
   */
  onNotification?: (message: Record<string, unknown>) => void;
}
