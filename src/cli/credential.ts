import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { apiRequest, apiTarget, reportAnswer } from './api-request';
import { UsageError } from './cli-errors';

export const CREDENTIAL_USAGE = `usage: warden credential <show|set|rotate|remove> SERVER [-f FILE|-] [--api URL] [--key ADMIN_KEY] [--json]

  show SERVER           the active credential's scheme, version, fingerprint and date (never a secret)
  set SERVER -f FILE    store a credential (replaces any other): a JSON or YAML object as the API takes
                        it, e.g. {"scheme": "bearer", "token": "…"}; "-f -" reads standard input
  rotate SERVER -f FILE a new secret for the active scheme (the scheme may be left out); in-flight calls
                        finish with the old one
  remove SERVER         the server's calls go without a credential from now on
  SERVER is the server's id or its slug. Secrets are read from the file or standard input only, never
  from the command line (shell history, process lists), and nothing warden answers contains them.
  --api (WARDEN_API, default http://127.0.0.1:7420)  --key (WARDEN_KEY): an admin's API key`;

/** `warden credential …`: a server's vaulted credential over the command API. Exit 0 ok, 1 refused, 2 bad usage. */
export async function credentialCommand(argv: string[], print: (line: string) => void, env: NodeJS.ProcessEnv = process.env, stdin: () => string = readStdin): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { file: { type: 'string', short: 'f' }, api: { type: 'string' }, key: { type: 'string' }, json: { type: 'boolean' } },
  });
  const [action, server, ...extra] = positionals;
  if (!['show', 'set', 'rotate', 'remove'].includes(action ?? '') || server === undefined || extra.length > 0) throw new UsageError(CREDENTIAL_USAGE);
  const needsFile = action === 'set' || action === 'rotate';
  if (needsFile !== (values.file !== undefined)) throw new UsageError(needsFile ? `${action} needs -f FILE (or -f - for standard input): the credential is never given on the command line` : `${action} takes no -f`);
  const { api, key } = apiTarget(values, env, "an admin's");
  const show = (label: string, body: unknown) => print(values.json ? JSON.stringify(body) : `${label}\n${JSON.stringify(body, null, 2)}`);
  const serverId = await serverIdOf(api, key, server);
  if (serverId === undefined) {
    show('refused (404):', { code: 'REGISTRY.SERVER_UNKNOWN', detail: `no server with id or slug ${server.slice(0, 64)} in this organisation` });
    return 1;
  }
  const path = `/v1/servers/${encodeURIComponent(serverId)}/credential`;
  switch (action) {
    case 'show':
      return reportAnswer(await apiRequest(api, key, 'GET', path), show, 'credential:');
    case 'remove':
      return reportAnswer(await apiRequest(api, key, 'DELETE', path), show, 'removed');
    default: {
      const credential = readCredential(values.file!, stdin);
      const res = await apiRequest(api, key, action === 'set' ? 'PUT' : 'POST', action === 'set' ? path : `${path}/rotate`, credential);
      if (res.status >= 300) return reportAnswer(res, show, '');
      // The answer to a write is empty: show what is active now (scheme, version, fingerprint).
      return reportAnswer(await apiRequest(api, key, 'GET', path), show, action === 'set' ? 'stored:' : 'rotated:');
    }
  }
}

/** An id as given, or the id of the organisation's server with that slug. */
async function serverIdOf(api: string, key: string, server: string): Promise<string | undefined> {
  const direct = await apiRequest(api, key, 'GET', `/v1/servers/${encodeURIComponent(server)}`);
  if (direct.status === 200) return server;
  if (direct.status !== 404) throw new UsageError(`the command API refused to look up servers (${direct.status}): ${JSON.stringify(direct.body)}`);
  const listed = await apiRequest(api, key, 'GET', '/v1/servers');
  const servers = (listed.body as { servers?: Array<{ serverId: string; slug: string }> } | undefined)?.servers ?? [];
  return servers.find((s) => s.slug === server)?.serverId;
}

/** The credential object from a file or standard input; a parse error names the file, never its content. */
function readCredential(file: string, stdin: () => string): Record<string, unknown> {
  const where = file === '-' ? 'standard input' : file;
  let text: string;
  try {
    text = file === '-' ? stdin() : readFileSync(file, 'utf8');
  } catch {
    throw new UsageError(`cannot read ${where}`);
  }
  let value: unknown;
  try {
    value = parseYaml(text, { uniqueKeys: true });
  } catch {
    throw new UsageError(`${where} is not JSON or YAML`); // the parser's message may quote the secret
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UsageError(`${where} must hold one object, the credential`);
  return value as Record<string, unknown>;
}

function readStdin(): string {
  return readFileSync(0, 'utf8');
}
