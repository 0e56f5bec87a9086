export const STATELESS_REVISION = '2026-07-28';
export const CLIENT_INFO = { name: 'warden-gateway', version: '0.1.0' };

export interface UpstreamSession {
  /** The revision negotiated with the upstream (2025-06-18, 2025-11-25, 2026-07-28, …). */
  readonly protocolVersion: string | undefined;
  /** What the upstream said it offers (initialize result or server/discover). */
  readonly capabilities: Readonly<Record<string, unknown>>;
  request(method: string, params: Record<string, unknown> | undefined, options: UpstreamRequestOptions & { timeoutMs: number }): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

export interface UpstreamRequestOptions {
  /** The agent's cancellation: aborting abandons (and, where the revision allows, cancels) the request. */
  signal?: AbortSignal;
  /** Notifications the upstream sends about this request before answering it (progress, logging). */
  onNotification?: (message: Record<string, unknown>) => void;
}

export interface UpstreamSessionOptions {
  timeoutMs: number;
  headers?: Record<string, string>;
}
