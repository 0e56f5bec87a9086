import { randomUUID } from 'node:crypto';
import { Client } from 'undici';
import { modernHeaders, modernMeta } from './raw-mcp';

/**
 * Concurrent agents calling one tool in a loop over raw HTTP JSON-RPC (undici, one keep-alive
 * connection each), so that the load stays high for little CPU. Every call carries a unique tag,
 * both as its JSON-RPC id (the gateway records it as `requestId` in `ToolCallDecided`, so the
 * ledger names the call without decrypting anything) and as the tool argument `tag` (what the
 * upstream sees). A 2025-11-25 agent opens a session first; a 2026-07-28 agent is stateless.
 * A client stops at its call budget, at the deadline, on stop(), or at its first transport error
 * (the gateway is gone).
 */
export type LoadRevision = '2025-11-25' | '2026-07-28';

export interface TaggedLoadOptions {
  /** Gateway base URL, e.g. http://127.0.0.1:7420. */
  baseUrl: string;
  /** MCP endpoint path, e.g. /mcp/notes. */
  path: string;
  agentKey: string;
  tool: string;
  /** One entry per concurrent client: its revision. */
  clients: LoadRevision[];
  /** Every tag starts with it (e.g. the round). */
  tagPrefix: string;
  maxCallsPerClient: number;
  deadlineMs: number;
}

export interface TaggedLoadReport {
  /** Tags of the calls whose request was issued, by revision. */
  sent: Map<string, LoadRevision>;
  /** Tags answered with the tool's echo of that tag. */
  answered: Set<string>;
  /** Answers that were not a result: JSON-RPC error reasons (or HTTP statuses), counted. */
  refusals: Map<string, number>;
  /** Clients that ended on a transport error (expected once the gateway is killed). */
  transportErrors: number;
}

export interface TaggedLoad {
  stop(): void;
  readonly done: Promise<TaggedLoadReport>;
}

export function startTaggedLoad(options: TaggedLoadOptions): TaggedLoad {
  const report: TaggedLoadReport = { sent: new Map(), answered: new Set(), refusals: new Map(), transportErrors: 0 };
  const deadline = Date.now() + options.deadlineMs;
  let stopped = false;
  const running = () => !stopped && Date.now() < deadline;
  const refuse = (reason: string): void => void report.refusals.set(reason, (report.refusals.get(reason) ?? 0) + 1);

  const runClient = async (revision: LoadRevision, index: number): Promise<void> => {
    const http = new Client(options.baseUrl, { pipelining: 1 });
    const post = async (body: object, headers: Record<string, string>) => {
      const res = await http.request({
        path: options.path,
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${options.agentKey}`, ...headers },
        body: JSON.stringify(body),
      });
      const text = await res.body.text();
      return { status: res.statusCode, headers: res.headers, json: text ? (JSON.parse(text) as any) : undefined };
    };
    try {
      let sessionHeaders: Record<string, string> = {};
      if (revision === '2025-11-25') {
        const init = await post(
          { jsonrpc: '2.0', id: `init-${options.tagPrefix}-${index}`, method: 'initialize', params: { protocolVersion: revision, capabilities: {}, clientInfo: { name: 'kill-load', version: '1.0.0' } } },
          {},
        );
        const sessionId = init.headers['mcp-session-id'];
        if (init.status !== 200 || typeof sessionId !== 'string') return refuse(`initialize ${init.status}`);
        sessionHeaders = { 'mcp-session-id': sessionId, 'mcp-protocol-version': revision };
        await post({ jsonrpc: '2.0', method: 'notifications/initialized' }, sessionHeaders);
      }
      for (let n = 0; n < options.maxCallsPerClient && running(); n++) {
        const tag = `${options.tagPrefix}-c${index}-${n}-${randomUUID()}`;
        const params =
          revision === '2026-07-28' ? { name: options.tool, arguments: { tag }, _meta: modernMeta } : { name: options.tool, arguments: { tag } };
        const headers = revision === '2026-07-28' ? modernHeaders('tools/call', options.tool) : sessionHeaders;
        report.sent.set(tag, revision);
        const answer = await post({ jsonrpc: '2.0', id: tag, method: 'tools/call', params }, headers);
        if (answer.status === 200 && echoedTag(answer.json) === tag) report.answered.add(tag);
        else refuse(answer.json?.error?.data?.reason ?? `HTTP ${answer.status}`);
      }
    } catch {
      report.transportErrors += 1;
    } finally {
      await http.destroy().catch(() => undefined);
    }
  };

  const done = Promise.all(options.clients.map((revision, index) => runClient(revision, index))).then(() => report);
  return {
    stop: () => {
      stopped = true;
    },
    done,
  };
}

/** The `tag` argument the echo tool sent back in its text content, if the answer is such a result. */
function echoedTag(message: any): unknown {
  const text = message?.result?.content?.[0]?.text;
  if (typeof text !== 'string') return undefined;
  try {
    return (JSON.parse(text) as { tag?: unknown }).tag;
  } catch {
    return undefined;
  }
}
