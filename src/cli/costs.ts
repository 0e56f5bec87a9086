import { parseArgs } from 'node:util';
import { UsageError } from './cli-errors';
import { apiRequest, apiTarget } from './api-request';

export const COSTS_USAGE = `usage: warden costs [--by tool|agent|workflow|org|day] [--from WHEN] [--to WHEN] [--json] [--api URL] [--key KEY]

  actual costs of completed calls, summed (GET /v1/costs), largest first, as a table
  --by     the grouping (default tool)
  --from   start of the range: 7d, 24h, 30m (before now) or an RFC 3339 time (default 30 days ago)
  --to     end of the range, same forms (default now)
  --json   the API's answer as JSON
  --api (WARDEN_API, default http://127.0.0.1:7420)  --key (WARDEN_KEY): an admin, operator or auditor key`;

const GROUPINGS = ['tool', 'agent', 'workflow', 'org', 'day'] as const;
const COLUMN_OF: Record<string, string> = { serverId: 'SERVER', tool: 'TOOL', agentId: 'AGENT', workflow: 'WORKFLOW', orgId: 'ORG', day: 'DAY' };

interface CostRow {
  key: Record<string, string | null>;
  currency: string;
  amount: number;
  calls: number;
}
interface CostsAnswer {
  by: string;
  since: string;
  until: string;
  rows: CostRow[];
  /** Buckets the gateway let go (WARDEN_COST_BUCKETS_MAX); absent from older gateways. */
  evicted?: { buckets: number; through: string | null };
}

type Print = (line: string) => void;

/** `warden costs`: cost attribution over the command API. Exit 0 ok, 1 refused, 2 bad usage. */
export async function costsCommand(argv: string[], print: Print, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { by: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, json: { type: 'boolean' }, api: { type: 'string' }, key: { type: 'string' } },
  });
  if (positionals.length > 0) throw new UsageError(COSTS_USAGE);
  const by = values.by ?? 'tool';
  if (!(GROUPINGS as readonly string[]).includes(by)) throw new UsageError(`--by must be one of ${GROUPINGS.join(', ')}`);
  const { api, key } = apiTarget(values, env, 'an admin, operator or auditor');
  const query = new URLSearchParams({ by });
  if (values.from !== undefined) query.set('since', values.from);
  if (values.to !== undefined) query.set('until', values.to);
  const res = await apiRequest(api, key, 'GET', `/v1/costs?${query.toString()}`);
  if (res.status !== 200) {
    print(`refused (${res.status}):`);
    print(JSON.stringify(res.body, null, 2));
    return 1;
  }
  const answer = res.body as CostsAnswer;
  if (values.json) print(JSON.stringify(answer));
  else for (const line of costsTable(answer)) print(line);
  return 0;
}

/** The answer as aligned columns: the grouping's key, then currency, amount and calls; a total per currency. */
export function costsTable(answer: CostsAnswer): string[] {
  const head = `costs by ${answer.by}, ${answer.since} to ${answer.until}`;
  const evicted = answer.evicted && answer.evicted.buckets > 0 ? [`note: ${answer.evicted.buckets} older cost buckets were let go (WARDEN_COST_BUCKETS_MAX): sums up to ${answer.evicted.through} may be short`] : [];
  if (answer.rows.length === 0) return [head, 'no costs recorded in this range', ...evicted];
  const keys = Object.keys(answer.rows[0].key);
  const header = [...keys.map((k) => COLUMN_OF[k] ?? k.toUpperCase()), 'CURRENCY', 'AMOUNT', 'CALLS'];
  const cells = answer.rows.map((r) => [...keys.map((k) => r.key[k] ?? '(none)'), r.currency, amountText(r.amount), String(r.calls)]);
  const totals = new Map<string, { amount: number; calls: number }>();
  for (const r of answer.rows) {
    const t = totals.get(r.currency) ?? { amount: 0, calls: 0 };
    // Sum in micros, as the API does, so the total is exact to the unit it shows.
    t.amount = Math.round(t.amount * 1e6 + r.amount * 1e6) / 1e6;
    t.calls += r.calls;
    totals.set(r.currency, t);
  }
  const footer = [...totals].map(([currency, t]) => [...keys.map((_, i) => (i === 0 ? 'TOTAL' : '')), currency, amountText(t.amount), String(t.calls)]);
  const all = [header, ...cells, ...footer];
  const numeric = (i: number) => i >= keys.length + 1;
  const widths = header.map((_, i) => Math.max(...all.map((row) => row[i].length)));
  const line = (row: string[]) => row.map((cell, i) => (numeric(i) ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join('  ').trimEnd();
  return [head, line(header), ...cells.map(line), ...footer.map(line), ...evicted];
}

/** Up to six decimals (micro-units), without trailing zeros. */
const amountText = (amount: number) => amount.toFixed(6).replace(/\.?0+$/, '') || '0';
