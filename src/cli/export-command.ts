import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { BUNDLE_FILES } from '@warden/ledger';
import { apiTarget } from './api-request';
import { UsageError } from './cli-errors';
import { receiveExportFrames } from './export-frames';

export const EXPORT_USAGE = `usage: warden export --org ORG [--from TIME] [--to TIME] [--payloads] --out DIR
                     [--api URL] [--key AUDITOR_KEY] [--json]

  Exports the organisation's ledger (an auditor's own organisation only) as a bundle directory
  (docs/export-bundle.md): its events as stored, the key registrations, the signed checkpoints
  with their witnesses' cosignatures, the payload digests (and with --payloads the plaintext
  payloads; erased ones marked with their erasure event), and a manifest digesting every file.
  TIME is RFC 3339 UTC (2026-12-01T00:00:00Z). Events no checkpoint covers yet are left out
  (the manifest counts them). The export is recorded in the ledger (ExportCreated). DIR must not
  exist or be empty. The bundle streams (bounded memory on both sides, any range); progress goes
  to stderr. Check the bundle with \`warden verify-export DIR\`.
  --api (WARDEN_API, default http://127.0.0.1:7420)  --key (WARDEN_KEY): an auditor's API key.
  Exits 0 when written, 1 when refused, 2 on bad usage.`;

/** `warden export …`: POST /v1/exports/stream, the files written into DIR as they arrive. */
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
  const response = await fetch(`${api}/v1/exports/stream`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (response.status !== 201 || !response.body) {
    const text = await response.text();
    let answer: unknown = text;
    try {
      answer = JSON.parse(text);
    } catch {
      /* as text */
    }
    print(`refused (${response.status}):\n${JSON.stringify(answer, null, 2)}`);
    return 1;
  }
  mkdirSync(out, { recursive: true, mode: 0o700 });
  let received;
  try {
    received = await receiveExportFrames(response.body as unknown as AsyncIterable<Uint8Array>, out, progress);
  } catch (error) {
    print(`failed: ${(error as Error).message}`);
    return 1;
  }
  const manifest = JSON.parse(received.manifestText) as { counts?: Record<string, number>; range?: Record<string, unknown> };
  progress(`warden export: wrote ${Object.keys(BUNDLE_FILES).length} files to ${out}`);
  const summary = { out, exportEventId: received.exportEventId, counts: manifest.counts, range: manifest.range };
  print(values.json ? JSON.stringify(summary) : `exported ${summary.counts?.events ?? 0} events (${summary.counts?.checkpoints ?? 0} checkpoints) to ${out}; recorded as event ${summary.exportEventId}`);
  return 0;
}
