import { canonicalJson, sha256Hex } from '@warden/ledger';
import { WardenError } from '../common/warden-error';
import type { UpstreamCredentials } from '../upstream/upstream-credentials';
import type { UpstreamEndpoint, UpstreamPool, UpstreamTarget } from '../upstream/upstream-pool';
import type { ToolDefinition } from './registry.events';

const MAX_PAGES = 100;
const TOOL_NAME = /^[A-Za-z0-9_.-]{1,128}$/;

/** tools/list over every page, on a fresh session (with the server's credential); rejects answers that are not a tool list. */
export async function discoverTools(upstreams: UpstreamPool, endpoint: UpstreamEndpoint, credentials?: UpstreamCredentials): Promise<{ protocolVersion?: string; tools: ToolDefinition[] }> {
  const session = await upstreams.open(endpoint, credentials);
  try {
    return { protocolVersion: session.protocolVersion, tools: await listAllTools((params) => upstreams.requestOn(session, 'tools/list', params)) };
  } finally {
    await session.close().catch(() => undefined);
  }
}

/**
 * tools/list on the server's pooled session, whatever its recorded health (a stdio server: its
 * one child is the pooled one; discovery must not start a second).
 */
export async function discoverToolsPooled(upstreams: UpstreamPool, target: UpstreamTarget): Promise<{ protocolVersion?: string; tools: ToolDefinition[] }> {
  return { tools: await listAllTools((params) => upstreams.probe(target, 'tools/list', params)) };
}

async function listAllTools(list: (params: Record<string, unknown> | undefined) => Promise<Record<string, unknown>>): Promise<ToolDefinition[]> {
    const tools: ToolDefinition[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const result = await list(cursor ? { cursor } : undefined);
      if (!Array.isArray(result.tools)) throw badList('tools/list result has no tools array');
      for (const tool of result.tools as unknown[]) {
        if (typeof tool !== 'object' || tool === null || typeof (tool as ToolDefinition).name !== 'string' || !TOOL_NAME.test((tool as ToolDefinition).name)) {
          throw badList('tools/list returned a tool without a valid name');
        }
        tools.push(tool as ToolDefinition);
      }
      cursor = typeof result.nextCursor === 'string' ? result.nextCursor : undefined;
      if (!cursor) return tools;
    }
    throw badList(`tools/list did not end after ${MAX_PAGES} pages`);
}

/** Each definition with the digest that identifies it (sha256 of its canonical JSON): a changed definition is a changed tool. */
export function withDigests(tools: ToolDefinition[]): Array<{ definition: ToolDefinition; definitionDigest: string }> {
  return tools.map((definition) => ({ definition, definitionDigest: sha256Hex(canonicalJson(definition)) }));
}

function badList(message: string): WardenError {
  return new WardenError('upstream', 'UPSTREAM.BAD_RESPONSE', message);
}
