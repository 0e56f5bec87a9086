import { mkdirSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { BUNDLE_FILES } from '@warden/ledger';
import { apiTarget } from './api-request';
import { UsageError } from './cli-errors';

export const EXPORT_USAGE = `usage: warden export --org ORG [--from TIME] [--to TIME] [--payloads] --out DIR
                     [--api URL] [--key AUDITOR_KEY] [--json]

  Exports the organisation's ledger (an auditor's own organisation only) as a bundle directory
  (docs/export-bundle.md): its events as stored, the key registrations, the signed checkpoints
  with their witnesses' cosignatures, the payload digests (and with --payloads the plaintext
  payloads; erased ones marked with their erasure event), and a manifest digesting every file.
  TIME is RFC 3339 UTC (2026-12-01T00:00:00Z). Events no checkpoint covers yet are left out
  (the manifest counts them). The export is recorded in the ledger (ExportCreated). DIR must not
  exist or be empty. Progress goes to stderr. Check the bundle with \`warden verify-export DIR\`.
  --api (WARDEN_API, default http://127.0.0.1:7420)  --key (WARDEN_KEY): an auditor's API key.
  Exits 0 when written, 1 when refused, 2 on bad usage.`;

const MIB = 1024 * 1024;

/** `warden export …`: POST /v1/exports, then the files into DIR. */
export async function exportCommand(argv: string[], print: (line: string) => void, env: NodeJS.ProcessEnv = process.env, progress: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      org: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      payloads: { type: 'boolean', default: false },
      out: { type: 'string' },
      api: { type: 'string' },
      key: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  if (positionals.length > 0) throw new UsageError(EXPORT_USAGE);
  if (!values.org) throw new UsageError('--org ORG is required (the auditor\u2019s own organisation)');
  if (!values.out) throw new UsageError('--out DIR is required');
  const out = resolve(values.out);
  if (existsSync(out) && readdirSync(out).length > 0) throw new UsageError(`${out} is not empty: export into a new directory`);
  const { api, key } = apiTarget(values, env, "an auditor's");

  progress(`warden export: asking ${api} for ${values.org}'s bundle${values.payloads ? ' with payloads' : ''}\u2026`);
  const body = { org: values.org, ...(values.from ? { from: values.from } : {}), ...(values.to ? { to: values.to } : {}), payloads: values.payloads };
  const response = await fetch(`${api}/v1/exports`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await readWithProgress(response, progress);
  const answer = text ? (JSON.parse(text) as { files?: Record<string, string>; manifest?: { counts: Record<string, number>; range: Record<string, unknown> }; exportEventId?: string }) : undefined;
  if (response.status !== 201 || !answer?.files) {
    print(`refused (${response.status}):\n${JSON.stringify(answer, null, 2)}`);
    return 1;
  }
  mkdirSync(out, { recursive: true, mode: 0o700 });
  const names = Object.values(BUNDLE_FILES);
  for (const name of names) {
    if (typeof answer.files[name] !== 'string') throw new Error(`the server's answer lacks ${name}`);
    writeFileSync(join(out, name), answer.files[name], { mode: 0o600 });
  }
  progress(`warden export: wrote ${names.length} files to ${out}`);
  const summary = { out, exportEventId: answer.exportEventId, counts: answer.manifest?.counts, range: answer.manifest?.range };
  print(values.json ? JSON.stringify(summary) : `exported ${summary.counts?.events ?? 0} events (${summary.counts?.checkpoints ?? 0} checkpoints) to ${out}; recorded as event ${summary.exportEventId}`);
  return 0;
}

async function readWithProgress(response: Response, progress: (line: string) => void): Promise<string> {
  if (!response.body) return '';
  const chunks: Uint8Array[] = [];
  let received = 0;
  let reported = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    chunks.push(chunk);
    received += chunk.length;
    if (received - reported >= 4 * MIB) {
      reported = received;
      progress(`warden export: received ${(received / MIB).toFixed(0)} MiB\u2026`);
    }
  }
  return Buffer.concat(chunks).toString('utf8');
}
