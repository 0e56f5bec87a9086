import { parseArgs } from 'node:util';
import { apiRequest as request, apiTarget, readYamlFile as readSet, reportAnswer as report } from './api-request';
import { UsageError } from './cli-errors';

export const POLICY_USAGE = `usage: warden policy <apply|validate|simulate|show|versions|rollback> [--api URL] [--key ADMIN_KEY] …

  apply -f FILE [--dry-run] [--simulate-since 7d]
                      validate FILE (YAML or JSON), show the diff against the set in force (and,
                      with --simulate-since, what the recorded calls of that range would have
                      been decided differently), then apply it as one signed version, unless --dry-run
  validate -f FILE    validate and diff only
  simulate -f FILE [--since 7d] [--until TIME]
                      replay the recorded calls through FILE's set; nothing is written
  show | versions     the set in force and its version | every version
  rollback --version N
                      a new version equal to version N
  --api (WARDEN_API, default http://127.0.0.1:7420)  --key (WARDEN_KEY): an admin API key`;

type Print = (line: string) => void;

/** `warden policy …`: policies as code, over the command API. Exit 0 ok, 1 refused, 2 bad usage. */
export async function policyCommand(argv: string[], print: Print, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      file: { type: 'string', short: 'f' },
      'dry-run': { type: 'boolean' },
      'simulate-since': { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      version: { type: 'string' },
      api: { type: 'string' },
      key: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const [action] = positionals;
  const { api, key } = apiTarget(values, env, 'an admin');
  const call = (method: string, path: string, body?: unknown) => request(api, key, method, path, body);
  const show = (label: string, body: unknown) => print(values.json ? JSON.stringify(body) : `${label}\n${JSON.stringify(body, null, 2)}`);

  switch (action) {
    case 'show':
      return report(await call('GET', '/v1/policies'), show, 'in force:');
    case 'versions':
      return report(await call('GET', '/v1/policies/versions'), show, 'versions:');
    case 'rollback': {
      if (!values.version || !/^\d+$/.test(values.version)) throw new UsageError('rollback needs --version N');
      return report(await call('POST', '/v1/policies/rollback', { version: Number(values.version) }), show, 'rolled back:');
    }
    case 'validate':
      return report(await call('POST', '/v1/policies/validate', readSet(values.file)), show, 'valid:');
    case 'simulate':
      return report(await call('POST', '/v1/policies/simulate', { set: readSet(values.file), ...(values.since ? { since: values.since } : {}), ...(values.until ? { until: values.until } : {}) }), show, 'simulation:');
    case 'apply': {
      const set = readSet(values.file);
      const validated = await call('POST', '/v1/policies/validate', set);
      if (report(validated, show, 'diff against the set in force:') !== 0) return 1;
      if (values['simulate-since']) {
        if (report(await call('POST', '/v1/policies/simulate', { set, since: values['simulate-since'] }), show, 'simulation:') !== 0) return 1;
      }
      if (values['dry-run']) return 0;
      const baseVersion = (validated.body as { currentVersion: number }).currentVersion;
      return report(await call('PUT', `/v1/policies?baseVersion=${baseVersion}`, set), show, 'applied:');
    }
    default:
      throw new UsageError(POLICY_USAGE);
  }
}

