import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fromBase64 } from '@warden/ledger';
import { originOf, type Witness, type WitnessOutcome } from './witness';

/**
 * c2sp.org/tlog-witness over plain node:http: `POST /add-checkpoint` with the body
 *   old <size>\n  <base64 proof hash>\n …  \n  <signed checkpoint note>
 * answers 200 with the witness's cosignature line(s), or: 400 malformed, 403 not signed by the
 * log's key, 404 a log it does not follow, 409 (text/x.tlog.size, the recorded size) when the
 * request starts from another size or would roll back or fork the log, 422 when the consistency
 * proof fails. Every refusal names its reason in the `Warden-Reason` header and the body.
 */

const MAX_BODY = 1 << 20;
const STATUS: Record<Exclude<WitnessOutcome, { ok: true }>['code'], number> = {
  'WITNESS.BAD_CHECKPOINT': 403,
  'WITNESS.UNKNOWN_LOG': 404,
  'WITNESS.OLD_SIZE_MISMATCH': 409,
  'WITNESS.ROLLBACK': 409,
  'WITNESS.FORK': 409,
  'WITNESS.INCONSISTENT': 422,
};

export interface AddCheckpointRequest {
  oldSize: number;
  proof: Uint8Array[];
  note: string;
}

/** Parse the add-checkpoint body; throws Error with a message for a 400. */
export function parseAddCheckpoint(body: string): AddCheckpointRequest {
  const lines = body.split('\n');
  const first = /^old (0|[1-9][0-9]{0,15})$/.exec(lines[0] ?? '');
  if (!first || !Number.isSafeInteger(Number(first[1]))) throw new Error('the first line is "old <size>"');
  const proof: Uint8Array[] = [];
  let i = 1;
  for (; i < lines.length && lines[i] !== ''; i++) {
    if (proof.length >= 63) throw new Error('a consistency proof has at most 63 hashes');
    let hash: Uint8Array;
    try {
      hash = fromBase64(lines[i]);
    } catch {
      throw new Error(`proof line ${i} is not base64`);
    }
    if (hash.length !== 32) throw new Error(`proof line ${i} is not a 32-byte hash`);
    proof.push(hash);
  }
  if (i >= lines.length) throw new Error('a blank line separates the proof from the checkpoint');
  const note = lines.slice(i + 1).join('\n');
  if (note.length === 0) throw new Error('the signed checkpoint follows the blank line');
  return { oldSize: Number(first[1]), proof, note };
}

export function startWitnessServer(witness: Witness, host: string, port: number): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    handle(witness, req, res).catch(() => answer(res, 500, 'WITNESS.INTERNAL', 'the witness failed; nothing was cosigned'));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const address = server.address() as AddressInfo;
      const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      resolve({ server, url: `http://${shownHost}:${address.port}` });
    });
  });
}

async function handle(witness: Witness, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.url !== '/add-checkpoint') return answer(res, 404, 'WITNESS.NOT_FOUND', 'the witness answers POST /add-checkpoint only');
  if (req.method !== 'POST') return answer(res, 405, 'WITNESS.METHOD', 'POST /add-checkpoint');
  const body = await readBody(req);
  if (body === undefined) return answer(res, 413, 'WITNESS.TOO_LARGE', `the body is at most ${MAX_BODY} bytes`);
  let request: AddCheckpointRequest;
  try {
    request = parseAddCheckpoint(body);
  } catch (error) {
    return answer(res, 400, 'WITNESS.MALFORMED', (error as Error).message);
  }
  const outcome = await witness.add(originOf(request.note), request.oldSize, request.proof, request.note);
  if (outcome.ok) {
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(outcome.cosignatureLines);
    return;
  }
  const status = STATUS[outcome.code];
  if (status === 409) {
    res.writeHead(409, { 'content-type': 'text/x.tlog.size', 'warden-reason': outcome.code, 'warden-detail': encodeURIComponent(outcome.detail) });
    res.end(`${outcome.recordedSize}\n`);
    return;
  }
  answer(res, status, outcome.code, outcome.detail);
}

function answer(res: ServerResponse, status: number, code: string, detail: string): void {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'warden-reason': code });
  res.end(`${code}: ${detail}\n`);
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      length += chunk.length;
      if (length > MAX_BODY) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
