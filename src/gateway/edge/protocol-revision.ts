import { WardenError } from '../../common/warden-error';

/** The MCP revisions warden speaks with agents (DESIGN.md §4, docs/mcp-wire-notes.md). */
export const STATELESS_REVISION = '2026-07-28';
export const SESSION_REVISIONS = ['2025-11-25', '2025-06-18'] as const;
export const LATEST_SESSION_REVISION = SESSION_REVISIONS[0];

export const META_PROTOCOL_VERSION = 'io.modelcontextprotocol/protocolVersion';
export const META_CLIENT_INFO = 'io.modelcontextprotocol/clientInfo';
export const META_CLIENT_CAPABILITIES = 'io.modelcontextprotocol/clientCapabilities';
export const META_SERVER_INFO = 'io.modelcontextprotocol/serverInfo';

/**
 * A request is 2026-07-28-era exactly when its `_meta` envelope declares a protocol version;
 * a header alone never switches eras (a 2026 header without the envelope is a mismatch).
 */
export function statelessRevisionOf(params: Record<string, unknown> | undefined, versionHeader: string | undefined): string | undefined {
  const meta = params?._meta as Record<string, unknown> | undefined;
  const declared = meta?.[META_PROTOCOL_VERSION];
  if (declared === undefined) {
    if (versionHeader !== undefined && versionHeader >= STATELESS_REVISION) {
      throw new WardenError('bad_request', 'EDGE.HEADER_MISMATCH', 'the MCP-Protocol-Version header declares 2026-07-28 but the request has no _meta envelope', {
        mismatch: { header: versionHeader, body: '(missing)' },
      });
    }
    return undefined;
  }
  if (typeof declared !== 'string' || declared !== STATELESS_REVISION) {
    throw new WardenError('bad_request', 'EDGE.UNSUPPORTED_PROTOCOL_VERSION', `unsupported protocol version: ${String(declared)}`, {
      supported: [STATELESS_REVISION],
      requested: declared,
    });
  }
  if (versionHeader !== declared) {
    throw new WardenError('bad_request', 'EDGE.HEADER_MISMATCH', 'the MCP-Protocol-Version header and the _meta envelope disagree', {
      mismatch: { header: versionHeader ?? '(missing)', body: declared },
    });
  }
  return declared;
}

export function negotiateSessionRevision(requested: unknown): string {
  return typeof requested === 'string' && (SESSION_REVISIONS as readonly string[]).includes(requested) ? requested : LATEST_SESSION_REVISION;
}

/**
 * After initialize, a 2025 client sends MCP-Protocol-Version with every request: the revision
 * its session negotiated. A header naming any other revision (a supported one included) is
 * refused rather than served in the session's: client and gateway disagree on the wire format.
 * No header is the 2025-03-26 fallback the transport allows, and is served in the session's revision.
 */
export function checkSessionVersionHeader(versionHeader: string | undefined, sessionRevision: string): void {
  if (versionHeader === undefined || versionHeader === sessionRevision) return;
  throw new WardenError('bad_request', 'EDGE.HEADER_MISMATCH', `the MCP-Protocol-Version header says ${versionHeader}, the session speaks ${sessionRevision}`, {
    header: 'MCP-Protocol-Version',
    mismatch: { header: versionHeader, session: sessionRevision },
  });
}
