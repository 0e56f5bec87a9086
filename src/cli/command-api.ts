import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { UsageError } from './cli-errors';

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

/** One command-API request with the caller's key; the answer's status and parsed body. */
export async function request(api: string, key: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${api}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/** Prints an answer; 0 for 2xx, 1 for a refusal. */
export function report(res: { status: number; body: unknown }, show: (label: string, body: unknown) => void, label: string): number {
  if (res.status >= 200 && res.status < 300) {
    show(label, res.body);
    return 0;
  }
  show(`refused (${res.status}):`, res.body);
  return 1;
}
