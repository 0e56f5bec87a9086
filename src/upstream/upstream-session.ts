export const STATELESS_REVISION = '2026-07-28';
export const CLIENT_INFO = { name: 'warden-gateway', version: '0.1.0' };

export interface UpstreamSession {
  /** The revision negotiated with the upstream (2025-06-18, 2025-11-25, 2026-07-28, …). */
  readonly protocolVersion: string | undefined;
  /** What the upstream said it offers (initialize result or server/discover). */
  readonly capabilities: Readonly<Record<string, unknown>>;
  request(method: string, params: Record<string, unknown> | undefined, options: { timeoutMs: number; signal?: AbortSignal }): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

export interface UpstreamSessionOptions {
  timeoutMs: number;
  headers?: Record<string, string>;
}
