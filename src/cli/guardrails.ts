import { parseArgs } from 'node:util';
import { UsageError } from './cli-errors';
import { apiRequest as request, readYamlFile, reportAnswer as report } from './api-request';

export const GUARDRAILS_USAGE = `usage: warden guardrails <apply|validate|show> [--api URL] [--key KEY] …

  apply -f FILE [--dry-run]
                      validate FILE (YAML or JSON: rules, oversize) and apply it as one signed
                      version on top of the version in force, unless --dry-run
  validate -f FILE    validate only (RE2 patterns compiled, scopes checked); nothing is written
  show                the set in force and its version
  --api (WARDEN_API, default http://127.0.0.1:7420)  --key (WARDEN_KEY): an operator or admin key (show: auditor too)`;

type Print = (line: string) => void;

/** `warden guardrails …`: content guardrails as code, over the command API. Exit 0 ok, 1 refused, 2 bad usage. */
export async function guardrailsCommand(argv: string[], print: Print, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      file: { type: 'string', short: 'f' },
      'dry-run': { type: 'boolean' },
      api: { type: 'string' },
      key: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const [action] = positionals;
  const api = (values.api ?? env.WARDEN_API ?? 'http://127.0.0.1:7420').replace(/\/+$/, '');
  const key = values.key ?? env.WARDEN_KEY;
  if (!key) throw new UsageError('an API key is needed: --key or WARDEN_KEY');
  const call = (method: string, path: string, body?: unknown) => request(api, key, method, path, body);
  const show = (label: string, body: unknown) => print(values.json ? JSON.stringify(body) : `${label}\n${JSON.stringify(body, null, 2)}`);

  switch (action) {
    case 'show':
      return report(await call('GET', '/v1/guardrails'), show, 'in force:');
    case 'validate':
      return report(await call('POST', '/v1/guardrails/validate', readYamlFile(values.file)), show, 'valid:');
    case 'apply': {
      const set = readYamlFile(values.file);
      const validated = await call('POST', '/v1/guardrails/validate', set);
      if (report(validated, show, 'valid:') !== 0) return 1;
      if (values['dry-run']) return 0;
      const baseVersion = (validated.body as { currentVersion: number }).currentVersion;
      return report(await call('PUT', `/v1/guardrails?baseVersion=${baseVersion}`, set), show, 'applied:');
    }
    default:
      throw new UsageError(GUARDRAILS_USAGE);
  }
}
