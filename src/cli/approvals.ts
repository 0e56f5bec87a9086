import { parseArgs } from 'node:util';
import { apiRequest, apiTarget, reportAnswer } from './api-request';
import { UsageError } from './cli-errors';

export const APPROVALS_USAGE = `usage: warden approvals <list|approve|deny> [--api URL] [--key APPROVER_KEY] …

  list [--state pending|approved|denied|expired|consumed]
                      the organisation's step-up approvals (default: pending)
  approve ID [--comment TEXT]
                      release the held call (once, for its exact arguments)
  deny ID [--comment TEXT]
                      refuse it
  --api (WARDEN_API, default http://127.0.0.1:7420)  --key (WARDEN_KEY): an approver's or admin's API key`;

const ID = /^[0-9a-f-]{36}$/;

/** `warden approvals …`: step-up approvals over the command API. Exit 0 ok, 1 refused, 2 bad usage. */
export async function approvalsCommand(argv: string[], print: (line: string) => void, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { state: { type: 'string' }, comment: { type: 'string' }, api: { type: 'string' }, key: { type: 'string' }, json: { type: 'boolean' } },
  });
  const [action, id, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError(APPROVALS_USAGE);
  const { api, key } = apiTarget(values, env, "an approver's");
  const show = (label: string, body: unknown) => print(values.json ? JSON.stringify(body) : `${label}\n${JSON.stringify(body, null, 2)}`);
  switch (action) {
    case 'list': {
      if (id !== undefined) throw new UsageError(APPROVALS_USAGE);
      const state = values.state ?? 'pending';
      return reportAnswer(await apiRequest(api, key, 'GET', `/v1/approvals?state=${encodeURIComponent(state)}`), show, `${state} approvals:`);
    }
    case 'approve':
    case 'deny': {
      if (id === undefined || !ID.test(id)) throw new UsageError(`${action} needs the approval id (as \`warden approvals list\` shows it)`);
      const body = values.comment !== undefined ? { comment: values.comment } : {};
      return reportAnswer(await apiRequest(api, key, 'POST', `/v1/approvals/${id}/${action}`, body), show, action === 'approve' ? 'approved:' : 'denied:');
    }
    default:
      throw new UsageError(APPROVALS_USAGE);
  }
}
