import type { Agent } from '../agents/agents.read-model';
import type { CapabilityScope } from '../identity/tokens/capability-scope';
import type { RegisteredServer } from '../registry/servers.read-model';
import type { UpstreamAnswer } from '../upstream/upstream-session';
import type { JsonRpcId } from './edge/jsonrpc';

/** One authenticated MCP request, whatever the agent's revision: identity from its key, never a session. */
export interface McpRequestContext {
  agent: Agent;
  /** The request's capability token, when it came with one instead of the agent key: it narrows what is listed and callable. */
  token?: CapabilityScope;
  /** `/mcp/<slug>`: that server; `/mcp`: undefined (aggregated, tools prefixed by slug). */
  server?: RegisteredServer;
  /** 'aggregate' or the server's slug, as recorded. */
  endpoint: string;
  protocolVersion: string;
  requestId: JsonRpcId;
  /** true for 2026-07-28+ requests (no session, `_meta` envelope). */
  stateless: boolean;
  /** The 2025 session the request belongs to. */
  sessionId?: string;
  /** Aborted when the agent cancels the request or goes away before its answer. */
  signal?: AbortSignal;
  /** Sends the agent a notification about this request ahead of its answer (the answer becomes an SSE stream). */
  notify?: (message: Record<string, unknown>) => void;
  /** What the agent said it can do (2025: its initialize capabilities; 2026-07-28: the request's envelope). */
  clientCapabilities?: Record<string, unknown>;
  /** Relays a request of the upstream's to the agent on this request's stream and waits for its answer (2025 sessions). */
  ask?: (request: { method: string; params?: Record<string, unknown> }) => Promise<UpstreamAnswer>;
}
