import { fromBase64 } from '@warden/ledger';
import type { Witness } from './witness';
import type { WitnessedLogConfig } from './witness-files';

export interface PollResult {
  origin: string;
  /** cosigned: verified, recorded and delivered; refused: the witness would not cosign; failed: the gateway could not be read or written. */
  outcome: 'cosigned' | 'refused' | 'failed' | 'no-checkpoint';
  size?: number;
  code?: string;
  detail?: string;
}

/**
 * `warden witness poll`: for each log with a gateway URL, fetch its latest checkpoint and the
 * consistency proof from the size the witness recorded, decide, and post the cosigned note to the
 * gateway's cosignature intake (POST /v1/log/checkpoints/:size/cosignatures). The API key is never
 * part of a result or a message.
 */
export async function pollOnce(witness: Witness, logs: readonly WitnessedLogConfig[]): Promise<PollResult[]> {
  const results: PollResult[] = [];
  for (const log of logs) {
    if (!log.url || !log.apiKey) continue;
    results.push(await pollLog(witness, log, log.url.replace(/\/+$/, ''), log.apiKey).catch((error: unknown) => failed(log.origin, 'WITNESS.GATEWAY_UNREACHABLE', error instanceof Error ? error.message : String(error))));
  }
  return results;
}

async function pollLog(witness: Witness, log: WitnessedLogConfig, url: string, apiKey: string): Promise<PollResult> {
  const latest = await getJson(`${url}/v1/log/checkpoint`, apiKey);
  if (latest.status === 404 && (latest.body as { code?: string })?.code === 'LOG.NO_CHECKPOINT') return { origin: log.origin, outcome: 'no-checkpoint' };
  if (latest.status !== 200) return failed(log.origin, 'WITNESS.GATEWAY_REFUSED', `GET /v1/log/checkpoint: ${latest.status} ${codeOf(latest.body)}`);
  const { note, size } = latest.body as { note?: unknown; size?: unknown };
  if (typeof note !== 'string' || !Number.isSafeInteger(size)) return failed(log.origin, 'WITNESS.GATEWAY_REFUSED', 'the gateway answered no checkpoint note');
  const oldSize = witness.recorded(log.origin)?.size ?? 0;
  let proof: Uint8Array[] = [];
  if (oldSize > 0 && (size as number) > oldSize) {
    const answer = await getJson(`${url}/v1/log/proofs/consistency?from=${oldSize}&to=${size}`, apiKey);
    if (answer.status !== 200) return failed(log.origin, 'WITNESS.GATEWAY_REFUSED', `GET /v1/log/proofs/consistency: ${answer.status} ${codeOf(answer.body)}`);
    const hashes = (answer.body as { proof?: unknown }).proof;
    if (!Array.isArray(hashes) || hashes.some((h) => typeof h !== 'string')) return failed(log.origin, 'WITNESS.GATEWAY_REFUSED', 'the consistency proof is not a list of base64 hashes');
    try {
      proof = hashes.map((h: string) => fromBase64(h));
    } catch {
      return { origin: log.origin, outcome: 'refused', size: size as number, code: 'WITNESS.INCONSISTENT', detail: 'the consistency proof holds a hash that is not base64' };
    }
  }
  const decision = await witness.add(log.origin, oldSize, proof, note);
  if (!decision.ok) return { origin: log.origin, outcome: 'refused', size: size as number, code: decision.code, detail: decision.detail };
  const posted = await fetch(`${url}/v1/log/checkpoints/${decision.checkpoint.size}/cosignatures`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ note: decision.cosignedNote }),
  });
  const body = await posted.json().catch(() => undefined);
  if (posted.status !== 201) return failed(log.origin, 'WITNESS.DELIVERY_REFUSED', `POST cosignatures: ${posted.status} ${codeOf(body)} (cosigned and recorded; the next poll delivers it again)`, decision.checkpoint.size);
  return { origin: log.origin, outcome: 'cosigned', size: decision.checkpoint.size };
}

async function getJson(url: string, apiKey: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${apiKey}`, accept: 'application/json' } });
  return { status: response.status, body: await response.json().catch(() => undefined) };
}

function codeOf(body: unknown): string {
  const code = (body as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : '';
}

function failed(origin: string, code: string, detail: string, size?: number): PollResult {
  return { origin, outcome: 'failed', code, detail, ...(size !== undefined ? { size } : {}) };
}
