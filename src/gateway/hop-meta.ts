import { META_CLIENT_CAPABILITIES, META_CLIENT_INFO, META_PROTOCOL_VERSION } from './edge/protocol-revision';

/**
 * `_meta` keys that describe one hop of a 2026-07-28 exchange (the agent's protocol version,
 * client info and capabilities). They belong to the agent↔warden hop: warden's own client sets
 * its own for the warden↔upstream hop. Every other `_meta` key (progress tokens, audit context
 * such as SEP-2817's, vendor keys) is forwarded intact.
 */
const HOP_META_KEYS = new Set([META_PROTOCOL_VERSION, META_CLIENT_INFO, META_CLIENT_CAPABILITIES]);

export function forwardableParams(params: Record<string, unknown>): Record<string, unknown> {
  const meta = params._meta;
  if (typeof meta !== 'object' || meta === null) return params;
  const kept = Object.fromEntries(Object.entries(meta).filter(([key]) => !HOP_META_KEYS.has(key)));
  const { _meta: _dropped, ...rest } = params;
  return Object.keys(kept).length > 0 ? { ...rest, _meta: kept } : rest;
}
