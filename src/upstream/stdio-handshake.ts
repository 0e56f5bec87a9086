import { LATEST_PROTOCOL_VERSION, SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/client';
import type { StdioPeer } from './stdio-rpc';
import { UpstreamExchangeError } from './upstream-errors';
import { CLIENT_INFO } from './upstream-session';

export interface StdioHandshake {
  protocolVersion: string;
  capabilities: Readonly<Record<string, unknown>>;
}

/**
 * The MCP handshake over stdio, as the SDK client makes it: `initialize` offering the newest
 * revision the SDK speaks (no client capabilities: a stdio session is shared by agents), the
 * server's answer accepted when it names a revision warden supports (otherwise refused, as the
 * SDK refuses it), then `notifications/initialized`.
 */
export async function stdioHandshake(peer: StdioPeer, timeoutMs: number): Promise<StdioHandshake> {
  const result = await peer.request('initialize', { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: CLIENT_INFO }, { timeoutMs });
  const { protocolVersion, capabilities } = result;
  if (typeof protocolVersion !== 'string' || !SUPPORTED_PROTOCOL_VERSIONS.includes(protocolVersion)) {
    throw new UpstreamExchangeError('bad_response', 'the stdio upstream answered initialize with a protocol version warden does not support');
  }
  if (!isObject(capabilities)) throw new UpstreamExchangeError('bad_response', 'the stdio upstream answered initialize without its capabilities');
  peer.notify('notifications/initialized');
  return { protocolVersion, capabilities: Object.freeze({ ...capabilities }) };
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
