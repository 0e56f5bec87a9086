import { parseArgs } from 'node:util';
import { apiRequest, apiTarget, reportAnswer } from './api-request';
import { UsageError } from './cli-errors';

export const SEARCH_USAGE = `usage: warden search [--q TEXT] [--agent ID] [--server ID] [--tool NAME] [--decision allow|deny|step_up|observe]
                     [--rule ID] [--workflow ID] [--from TIME] [--to TIME] [--min-latency-ms N] [--has-findings true|false]
                     [--limit N] [--cursor C] [--api URL] [--key KEY] [--json]
       warden search --call ID [--api URL] [--key KEY] [--json]

  the forensic index: calls newest first, by filter and full text (--q, FTS5 syntax: quote a
  phrase or an id with dashes, "doc-4711"); --call shows one call in full (payloads, proofs)
  --api (WARDEN_API, default http://127.0.0.1:7420)  --key (WARDEN_KEY): an investigator's or auditor's key`;

const FILTERS: Record<string, string> = {
  q: 'q',
  agent: 'agent',
  server: 'server',
  tool: 'tool',
  decision: 'decision',
  rule: 'rule',
  workflow: 'workflow',
  from: 'from',
  to: 'to',
  'min-latency-ms': 'minLatencyMs',
  'has-findings': 'hasFindings',
  limit: 'limit',
  cursor: 'cursor',
};

const CALL_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `warden search …`: GET /v1/calls (or /v1/calls/:id) over the command API. Exit 0 ok, 1 refused, 2 bad usage. */
export async function searchCommand(argv: string[], print: (line: string) => void, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const options = Object.fromEntries(Object.keys(FILTERS).map((name) => [name, { type: 'string' as const }]));
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { ...options, call: { type: 'string' }, api: { type: 'string' }, key: { type: 'string' }, json: { type: 'boolean' } },
  });
  if (positionals.length > 0) throw new UsageError(SEARCH_USAGE);
  const given = Object.keys(FILTERS).filter((name) => (values as Record<string, unknown>)[name] !== undefined);
  if (values.call !== undefined && (given.length > 0 || !CALL_ID.test(values.call))) throw new UsageError('--call takes one call id (a UUID) and no filter');
  const { api, key } = apiTarget(values, env, "an investigator's or auditor's");
  const show = (label: string, body: unknown) => print(values.json ? JSON.stringify(body) : `${label}\n${JSON.stringify(body, null, 2)}`);
  if (values.call !== undefined) return reportAnswer(await apiRequest(api, key, 'GET', `/v1/calls/${values.call}`), show, 'call:');
  const query = new URLSearchParams(given.map((name): [string, string] => [FILTERS[name], String((values as Record<string, unknown>)[name])]));
  const path = `/v1/calls${query.size > 0 ? `?${query.toString()}` : ''}`;
  return reportAnswer(await apiRequest(api, key, 'GET', path), show, 'calls:');
}
