import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { UsageError } from './cli-errors';

export interface ApiAnswer {
  status: number;
  body: unknown;
}

/** Where the command API is and the key to use: --api / --key, else WARDEN_API / WARDEN_KEY. */
export function apiTarget(values: { api?: string; key?: string }, env: NodeJS.ProcessEnv, who: string): { api: string; key: string } {
  const api = (values.api ?? env.WARDEN_API ?? 'http://127.0.0.1:7420').replace(/\/+$/, '');
  const key = values.key ?? env.WARDEN_KEY;
  if (!key) throw new UsageError(`${who} key is needed: --key or WARDEN_KEY`);
  return { api, key };
}

/** One JSON request to the command API with a bearer key. */
export async function apiRequest(api: string, key: string, method: string, path: string, body?: unknown): Promise<ApiAnswer> {
  const response = await fetch(`${api}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/** Shows the answer; 0 for a 2xx, 1 for a refusal (shown with its status and problem details). */
export function reportAnswer(res: ApiAnswer, show: (label: string, body: unknown) => void, label: string): number {
  if (res.status >= 200 && res.status < 300) {
    show(label, res.body);
    return 0;
  }
  show(`refused (${res.status}):`, res.body);
  return 1;
}

/** A policy or guardrail file: YAML (JSON is YAML too). Unknown keys are refused by the API, with their path. */
export function readYamlFile(file: string | undefined): unknown {
  if (!file) throw new UsageError('-f FILE is required');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new UsageError(`cannot read ${file}`);
  }
  try {
    return parseYaml(text, { uniqueKeys: true });
  } catch (error) {
    throw new UsageError(`${file} is not valid YAML: ${error instanceof Error ? error.message.split('\n')[0] : 'parse error'}`);
  }
}
